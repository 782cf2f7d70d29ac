"""Status card, list and reply builders for `/onboard status|list|done|block|unblock|channel`.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel

from bot.services.blockers import BlockerChange
from bot.services.health import HealthStatus, HealthSummary, Trend
from bot.services.lookup import CustomerRef
from bot.services.milestones import MilestoneChange, MilestoneFlow
from bot.services.stakeholders import Sentiment
from bot.services.status import (
    ListEntry,
    ListScope,
    MilestoneState,
    StakeholderLine,
    StatusCard,
    TimelineLine,
)
from bot.slack import blocks as bk
from bot.slack.ids import ChecklistId, StakeholderId, StatusId
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, money, truncate
from bot.slack.stakeholder_views import SENTIMENT_ICON

LIST_PAGE_SIZE = 45  # + header, footer and the "more" button stays under 50 blocks
PICK_MAX = 10
BAR_WIDTH = 10
CHUNK = 2900
STATE_ICON = {
    MilestoneState.COMPLETE: ":white_check_mark:",
    MilestoneState.WAIVED: ":heavy_minus_sign:",
    MilestoneState.ON_TRACK: ":large_green_circle:",
    MilestoneState.AT_RISK: ":large_yellow_circle:",
    MilestoneState.OVERDUE: ":red_circle:",
    MilestoneState.BLOCKED: ":no_entry:",
}
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
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_CHANNEL = re.compile(r"^#?([CG][A-Z0-9]{6,})$")
_PERMALINK = re.compile(r"^https://[^\s<>|]+$")
TIMELINE_TEXT_MAX = 300
AGREEMENT_TEXT_MAX = 500  # three of them stay under a section's 3,000 characters
STAKEHOLDERS_SHOWN = 10  # the rest is "…and N more": `/onboard stakeholders` has them all
STAKEHOLDER_NAME_MAX = 80
FLAGGED_NAMES_MAX = 5


class PickValue(BaseModel):
    """A "which one did you mean?" button: the customer and the subcommand to run on it."""

    onboarding_id: int
    sub: str
    rest: str = ""


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


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def _days(left: int | None) -> str:
    if left is None:
        return ""
    if left == 0:
        return "due today"
    return (
        f"{left} day{'s' if abs(left) != 1 else ''} left"
        if left > 0
        else (f"{-left} day{'s' if left != -1 else ''} over")
    )


def _chunks(lines: list[str], title: str) -> list[bk.Block]:
    """Sections of at most ~2,900 characters, so long plans are split rather than cut."""
    out: list[bk.Block] = []
    current = f"*{title}*"
    for line in lines:
        if len(current) + len(line) + 1 > CHUNK:
            out.append(bk.section(Mrkdwn(current)))
            current = ""
        current = f"{current}\n{line}" if current else line
    out.append(bk.section(Mrkdwn(truncate(current, CHUNK))))
    return out


def _milestone_line(m: Any) -> str:
    when = (
        f"done {day(m.completed_on)}"
        if m.state == MilestoneState.COMPLETE
        else f"{day(m.due_date)} · {_days(m.days_left)}"
    )
    return f"{STATE_ICON[m.state]} {escape(truncate(m.name, 120))} · _{m.state}_ · {when}"


def _timeline_line(line: TimelineLine) -> str:
    when = f"{line.at:%b} {line.at.day}"
    link = f"<{line.permalink}|{when}>" if _PERMALINK.match(line.permalink) else when
    # Escaped first: truncate() keeps escaped entities whole (it cuts at a bare "&").
    text = _one_line(line.text, TIMELINE_TEXT_MAX) or "_(no text)_"
    return f"• {link} {mention(line.author_user_id)}: {text}"


def _one_line(text: str, limit: int) -> str:
    # Escaped first: truncate() keeps escaped entities whole (it cuts at a bare "&").
    return truncate(escape(" ".join(text.split())), limit)


def _agreement_blocks(card: StatusCard, *, internal: bool) -> list[bk.Block]:
    """*Agreed at kickoff* once it is held, naming what is still to agree. Customer-facing (the
    customer's own first-value definition, the cadence and escalation path agreed with them), so
    the shared card keeps it; before the kickoff, only our team gets a one-line hint."""
    agreed = card.kickoff
    if not agreed.held:
        if not (internal and agreed.planned):
            return []
        name = escape(truncate(card.company_name, 100))
        return [
            bk.context(
                Mrkdwn(
                    f"Kickoff not held yet: `/onboard done {name} kickoff` records the agreed "
                    "first value, meeting cadence and escalation path."
                )
            )
        ]
    items = (  # label, what is missing when empty, the text
        ("First value means", "first-value definition", agreed.first_value),
        ("Meeting cadence", "meeting cadence", agreed.cadence),
        ("Escalation path", "escalation path", agreed.escalation),
    )
    lines = ["*Agreed at kickoff*"]
    lines += [
        f"*{label}*: {_one_line(text, AGREEMENT_TEXT_MAX)}" for label, _, text in items if text
    ]
    missing = [name for _, name, text in items if not text]
    if missing:
        lines.append(f"_Still to agree_: {', '.join(missing)}")
    if internal and not agreed.first_value:
        lines.append("First value cannot be marked done until it is defined.")
    return [bk.section(Mrkdwn("\n".join(lines)))]


def _contact(days: int | None) -> str:
    if days is None:
        return "no contact logged"
    if days <= 1:
        return "last contact " + ("today" if days <= 0 else "yesterday")
    return f"last contact {days} days ago"


def _names(people: list[StakeholderLine]) -> str:
    names = [escape(truncate(p.name, STAKEHOLDER_NAME_MAX)) for p in people[:FLAGGED_NAMES_MAX]]
    more = len(people) - FLAGGED_NAMES_MAX
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _stakeholder_line(p: StakeholderLine, *, internal: bool) -> str:
    parts = [f"*{escape(truncate(p.name, STAKEHOLDER_NAME_MAX))}*", escape(p.role_label)]
    if internal:
        if p.sentiment in set(Sentiment):
            parts.append(f"{SENTIMENT_ICON[Sentiment(p.sentiment)]} {p.sentiment}")
        if p.power or p.interest:
            parts.append(f"power {escape(p.power or '?')} / interest {escape(p.interest or '?')}")
        parts.append(_contact(p.contact_days))
    return "• " + " · ".join(parts)


def _stakeholder_flags(card: StatusCard) -> list[str]:
    """Champion gone, single-threaded and detractors: internal (risk signals, sentiment)."""
    summary, flags = card.stakeholders, []
    gone = summary.champion_gone
    if gone:
        left = max(p.departed_on for p in gone if p.departed_on)
        flags.append(
            f":rotating_light: *Champion departed*: {_names(gone)} (left {day(left)}); "
            "no champion now"
        )
    if summary.single_threaded:
        present = len(summary.present)
        how_many = count(present, "customer stakeholder") if present else "no customer stakeholders"
        flags.append(f":warning: *Single-threaded*: {how_many} (minimum {summary.minimum})")
    if summary.detractors:
        flags.append(f":red_circle: *Detractors*: {_names(summary.detractors)}")
    return flags


def _stakeholder_blocks(card: StatusCard, *, internal: bool) -> list[bk.Block]:
    """Who is who at the customer, by role. Shared, only names and roles (never a detractor, by
    role or by sentiment: `is_detractor` decides); for our team also sentiment, power/interest,
    last contact and the flags."""
    present = card.stakeholders.present
    if not internal:
        present = [p for p in present if not p.is_detractor]
    flags = _stakeholder_flags(card) if internal else []
    if not present and not flags:
        return []
    lines = flags + [_stakeholder_line(p, internal=internal) for p in present[:STAKEHOLDERS_SHOWN]]
    if len(present) > STAKEHOLDERS_SHOWN:
        more = f"…and {len(present) - STAKEHOLDERS_SHOWN} more"
        name = escape(truncate(card.company_name, 100))
        lines.append(f"{more}: `/onboard stakeholders {name}`" if internal else more)
    return _chunks(lines, f"Stakeholders ({len(present)})")


def build_status_blocks(
    card: StatusCard, *, internal: bool = True, interactive: bool = True
) -> list[bk.Block]:
    """The status card. `internal=False` leaves out ARR, risks, health (and the health check's
    score, status and trend), handoff score and detractors (and the activity log and pinned
    timeline, which can quote them or come from an internal channel): for channels shared
    externally."""
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
    blocks: list[bk.Block] = [
        bk.header(card.company_name),
        bk.fields(facts),
        bk.section(
            Mrkdwn(
                f"*Progress* `{progress_bar(card.done, card.total)}` "
                f"{card.done}/{card.total} milestones"
            )
        ),
    ]
    targets = [
        f"*{t.label}*: "
        + (
            f"reached {day(t.reached_on)}"
            if t.reached_on
            else f"{day(t.due)} · {_days(t.days_left)}"
        )
        for t in card.targets
    ]
    blocks.append(bk.section(Mrkdwn("\n".join(targets))))
    blocks += _agreement_blocks(card, internal=internal)
    blocks += _chunks([_milestone_line(m) for m in card.milestones], "Milestones")
    if card.blockers:
        blocks += _chunks(
            [
                f"{b.number}. {escape(truncate(b.reason, 300))} · {mention(b.owner_user_id)} · "
                f"{b.age_days}d open"
                for b in card.blockers
            ],
            "Open blockers",
        )
    if card.commitments:
        blocks += _chunks(
            [
                f"• {escape(truncate(c.text, 300))}"
                + (f" · due {day(c.due_date)}" if c.due_date else "")
                for c in card.commitments[:20]
            ],
            "Open commitments",
        )
    if card.next_items:
        blocks += _chunks(
            [f"☐ {escape(truncate(t, 300))}" for t in card.next_items], "Next checklist items"
        )
    blocks += _stakeholder_blocks(card, internal=internal)
    if internal and card.risks:
        blocks += _chunks(
            [f"• _{escape(s)}_: {escape(truncate(t, 300))}" for s, t in card.risks[:15]], "Risks"
        )
    if internal and card.gate_override:
        override = card.gate_override
        blocks.append(
            bk.section(
                Mrkdwn(
                    f":warning: Go-live gate overridden by {mention(override.by_user_id)}: "
                    f"{escape(truncate(override.reason, 1000))}"
                )
            )
        )
    if internal and card.timeline:
        blocks += _chunks([_timeline_line(t) for t in card.timeline], "Timeline (:pushpin:)")
    if internal and card.activity:
        blocks.append(
            bk.context(
                *[
                    Mrkdwn(
                        f"{mention(a.actor_user_id)} {escape(truncate(a.detail, 200))} · "
                        f"{a.at:%b %d %H:%M}"
                    )
                    for a in card.activity
                ]
            )
        )
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


def build_pick_blocks(
    query: str,
    refs: list[CustomerRef],
    sub: str,
    rest: str,
    *,
    found: bool,
    action_id: str = StatusId.PICK_CUSTOMER,
) -> list[bk.Block]:
    """Several customers match (found) or none does (closest names): a button for each, with
    `action_id` and its index as the button's action id."""
    intro = (
        f"Several customers match `{escape(query)}`. Which one did you mean?"
        if found
        else f"I can't find a customer called `{escape(query)}`."
        + (" The closest names:" if refs else " There are no open onboardings yet.")
    )
    blocks: list[bk.Block] = [bk.section(Mrkdwn(intro))]
    if refs:
        blocks.append(
            bk.actions(
                *[
                    bk.button(
                        ref.company_name,
                        f"{action_id}-{i}",
                        PickValue(
                            onboarding_id=ref.onboarding_id, sub=sub, rest=rest[:1500]
                        ).model_dump_json(),
                    )
                    for i, ref in enumerate(refs[:PICK_MAX])
                ]
            )
        )
    return blocks


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
        f"({_days(left)})"
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


def build_list_blocks(
    entries: list[ListEntry],
    scope: ListScope,
    offset: int,
    today: date,
    page_size: int = LIST_PAGE_SIZE,
) -> list[bk.Block]:
    """One page of the list (never over 50 blocks) with a button for the next page."""
    page = entries[offset : offset + page_size]
    title = f"Onboardings · {scope} ({len(entries)})"
    blocks: list[bk.Block] = [bk.header(title)]
    if not entries:
        blocks.append(bk.section(Mrkdwn(f"Nothing in `{scope}` right now.")))
    for entry in page:
        blocks.append(
            bk.section(
                _list_line(entry, today),
                accessory=bk.button("Status", StatusId.OPEN_STATUS, str(entry.onboarding_id)),
            )
        )
    end = offset + len(page)
    if entries:
        blocks.append(
            bk.context(
                f"Showing {offset + 1} to {end} of {len(entries)} · "
                "`/onboard list mine|at-risk|overdue|all`"
            )
        )
    if end < len(entries):
        blocks.append(
            bk.actions(
                bk.button(
                    f"Next {min(page_size, len(entries) - end)}",
                    StatusId.LIST_PAGE,
                    ListPage(scope=scope, offset=end).model_dump_json(),
                )
            )
        )
    return blocks[: bk.MAX_MESSAGE_BLOCKS]


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
