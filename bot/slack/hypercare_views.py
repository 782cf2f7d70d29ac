"""Hypercare replies and the renderers of the daily sync posts. Pure functions: no database,
no Slack calls. The clocks' words and the sync posts are in bot/slack/hypercare_sync_views.py.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel

from bot.services.hypercare import (
    SYNC_DETAIL_KIND,
    SYNC_KIND,
    ClockStage,
    HypercareEnded,
    HypercareSync,
    IssueChange,
)
from bot.slack import blocks as bk
from bot.slack.hypercare_sync_views import (
    SEVERITY_ICON,
    build_sync_detail,
    build_sync_parent,
    clock_text,
    issue_title,
)
from bot.slack.ids import HypercareId
from bot.slack.mrkdwn import Mrkdwn, count, escape
from bot.slack.rendering import renderer

_SEVERITY_WORD = re.compile(r"^[Pp]\d{1,2}$")

USAGE = {
    "golive": "`/onboard golive <customer>`",
    "issue": "`/onboard issue <customer> P1|P2|P3|P4 <title>`",
    "resolve": "`/onboard resolve <customer> <n>`",
    "respond": "`/onboard respond <customer> <n>`",
}

RENDERERS = {
    SYNC_KIND: renderer(HypercareSync, build_sync_parent),
    SYNC_DETAIL_KIND: renderer(HypercareSync, build_sync_detail),
}


class IssueRef(BaseModel):
    """The value of a button on an issue reply."""

    onboarding_id: int
    number: int


# ---- parsing the command text ------------------------------------------------------------


def split_issue_words(words: list[str]) -> tuple[list[str], str | None, str]:
    """`acme mfg P2 SAP sync fails` -> (customer words, "P2", title). The severity is the first
    word after the customer that looks like P<n> (validated by the service)."""
    for index, word in enumerate(words[1:], start=1):
        if _SEVERITY_WORD.match(word):
            return words[:index], word, " ".join(words[index + 1 :])
    return words, None, ""


def split_number(words: list[str]) -> tuple[list[str], int | None]:
    """`acme mfg 3` or `acme mfg #3` -> (customer words, 3)."""
    if len(words) > 1 and words[-1].lstrip("#").isdigit():
        return words[:-1], int(words[-1].lstrip("#"))
    return words, None


# ---- command replies ----------------------------------------------------------------------


def _issue_buttons(change: IssueChange) -> bk.Block:
    ref = IssueRef(onboarding_id=change.onboarding_id, number=change.number).model_dump_json()
    elements = []
    if change.clock.stage == ClockStage.RESPONSE:
        elements.append(bk.button("Responded", HypercareId.RESPONDED, ref))
    elements.append(bk.button("Resolved", HypercareId.RESOLVE, ref, style="primary"))
    return bk.actions(*elements)


def _issue_blocks(change: IssueChange, head: str, now: datetime) -> list[bk.Block]:
    """`head`, the clocks, and Responded / Resolved while the issue is open."""
    blocks = [
        bk.section(Mrkdwn(head)),
        bk.context(Mrkdwn(clock_text(change.clock, change.zone, now))),
    ]
    if change.clock.stage != ClockStage.DONE:
        blocks.append(_issue_buttons(change))
    return blocks


def build_issue_blocks(change: IssueChange, now: datetime) -> list[bk.Block]:
    """The reply to `issue`: the clocks, with Responded and Resolved."""
    head = (
        f"{SEVERITY_ICON[change.severity]} Issue *#{change.number}* ({change.severity}, "
        f"{change.severity.label}) opened for *{escape(change.company_name)}*: "
        f"{issue_title(change.title)}"
    )
    return _issue_blocks(change, head, now)


def responded_blocks(change: IssueChange, now: datetime) -> list[bk.Block]:
    company = escape(change.company_name)
    head = (
        f":speech_balloon: First response recorded on *#{change.number}* for *{company}*."
        if change.changed
        else f"The first response on *#{change.number}* for *{company}* was already recorded."
    )
    return _issue_blocks(change, head, now)


def resolved_text(change: IssueChange, now: datetime) -> Mrkdwn:
    company = escape(change.company_name)
    if not change.changed:
        return Mrkdwn(f"Issue *#{change.number}* for *{company}* was already resolved.")
    return Mrkdwn(
        f":white_check_mark: Resolved *#{change.number}* for *{company}*: "
        f"{issue_title(change.title)} ({clock_text(change.clock, change.zone, now)}; "
        f"{change.open_count} still open)."
    )


def ended_text(result: HypercareEnded) -> Mrkdwn:
    return Mrkdwn(
        f":tada: Hypercare ended for *{escape(result.company_name)}* after "
        f"{count(result.issues, 'issue')}. Next: the transition to the ongoing CSM."
    )
