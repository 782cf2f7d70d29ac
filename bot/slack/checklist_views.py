"""The checklist modal: a phase's items as checkboxes, ten per group, paged, plus new items.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.services.checklist import ITEM_TEXT_MAX, Checklist, ChecklistEdit, ChecklistLine
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import ChecklistId
from bot.slack.mrkdwn import Mrkdwn, escape, mention, truncate

CHECKBOXES_MAX = 10  # Slack: at most 10 options per checkboxes element
PAGE_SIZE = 50  # five groups of ten: a modest modal, far under the 100-block limit
ADD_ITEMS_INPUT_MAX = 3000
OPTION_DESCRIPTION_MAX = 75
ROLE_NAMES = {"ae": "AE", "csm": "CSM", "se": "SE"}


class ChecklistMetadata(BaseModel):
    """`private_metadata`: the page the user saw, so saving changes only what they changed."""

    onboarding_id: int
    phase_key: str
    offset: int = 0
    shown: list[int] = []
    done: list[int] = []
    channel_id: str | None = None


@dataclass(frozen=True)
class ChecklistForm:
    checked_ids: frozenset[int]
    new_items_text: str


def read_checklist_form(form: ViewForm) -> ChecklistForm:
    """The checklist modal's fields as typed input."""
    checked = {i for block in form.block_ids(ChecklistId.ITEMS) for i in form.choice_ids(block)}
    return ChecklistForm(frozenset(checked), form.text(ChecklistId.ADD_ITEMS))


def checklist_edit(metadata: ChecklistMetadata, form: ChecklistForm) -> ChecklistEdit:
    return ChecklistEdit(
        onboarding_id=metadata.onboarding_id,
        phase_key=metadata.phase_key,
        shown_ids=frozenset(metadata.shown),
        done_at_open=frozenset(metadata.done),
        checked_ids=form.checked_ids,
        new_items_text=form.new_items_text,
    )


def _option(item: ChecklistLine) -> dict[str, Any]:
    role = ROLE_NAMES.get(item.owner_role, item.owner_role.replace("_", " "))
    done = f" · done by {mention(item.done_by)} {item.done_at:%b %d}" if item.done_at else ""
    return {
        "text": bk.md(item.text, bk.OPTION_TEXT_MAX),
        "description": bk.md(Mrkdwn(f"{escape(role)}{done}"), OPTION_DESCRIPTION_MAX),
        "value": str(item.item_id),
    }


def _group(items: list[ChecklistLine], index: int, first_number: int) -> bk.Block:
    done = {str(item.item_id) for item in items if item.done}
    element = bk.checkboxes_element(
        ChecklistId.INPUT, [_option(item) for item in items], initial=done
    )
    last = first_number + len(items) - 1
    label = f"Items {first_number} to {last}"
    return bk.input_block(f"{ChecklistId.ITEMS}-{index}", label, element, optional=True)


def _phase_select(checklist: Checklist) -> bk.Block:
    options = [
        bk.option(f"{p.name} (current)" if p.key == checklist.current_key else p.name, p.key)
        for p in checklist.phases
    ]
    select = bk.select_element(
        ChecklistId.PHASE, options, initial=checklist.phase.key, placeholder="Phase"
    )
    return bk.actions(select, block_id=ChecklistId.PHASE)


def _pager(metadata: ChecklistMetadata, total: int, shown: int) -> list[bk.Block]:
    if total <= PAGE_SIZE:
        return []
    start, end = metadata.offset + 1, metadata.offset + shown
    blocks: list[bk.Block] = [
        bk.context(
            f"Showing items {start} to {end} of {total}. "
            "Save before changing page: ticks are kept only when you save."
        )
    ]
    buttons = []
    if metadata.offset > 0:
        buttons.append(
            bk.button("Previous", ChecklistId.PAGE, str(max(0, metadata.offset - PAGE_SIZE)))
        )
    if end < total:
        buttons.append(bk.button(f"Next {min(PAGE_SIZE, total - end)}", ChecklistId.PAGE, str(end)))
    if buttons:
        blocks.append(bk.actions(*buttons, block_id=ChecklistId.PAGE))
    return blocks


def _add_items_input() -> bk.Block:
    element = bk.text_element(ChecklistId.INPUT, multiline=True, max_length=ADD_ITEMS_INPUT_MAX)
    return bk.input_block(
        ChecklistId.ADD_ITEMS,
        "Add items",
        element,
        optional=True,
        hint=f"One item per line, up to {ITEM_TEXT_MAX} characters each.",
    )


def build_checklist_modal(
    checklist: Checklist, offset: int = 0, channel_id: str | None = None
) -> dict[str, Any]:
    """The modal for one page of the phase's items; `private_metadata` records what it shows."""
    total = len(checklist.items)
    offset = min(max(0, offset), max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE))
    page = checklist.items[offset : offset + PAGE_SIZE]
    metadata = ChecklistMetadata(
        onboarding_id=checklist.onboarding_id,
        phase_key=checklist.phase.key,
        offset=offset,
        shown=[item.item_id for item in page],
        done=[item.item_id for item in page if item.done],
        channel_id=channel_id,
    )
    summary = (
        f"*{escape(truncate(checklist.company_name, 200))}* · "
        f"{escape(checklist.phase.name)} · {checklist.done_count}/{total} done"
    )
    blocks: list[bk.Block] = [bk.section(Mrkdwn(summary))]
    if checklist.phases:
        blocks.append(_phase_select(checklist))
    if not page:
        blocks.append(bk.section("No checklist items in this phase yet. Add some below."))
    for index in range(0, len(page), CHECKBOXES_MAX):
        group = page[index : index + CHECKBOXES_MAX]
        blocks.append(_group(group, index // CHECKBOXES_MAX, offset + index + 1))
    blocks += _pager(metadata, total, len(page))
    blocks.append(_add_items_input())
    return {
        "type": "modal",
        "callback_id": ChecklistId.VIEW,
        "title": bk.plain("Checklist", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": blocks[: bk.MAX_VIEW_BLOCKS],
    }


def build_notice_view(text: str) -> dict[str, Any]:
    """What replaces the modal when it cannot be saved (no permission, onboarding gone)."""
    return {
        "type": "modal",
        "title": bk.plain("Checklist", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(Mrkdwn(text))],
    }


def saved_text(company_name: str, summary: str) -> Mrkdwn:
    return Mrkdwn(
        f":ballot_box_with_check: Checklist saved for *{escape(company_name)}*: {summary}."
    )
