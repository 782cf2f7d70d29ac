"""An escalation to CS leadership: what needs a leader, who was told, and its acknowledgement.

The same message goes to each recipient (the escalation channel, or each admin by DM); once a
leader acknowledges, every copy is edited to say who and when, and the button goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.escalations import ESCALATION_KIND, EscalationNotice
from bot.slack import blocks as bk
from bot.slack.ids import EscalationId, StatusId
from bot.slack.mrkdwn import Mrkdwn, channel_link, day, escape, mention, render
from bot.slack.rendering import Rendered, renderer

ACTIONS_BLOCK = "escalation-actions"
STATUS_BLOCK = "escalation-status"
MEETING_WITHIN_HOURS = 24  # seed 003: "IF RED: escalation meeting within 24 hours"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{day(local.date())} at {local:%H:%M}"


def _recipient(recipient: str) -> Mrkdwn:
    return channel_link(recipient) if recipient[:1] in {"C", "G"} else mention(recipient)


def cause_text(notice: EscalationNotice) -> Mrkdwn:
    facts = notice.facts
    checked = facts.checked_at.astimezone(notice.timezone).date() if facts.checked_at else None
    meeting_by = ""
    if facts.checked_at:
        meeting = facts.checked_at + timedelta(hours=MEETING_WITHIN_HOURS)
        meeting_by = _when(meeting, notice.timezone)
    return render(
        "escalation_cause",
        title=notice.cause_name,
        cause=notice.cause.value,
        facts=facts,
        checked=checked,
        meeting_by=meeting_by,
        csm=notice.csm_user_id,
    )


def told_text(notice: EscalationNotice) -> Mrkdwn:
    told = ", ".join(_recipient(r) for r in notice.told)
    return Mrkdwn(
        f"CSM {mention(notice.csm_user_id)} · Told: {told} · "
        f"Escalated {escape(_when(notice.escalated_at, notice.timezone))}"
    )


def status_text(notice: EscalationNotice) -> Mrkdwn:
    if notice.acknowledged_at is None:
        return Mrkdwn("Acknowledge to tell the other leaders you have it.")
    when = escape(_when(notice.acknowledged_at, notice.timezone))
    return Mrkdwn(
        f":white_check_mark: Acknowledged by {mention(notice.acknowledged_by)} on {when}."
    )


def build_escalation_blocks(notice: EscalationNotice) -> list[bk.Block]:
    buttons = [bk.button("Open status", StatusId.OPEN_STATUS, str(notice.onboarding_id))]
    if notice.acknowledged_at is None:
        acknowledge = bk.button(
            "Acknowledge", EscalationId.ACKNOWLEDGE, str(notice.escalation_id), style="primary"
        )
        buttons.insert(0, acknowledge)
    return [
        bk.header(f"Escalation: {notice.company_name}"),
        bk.section(cause_text(notice)),
        bk.context(told_text(notice)),
        bk.actions(*buttons, block_id=ACTIONS_BLOCK),
        {**bk.context(status_text(notice)), "block_id": STATUS_BLOCK},
    ]


def escalation_text(notice: EscalationNotice) -> str:
    return f"Escalation: {escape(notice.company_name)}, {escape(notice.cause_name)}"


def _render(notice: EscalationNotice) -> Rendered:
    return Rendered(escalation_text(notice), build_escalation_blocks(notice))


RENDERERS = {ESCALATION_KIND: renderer(EscalationNotice, _render)}
