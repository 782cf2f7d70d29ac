"""Hypercare replies and the daily sync messages. Pure functions: no database, no Slack calls.

The daily sync is customer-safe by construction: it says only what hypercare shares with the
customer by design (issue numbers, severities, titles, SLA clocks, counts, the exit check) and
nothing from the internal list (ARR, risks, health, detractors, alerts), because the job that
queues it cannot ask Slack whether the customer channel is shared with another organisation.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from pydantic import BaseModel

from bot.services.hypercare import (
    ClockStage,
    HypercareEnded,
    HypercareSync,
    IssueChange,
    IssueLine,
    IssueSeverity,
    SlaClock,
)
from bot.slack import blocks as bk
from bot.slack.ids import HypercareId
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, truncate

TITLE_SHOWN_MAX = 150
CHUNK = 2900
OPEN_LINES_MAX = 60
SINCE_LINES_MAX = 15
BREACH_LINES_MAX = 15
FOCUS_MAX = 3
SEVERITY_ICON = {
    IssueSeverity.P1: ":red_circle:",
    IssueSeverity.P2: ":large_orange_circle:",
    IssueSeverity.P3: ":large_yellow_circle:",
    IssueSeverity.P4: ":white_circle:",
}
_SEVERITY_WORD = re.compile(r"^[Pp]\d{1,2}$")

USAGE = {
    "golive": "`/onboard golive <customer>`",
    "issue": "`/onboard issue <customer> P1|P2|P3|P4 <title>`",
    "resolve": "`/onboard resolve <customer> <n>`",
    "respond": "`/onboard respond <customer> <n>`",
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


# ---- time ---------------------------------------------------------------------------------


def span(delta: timedelta) -> str:
    """`45m`, `3h 20m`, `2d 4h`: a duration to the minute, sign dropped."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def when(moment: datetime, zone: tzinfo, today: datetime | None = None) -> str:
    """Local wall-clock time, with the day when it is not today."""
    local = moment.astimezone(zone)
    label = f"{local:%H:%M} {local:%Z}".strip()
    if today is not None and local.date() == today.astimezone(zone).date():
        return label
    return f"{local:%a %b} {local.day}, {label}"


def clock_text(clock: SlaClock, zone: tzinfo, now: datetime) -> str:
    """What a clock says at `now`: the running deadline and whether it was missed."""
    if clock.stage == ClockStage.DONE:
        assert clock.resolved_at is not None
        took = span(clock.resolved_at - clock.opened_at)
        late = " · :warning: SLA missed" if clock.breached else " · within SLA"
        return f"resolved in {took}{late}"
    parts: list[str] = []
    if clock.stage == ClockStage.RESPONSE:
        assert clock.time_left is not None
        if clock.response_breached:
            parts.append(
                f":rotating_light: response overdue by {span(clock.time_left)} "
                f"(was due {when(clock.response_due, zone, now)})"
            )
        else:
            parts.append(
                f"response due {when(clock.response_due, zone, now)} ({span(clock.time_left)} left)"
            )
    elif clock.response_breached:
        parts.append(":warning: response was late")
    assert clock.resolution_left is not None
    if clock.resolution_breached:
        parts.append(
            f":rotating_light: resolution overdue by {span(clock.resolution_left)} "
            f"(was due {when(clock.resolution_due, zone, now)})"
        )
    else:
        parts.append(
            f"resolve by {when(clock.resolution_due, zone, now)} "
            f"({span(clock.resolution_left)} left)"
        )
    return " · ".join(parts)


def _title(text: str) -> str:
    return escape(truncate(text, TITLE_SHOWN_MAX))


def issue_line(line: IssueLine, zone: tzinfo, now: datetime) -> Mrkdwn:
    return Mrkdwn(
        f"{SEVERITY_ICON[line.severity]} *#{line.number}* {line.severity} {_title(line.title)} · "
        f"{clock_text(line.clock, zone, now)}"
    )


# ---- command replies ----------------------------------------------------------------------


