"""The status card (its sections are in bot/slack/status_sections.py), its modal for App Home,
and the replies to `/onboard done` and Undo.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from typing import Any

from bot.services.health import HealthStatus, HealthSummary, Trend
from bot.services.milestones import MilestoneChange, MilestoneFlow
from bot.services.status import (
    StatusCard,
)
from bot.slack import blocks as bk
from bot.slack.conversation_views import conversation_section
from bot.slack.ids import ChartId, ChecklistId, ReplanId, StakeholderId, StatusId
from bot.slack.mrkdwn import Mrkdwn, escape, mention, money, truncate
from bot.slack.status_sections import (
    adoption_section,
    agreement_blocks,
    internal_blocks,
    milestone_blocks,
    progress_section,
    stakeholder_blocks,
    target_section,
    work_blocks,
)

HEALTH_ICON = {
    "green": ":large_green_circle:",
    "yellow": ":large_yellow_circle:",
    "red": ":red_circle:",
}
# The card's schedule colour (StatusCard.health), in words: it is not the health score.
SCHEDULE = {
    "green": "on track",
    "yellow": "at risk",
    "red": "overdue or blocked",
}
HEALTH_STATUS_ICON = {
    HealthStatus.HEALTHY: ":large_green_circle:",
    HealthStatus.MONITOR: ":large_yellow_circle:",
    HealthStatus.AT_RISK: ":large_orange_circle:",
    HealthStatus.CRITICAL: ":red_circle:",
    HealthStatus.EMERGENCY: ":rotating_light:",
}
TREND_ICON = {"up": "▲", "down": "▼", "flat": "▶", "first": ""}


def _facts(card: StatusCard, *, internal: bool) -> list[Mrkdwn]:
    facts = [
        Mrkdwn(f"*Segment*\n{escape(card.segment)}"),
        Mrkdwn(f"*Phase*\n{escape(card.phase)}"),
        Mrkdwn(f"*CSM*\n{mention(card.csm_user_id)}"),
        Mrkdwn(f"*AE*\n{mention(card.ae_user_id)}"),
        Mrkdwn(
            f"*Day*\n{card.day_number}"
            if card.day_number > 0
            else f"*Starts in*\n{1 - card.day_number} days"
        ),
    ]
    if internal:
        facts += [
            Mrkdwn(f"*ARR*\n{money(card.arr)}"),
            Mrkdwn(f"*Handoff score*\n{card.handoff_score}/100"),
            Mrkdwn(f"*Schedule*\n{HEALTH_ICON.get(card.health, '')} {SCHEDULE[card.health]}"),
        ]
        if card.health_check is not None:
            facts.append(health_check_field(card.health_check))
    return facts


def build_status_blocks(
    card: StatusCard, *, internal: bool = True, interactive: bool = True
) -> list[bk.Block]:
    """The status card. `internal=False` leaves out ARR, risks, health (and the health check's
    score, status and trend), handoff score, the customer's conversation and detractors (and
    the activity log and pinned timeline, which can quote them or come from an internal
    channel): for channels shared externally."""
    blocks: list[bk.Block] = [
        bk.header(card.company_name),
        bk.fields(_facts(card, internal=internal)),
        progress_section(card),
        target_section(card),
    ]
    blocks += adoption_section(card, internal=internal)
    blocks += conversation_section(card, internal=internal)
    blocks += agreement_blocks(card, internal=internal)
    blocks += milestone_blocks(card)
    blocks += work_blocks(card)
    blocks += stakeholder_blocks(card, internal=internal)
    if internal:
        blocks += internal_blocks(card)
    if interactive:
        blocks.append(_status_actions(card))
        blocks += _flow_hints(card)
    return bk.fit_message(blocks)


def trend_text(trend: Trend) -> str:
    """`▲ +5 since Nov 13`, `▶ no change since Nov 13`, `first check`."""
    if trend.direction == "first" or trend.previous_at is None:
        return "first check"
    since = f"since {trend.previous_at:%b} {trend.previous_at.day}"
    if trend.direction == "flat":
        return f"{TREND_ICON['flat']} no change {since}"
    return f"{TREND_ICON[trend.direction]} {trend.points:+d} {since}"


def health_check_field(health: HealthSummary) -> Mrkdwn:
    """The latest health check on the status card (internal only)."""
    return Mrkdwn(
        f"*Health score*\n{HEALTH_STATUS_ICON.get(health.status, '')} {health.score}/100 · "
        f"{escape(health.status_name)} · {trend_text(health.trend)}\n"
        f"checked {health.checked_at:%b} {health.checked_at.day} by {mention(health.checked_by)}"
        f"\n_{escape(health.response)}_"
    )


def _status_actions(card: StatusCard) -> bk.Block:
    elements: list[dict[str, Any]] = []
    pending = card.markable_milestones[: bk.SELECT_OPTIONS_MAX]
    if pending:
        options = [bk.option(m.name, str(m.milestone_id)) for m in pending]
        elements.append(
            bk.select_element(StatusId.DONE_SELECT, options, placeholder="Mark milestone done")
        )
    elements.append(bk.button("Open checklist", ChecklistId.OPEN, str(card.onboarding_id)))
    elements.append(bk.button("Add blocker", StatusId.ADD_BLOCKER, str(card.onboarding_id)))
    elements.append(_add_stakeholder_button(card))
    if card.pending_milestones:
        elements.append(bk.button("Replan", ReplanId.OPEN, str(card.onboarding_id)))
    if card.adoption is not None:
        elements.append(bk.button("Usage chart", ChartId.USAGE, str(card.onboarding_id)))
    return bk.actions(*elements)


def _add_stakeholder_button(card: StatusCard) -> dict[str, Any]:
    """The stakeholder map's own button: it opens the same modal (handlers/stakeholders.py)."""
    return bk.button("Add stakeholder", StakeholderId.ADD, str(card.onboarding_id))


