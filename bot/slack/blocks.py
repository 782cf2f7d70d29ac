"""Small Block Kit constructors that respect Slack's limits whatever the input size."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any, Self

from pydantic import BaseModel

from bot.slack.mrkdwn import Mrkdwn, escape, truncate

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
CONTEXT_ELEMENTS_MAX = 10
FALLBACK_TEXT_MAX = 3000
MODAL_TITLE_MAX = 24
INPUT_INITIAL_MAX = 3000
INPUT_LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
SELECT_OPTIONS_MAX = 100


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    # Slack decodes &amp; &lt; &gt; in plain_text too, and asks for them everywhere.
    return {"type": "plain_text", "text": truncate(escape(text) or " ", limit), "emoji": True}


def md(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(_safe(text) or " ", limit)}


def _safe(text: str) -> str:
    return text if isinstance(text, Mrkdwn) else escape(text)


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(
    text: str, accessory: dict[str, Any] | None = None, block_id: str | None = None
) -> Block:
    block: Block = {"type": "section", "text": md(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields(items: list[str]) -> Block:
    """A section of up to 10 two-column fields (2,000 characters each)."""
    return {"type": "section", "fields": [md(item, 2000) for item in items[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [md(t, 2000) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id:
        block["block_id"] = block_id
    return block


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    """A modal's input block around `element`; Slack caps labels and hints at 2000."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, INPUT_LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, INPUT_LABEL_MAX)
    return block


def text_element(
    action_id: str,
    initial: str = "",
    *,
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str = "",
) -> dict[str, Any]:
    """A plain_text_input; what is typed again (`initial`) is cut to what the field accepts."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
    }
    if max_length:
        element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial[: max_length or INPUT_INITIAL_MAX]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value[:150]}


def _choice(
    kind: str, action_id: str, options: list[dict[str, Any]], initial: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def select_element(
    action_id: str,
    options: list[dict[str, Any]],
    *,
    initial: str | None = None,
    placeholder: str = "",
) -> dict[str, Any]:
    """A static_select of the first 100 options (Slack's cap); `initial` is the value of the
    option shown as chosen, if one has it."""
    element = _choice("static_select", action_id, options[:SELECT_OPTIONS_MAX], initial)
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return element


def radio_element(
    action_id: str, options: list[dict[str, Any]], *, initial: str | None = None
) -> dict[str, Any]:
    """Radio buttons (Slack takes at most 10); `initial` is the value shown as chosen."""
    return _choice("radio_buttons", action_id, options, initial)


def checkboxes_element(
    action_id: str, options: list[dict[str, Any]], *, initial: Collection[str] = ()
) -> dict[str, Any]:
    """Checkboxes (Slack takes at most 10); those whose value is in `initial` are ticked."""
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action_id, "options": options}
    ticked = [o for o in options if o["value"] in initial]
    if ticked:
        element["initial_options"] = ticked
    return element


def date_element(action_id: str, initial: date | None = None) -> dict[str, Any]:
    """A datepicker, showing `initial` when given."""
    element: dict[str, Any] = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial.isoformat()
    return element


def user_element(
    action_id: str, initial: str | None = None, *, placeholder: str = ""
) -> dict[str, Any]:
    """A users_select, showing the user `initial` when given."""
    element: dict[str, Any] = {"type": "users_select", "action_id": action_id}
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    if initial:
        element["initial_user"] = initial
    return element


class CardModalMetadata(BaseModel):
    """`private_metadata` of a modal opened from an ephemeral card: the onboarding, and where the
    card is, to redraw it after saving (handlers/modals.redraw). Each card's subclass adds the id
    of the row its modal edits."""

    onboarding_id: int
    channel_id: str | None = None
    response_url: str | None = None

    def opened_from(self, body: dict[str, Any]) -> Self:
        """This metadata with where the card is, from the payload of the click on it."""
        channel_id = (body.get("channel") or {}).get("id")
        return self.model_copy(
            update={"channel_id": channel_id, "response_url": body.get("response_url")}
        )


def fit_message(blocks: list[Block], more_text: str = "") -> list[Block]:
    """Cap a message at Slack's 50 blocks; the last block says what was left out."""
    if len(blocks) <= MAX_MESSAGE_BLOCKS:
        return blocks
    kept = blocks[: MAX_MESSAGE_BLOCKS - 1]
    left = len(blocks) - len(kept)
    return [*kept, context(more_text or f"…and {left} more not shown here.")]


def fallback_text(text: str) -> str:
    """The notification text of a message: escaped and short."""
    return truncate(_safe(text), FALLBACK_TEXT_MAX)