def _issue_buttons(change: IssueChange) -> bk.Block:
    ref = IssueRef(onboarding_id=change.onboarding_id, number=change.number).model_dump_json()
    elements = []
    if change.clock.stage == ClockStage.RESPONSE:
        elements.append(bk.button("Responded", HypercareId.RESPONDED, ref))
    elements.append(bk.button("Resolved", HypercareId.RESOLVE, ref, style="primary"))
    return bk.actions(*elements)


def build_issue_blocks(change: IssueChange, now: datetime) -> list[bk.Block]:
    """The reply to `issue` (and to `respond`): the clocks, with Responded and Resolved."""
    company = escape(change.company_name)
    head = (
        f"{SEVERITY_ICON[change.severity]} Issue *#{change.number}* ({change.severity}, "
        f"{change.severity.label}) opened for *{company}*: {_title(change.title)}"
    )
    blocks = [
        bk.section(Mrkdwn(head)),
        bk.context(Mrkdwn(clock_text(change.clock, change.zone, now))),
    ]
    if change.clock.stage != ClockStage.DONE:
        blocks.append(_issue_buttons(change))
    return blocks


def responded_blocks(change: IssueChange, now: datetime) -> list[bk.Block]:
    company = escape(change.company_name)
    text = (
        f":speech_balloon: First response recorded on *#{change.number}* for *{company}*."
        if change.changed
        else f"The first response on *#{change.number}* for *{company}* was already recorded."
    )
    blocks = [
        bk.section(Mrkdwn(text)),
        bk.context(Mrkdwn(clock_text(change.clock, change.zone, now))),
    ]
    if change.clock.stage != ClockStage.DONE:
        blocks.append(_issue_buttons(change))
    return blocks


def resolved_text(change: IssueChange, now: datetime) -> Mrkdwn:
    company = escape(change.company_name)
    if not change.changed:
        return Mrkdwn(f"Issue *#{change.number}* for *{company}* was already resolved.")
    return Mrkdwn(
        f":white_check_mark: Resolved *#{change.number}* for *{company}*: {_title(change.title)} "
        f"({clock_text(change.clock, change.zone, now)}; {change.open_count} still open)."
    )


def ended_text(result: HypercareEnded) -> Mrkdwn:
    return Mrkdwn(
        f":tada: Hypercare ended for *{escape(result.company_name)}* after "
        f"{count(result.issues, 'issue')}. Next: the transition to the ongoing CSM."
    )


# ---- the daily sync -----------------------------------------------------------------------


def _day_label(sync: HypercareSync) -> str:
    of = f" of {sync.total_days}" if sync.total_days else ""
    return f"Hypercare day {sync.day_number}{of}"


def _counts(lines: list[IssueLine]) -> str:
    by = {s: sum(1 for line in lines if line.severity == s) for s in IssueSeverity}
    return " · ".join(f"{s} {n}" for s, n in by.items() if n)


def sync_fallback(sync: HypercareSync) -> str:
    return (
        f"{_day_label(sync)} · {escape(sync.company_name)}: "
        f"{count(len(sync.open_issues), 'open issue')}, "
        f"{count(len(sync.breaches), 'SLA breach', plural='SLA breaches')}"
    )


def build_sync_parent_blocks(sync: HypercareSync) -> list[bk.Block]:
    """The parent post: the day and the headline numbers; the detail goes in its thread."""
    open_count = len(sync.open_issues)
    summary = [
        f"*{open_count}* open issue{'s' if open_count != 1 else ''}"
        + (f" ({_counts(sync.open_issues)})" if open_count else ""),
        f"*{len(sync.breaches)}* SLA breach{'es' if len(sync.breaches) != 1 else ''}",
        f"{len(sync.opened_since)} opened, {len(sync.resolved_since)} resolved since the last sync",
    ]
    exit_line = (
        ":white_check_mark: Exit check passes: hypercare can end (button in the thread)."
        if sync.exit.passes
        else ":hourglass_flowing_sand: Exit check: not yet."
    )
    ends = ""
    if sync.ends_on is not None:
        ends = (
            f"Planned end {day(sync.ends_on)}"
            if sync.day <= sync.ends_on
            else f"Planned end was {day(sync.ends_on)}"
        )
    return [
        bk.section(
            Mrkdwn(
                f":hospital: *{_day_label(sync)} · {escape(truncate(sync.company_name, 200))}*\n"
                + " · ".join(summary)
                + f"\n{exit_line}"
            )
        ),
        bk.context(
            Mrkdwn(
                " · ".join(
                    part
                    for part in (
                        f"Daily sync for {day(sync.day)}",
                        ends,
                        f"Hypercare lead {mention(sync.csm_user_id)}",
                        "Details in the thread",
                    )
                    if part
                )
            )
        ),
    ]