FLOW_HINT = {
    MilestoneFlow.GO_LIVE: "`/onboard golive {name}` (the readiness gate)",
    MilestoneFlow.HYPERCARE_EXIT: "*End hypercare* on the daily hypercare sync",
    MilestoneFlow.TRANSITION: "`/onboard close {name}`",
}


def _flow_hints(card: StatusCard) -> list[bk.Block]:
    """How the milestones left out of *Mark milestone done* complete (their own flows)."""
    name = escape(truncate(card.company_name, 200))
    hints = [
        f"{escape(truncate(m.name, 120))}: {FLOW_HINT[m.flow].format(name=name)}"
        for m in card.milestones
        if m.flow is not None
    ]
    return [bk.context(Mrkdwn(" · ".join(hints)))] if hints else []


def build_status_modal(card: StatusCard) -> dict[str, Any]:
    """The status card in a modal, for App Home (where a click has no message to reply to)."""
    blocks = build_status_blocks(card, interactive=False)
    blocks.append(
        bk.actions(
            bk.button("Open checklist", ChecklistId.OPEN, str(card.onboarding_id)),
            _add_stakeholder_button(card),
        )
    )
    return {
        "type": "modal",
        "title": bk.plain("Status", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": blocks,
    }


def build_done_blocks(change: MilestoneChange) -> list[bk.Block]:
    name, company = escape(change.milestone_name), escape(change.company_name)
    if not change.changed:
        return [bk.section(Mrkdwn(f"*{name}* was already complete for *{company}*."))]
    extra = " Time to first value is recorded." if change.first_value else ""
    return [
        bk.section(
            Mrkdwn(f":white_check_mark: *{name}* is complete for *{company}*.{extra}"),
            accessory=bk.button("Undo", StatusId.UNDO_DONE, str(change.milestone_id)),
        )
    ]


def build_reopened_blocks(change: MilestoneChange) -> list[bk.Block]:
    name, company = escape(change.milestone_name), escape(change.company_name)
    text = (
        f":leftwards_arrow_with_hook: *{name}* is open again for *{company}*."
        if change.changed
        else f"*{name}* was not complete for *{company}*."
    )
    return [bk.section(Mrkdwn(text))]
