"""The replies to `/onboard list|block|unblock|channel` and the *Add blocker* modal, and
reading those commands' text.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel

from bot.services.blockers import BlockerChange
from bot.services.onboarding_list import ListEntry, ListScope, OnboardingList
from bot.slack import blocks as bk
from bot.slack.ids import StatusId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, truncate
from bot.slack.status_sections import days_text

LIST_PAGE_SIZE = 45  # + header, footer and the "more" button stays under 50 blocks
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_CHANNEL = re.compile(r"^#?([CG][A-Z0-9]{6,})$")


class ListPage(BaseModel):
    scope: ListScope
    offset: int


class BlockerMetadata(BaseModel):
    onboarding_id: int
    channel_id: str | None = None


def parse_channel_ref(text: str) -> str | None:
    """`<#C123|name>` (how Slack sends a channel mention in command text) or `C123`."""
    text = text.strip()
    found = _CHANNEL.match(text) or _BARE_CHANNEL.match(text)
    return found.group(1) if found else None


def parse_number(text: str) -> int | str | None:
    """`unblock` argument: None when empty, the number, or the text back when not a number."""
    text = text.strip().lstrip("#")
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _list_line(entry: ListEntry, today: date) -> Mrkdwn:
    left = entry.days_left(today)
    icon = (
        ":red_circle:"
        if entry.overdue or entry.open_blockers
        else ":large_yellow_circle:"
        if left is not None and left <= 2
        else ":large_green_circle:"
    )
    nxt = (
        f"\nNext: {escape(truncate(entry.next_milestone, 120))}, {day(entry.next_due)} "
        f"({days_text(left)})"
        if entry.next_milestone
        else ""
    )
    flags = "".join(
        [
            f" · {entry.overdue} overdue" if entry.overdue else "",
            f" · {entry.open_blockers} blocked" if entry.open_blockers else "",
        ]
    )
    return Mrkdwn(
        f"{icon} *{escape(truncate(entry.company_name, 200))}* · {escape(entry.segment)} · "
        f"{escape(entry.phase)} · {entry.done}/{entry.total} · {mention(entry.csm_user_id)}"
        f"{flags}{nxt}"
    )


def build_list_blocks(listing: OnboardingList, scope: ListScope, today: date) -> list[bk.Block]:
    """One page of the list (at most LIST_PAGE_SIZE entries, never over 50 blocks) with a
    button for the next page."""
    page, offset, total = listing.entries[:LIST_PAGE_SIZE], listing.offset, listing.total
    blocks: list[bk.Block] = [bk.header(f"Onboardings · {scope} ({total})")]
    if not total:
        blocks.append(bk.section(Mrkdwn(f"Nothing in `{scope}` right now.")))
    for entry in page:
        blocks.append(
            bk.section(
                _list_line(entry, today),
                accessory=bk.button("Status", StatusId.OPEN_STATUS, str(entry.onboarding_id)),
            )
        )
    end = offset + len(page)
    if page:
        blocks.append(
            bk.context(
                f"Showing {offset + 1} to {end} of {total} · "
                "`/onboard list mine|at-risk|overdue|all`"
            )
        )
    if end < total:
        blocks.append(
            bk.actions(
                bk.button(
                    f"Next {min(LIST_PAGE_SIZE, total - end)}",
                    StatusId.LIST_PAGE,
                    ListPage(scope=scope, offset=end).model_dump_json(),
                )
            )
        )
    return blocks[: bk.MAX_MESSAGE_BLOCKS]


def blocker_text(change: BlockerChange, *, added: bool) -> Mrkdwn:
    company, reason = escape(change.company_name), escape(truncate(change.reason, 500))
    if added:
        return Mrkdwn(
            f":no_entry: Blocker added to *{company}*: {reason} "
            f"(owner {mention(change.owner_user_id)}; {change.open_count} open)."
        )
    return Mrkdwn(
        f":white_check_mark: Resolved for *{company}*: {reason} ({change.open_count} still open)."
    )


def build_blocker_modal(metadata: BlockerMetadata, company_name: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": StatusId.BLOCKER_VIEW,
        "title": bk.plain("Add blocker", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Add"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(Mrkdwn(f"What is blocking *{escape(company_name)}*?")),
            bk.input_block(
                StatusId.BLOCKER_REASON,
                "Reason",
                bk.text_element(StatusId.INPUT, multiline=True, max_length=1000),
            ),
        ],
    }


def split_trailing(sub: str, words: list[str]) -> tuple[list[str], str]:
    """Take the subcommand's trailing argument off: `share`, a blocker number, a channel."""
    if len(words) > 1:
        last = words[-1]
        if (
            (sub == "status" and last.lower() == "share")
            or (sub == "unblock" and last.lstrip("#").isdigit())
            or (sub == "channel" and parse_channel_ref(last))
        ):
            return words[:-1], last
    return words, ""


USAGE = {
    "status": "`/onboard status <customer> [share]`",
    "done": "`/onboard done <customer> <milestone>`",
    "block": "`/onboard block <customer> <reason>`",
    "unblock": "`/onboard unblock <customer> [n]`",
    "channel": "`/onboard channel <customer> #channel`",
}


def usage_text(sub: str) -> Mrkdwn:
    return Mrkdwn(f"Usage: {USAGE.get(sub, '`/onboard help`')}")