def _sections(title: str, lines: list[Mrkdwn], limit: int, more: str) -> list[bk.Block]:
    """Sections of at most ~2,900 characters holding at most `limit` lines; a final line
    says how many were left out."""
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(Mrkdwn(f"_…and {len(lines) - limit} more {more}_"))
    out: list[bk.Block] = []
    current = f"*{title}*"
    for line in shown:
        line = truncate(line, CHUNK)
        if len(current) + len(line) + 1 > CHUNK:
            out.append(bk.section(Mrkdwn(current)))
            current = ""
        current = f"{current}\n{line}" if current else line
    out.append(bk.section(Mrkdwn(current)))
    return out


def build_sync_detail_blocks(sync: HypercareSync, now: datetime) -> list[bk.Block]:
    """The thread reply: breaches, what changed since the last sync, open issues by severity,
    today's focus and the exit check (with "End hypercare" when it passes)."""
    zone = sync.zone
    blocks: list[bk.Block] = []

    def lines(items: list[IssueLine]) -> list[Mrkdwn]:
        return [issue_line(item, zone, now) for item in items]

    if sync.breaches:
        blocks += _sections(
            f":rotating_light: SLA breaches ({len(sync.breaches)})",
            lines(sync.breaches),
            BREACH_LINES_MAX,
            "breaches",
        )
    since = when(sync.since, zone)
    opened = lines(sync.opened_since) or [Mrkdwn("_none_")]
    resolved = lines(sync.resolved_since) or [Mrkdwn("_none_")]
    blocks += _sections(
        f"Opened since {since} ({len(sync.opened_since)})", opened, SINCE_LINES_MAX, "opened"
    )
    blocks += _sections(
        f"Resolved since {since} ({len(sync.resolved_since)})",
        resolved,
        SINCE_LINES_MAX,
        "resolved",
    )
    if sync.open_issues:
        grouped: list[Mrkdwn] = []
        for severity, items in sync.open_by_severity().items():
            if items:
                grouped.append(Mrkdwn(f"_{severity} {severity.label} ({len(items)})_"))
                grouped += lines(items)
        blocks += _sections(
            f"Open issues by severity ({len(sync.open_issues)})",
            grouped,
            OPEN_LINES_MAX,
            "open issues",
        )
        focus = ", ".join(
            f"*#{i.number}* {i.severity} {escape(truncate(i.title, 60))}"
            for i in sync.open_issues[:FOCUS_MAX]
        )
        blocks.append(bk.section(Mrkdwn(f"*Focus today*: {focus}")))
    else:
        blocks.append(bk.section(Mrkdwn("*Open issues*: none :tada:")))
    blocks += _exit_blocks(sync)
    return bk.fit_message(blocks)


def _exit_blocks(sync: HypercareSync) -> list[bk.Block]:
    check = sync.exit
    if check.passes:
        return [
            bk.section(
                Mrkdwn(
                    ":white_check_mark: *Exit check passes*: no P1/P2 issue open for "
                    f"{span(check.quiet_needed)}, and issue volume is falling "
                    f"({check.opened_recent} in the last {count(check.window.days, 'day')}, "
                    f"{check.opened_before} before). Once the customer confirms stability:"
                )
            ),
            bk.actions(
                bk.button(
                    "End hypercare", HypercareId.END, str(sync.onboarding_id), style="primary"
                )
            ),
        ]
    reasons = "\n".join(f"• {escape(reason)}" for reason in check.reasons)
    return [bk.section(Mrkdwn(f":hourglass_flowing_sand: *Exit check: not yet*\n{reasons}"))]
