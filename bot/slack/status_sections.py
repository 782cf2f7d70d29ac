"""The sections of the status card (bot/slack/status_views.py puts them together): its
targets, kickoff agreements, milestones, open work, stakeholders and internal notes.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

import re
from typing import Any

from bot.services.replan import ReplanSummary
from bot.services.stakeholders import Sentiment
from bot.services.status import MilestoneState, StatusCard, TimelineLine
from bot.services.status_stakeholders import StakeholderLine
from bot.services.usage_adoption import AdoptionSummary
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, truncate
from bot.slack.stakeholder_views import SENTIMENT_ICON

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
_PERMALINK = re.compile(r"^https://[^\s<>|]+$")
TIMELINE_TEXT_MAX = 300
AGREEMENT_TEXT_MAX = 500  # three of them stay under a section's 3,000 characters
STAKEHOLDERS_SHOWN = 10  # the rest is "…and N more": `/onboard stakeholders` has them all
STAKEHOLDER_NAME_MAX = 80
FLAGGED_NAMES_MAX = 5


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def days_text(left: int | None) -> str:
    if left is None:
        return ""
    if left == 0:
        return "due today"
    return (
        f"{left} day{'s' if abs(left) != 1 else ''} left"
        if left > 0
        else (f"{-left} day{'s' if left != -1 else ''} over")
    )


def chunks(lines: list[str], title: str) -> list[bk.Block]:
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
        else f"{day(m.due_date)} · {days_text(m.days_left)}"
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


def agreement_blocks(card: StatusCard, *, internal: bool) -> list[bk.Block]:
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


def stakeholder_blocks(card: StatusCard, *, internal: bool) -> list[bk.Block]:
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
    return chunks(lines, f"Stakeholders ({len(present)})")


def progress_section(card: StatusCard) -> bk.Block:
    return bk.section(
        Mrkdwn(
            f"*Progress* `{progress_bar(card.done, card.total)}` "
            f"{card.done}/{card.total} milestones"
        )
    )


def target_section(card: StatusCard) -> bk.Block:
    targets = [
        f"*{t.label}*: "
        + (
            f"reached {day(t.reached_on)}"
            if t.reached_on
            else f"{day(t.due)} · {days_text(t.days_left)}"
        )
        for t in card.targets
    ]
    if card.replan is not None:
        targets.append(replan_text(card.replan))
    if card.open_changes:
        targets.append(f"_{count(card.open_changes, 'open change request')}: the CSM decides_")
    return bk.section(Mrkdwn("\n".join(targets)))


def replan_text(summary: ReplanSummary) -> str:
    """`replanned 2x · go-live +10 business days` (against the first plan)."""
    text = f"_replanned {summary.count}x"
    if summary.go_live_business_days is not None:
        text += f" · go-live {summary.go_live_business_days:+d} business days"
    return text + "_"


def milestone_blocks(card: StatusCard) -> list[bk.Block]:
    return chunks([_milestone_line(m) for m in card.milestones], "Milestones")


def work_blocks(card: StatusCard) -> list[bk.Block]:
    """The open blockers, commitments and next checklist items (each only when there are)."""
    blocks: list[bk.Block] = []
    if card.blockers:
        blocks += chunks(
            [
                f"{b.number}. {escape(truncate(b.reason, 300))} · {mention(b.owner_user_id)} · "
                f"{b.age_days}d open"
                for b in card.blockers
            ],
            "Open blockers",
        )
    if card.commitments:
        blocks += chunks(
            [
                f"• {escape(truncate(c.text, 300))}"
                + (f" · due {day(c.due_date)}" if c.due_date else "")
                for c in card.commitments[:20]
            ],
            "Open commitments",
        )
    if card.next_items:
        blocks += chunks(
            [f"☐ {escape(truncate(t, 300))}" for t in card.next_items], "Next checklist items"
        )
    return blocks


def internal_blocks(card: StatusCard) -> list[bk.Block]:
    """Risks, a go-live gate override, the pinned timeline and the activity log: for our team
    only (never in a channel shared with another organisation)."""
    blocks: list[bk.Block] = []
    if card.risks:
        blocks += chunks(
            [f"• _{escape(s)}_: {escape(truncate(t, 300))}" for s, t in card.risks[:15]], "Risks"
        )
    if card.gate_override:
        override = card.gate_override
        blocks.append(
            bk.section(
                Mrkdwn(
                    f":warning: Go-live gate overridden by {mention(override.by_user_id)}: "
                    f"{escape(truncate(override.reason, 1000))}"
                )
            )
        )
    if card.timeline:
        blocks += chunks([_timeline_line(t) for t in card.timeline], "Timeline (:pushpin:)")
    if card.activity:
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
    return blocks


def adoption_text(adoption: AdoptionSummary) -> str:
    """`Adoption: 12 of 40 licensed users active (30%) · core features 2 of 4`."""
    if adoption.percent is None:
        text = f"{adoption.active_users} users active, none licensed"
    else:
        text = (
            f"{adoption.active_users} of {adoption.licensed_users} licensed users active "
            f"({adoption.percent}%)"
        )
    if adoption.core_total:
        text += f" · core features {adoption.core_used} of {adoption.core_total}"
    return f"Adoption: {text}"


def adoption_section(card: StatusCard, *, internal: bool) -> list[bk.Block]:
    """The adoption line, for our team (or anyone when the playbook shares usage)."""
    if card.adoption is None or not (internal or card.adoption_shared):
        return []
    label, rest = adoption_text(card.adoption).split(": ", 1)
    return [bk.section(Mrkdwn(f"*{label}:* {rest} _(as of {day(card.adoption.as_of)})_"))]
