"""The words of hypercare's clocks, and the daily sync posts (the parent and its thread).

Pure functions: no database, no Slack calls. The daily sync is customer-safe by construction:
it says only what hypercare shares with the customer by design (issue numbers, severities,
titles, SLA clocks, counts, the exit check) and nothing from the internal list (ARR, risks,
health, detractors, alerts), because the job that queues it cannot ask Slack whether the
customer channel is shared with another organisation.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bot.services.hypercare import ClockStage, HypercareSync, IssueLine, IssueSeverity, SlaClock
from bot.slack import blocks as bk
from bot.slack.ids import HypercareId
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, truncate
from bot.slack.rendering import Rendered

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


# ---- time and clocks ----------------------------------------------------------------------


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


def _response_text(clock: SlaClock, zone: tzinfo, now: datetime) -> str | None:
    if clock.stage != ClockStage.RESPONSE:
        return ":warning: response was late" if clock.response_breached else None
    assert clock.time_left is not None
    if clock.response_breached:
        return (
            f":rotating_light: response overdue by {span(clock.time_left)} "
            f"(was due {when(clock.response_due, zone, now)})"
        )
    return f"response due {when(clock.response_due, zone, now)} ({span(clock.time_left)} left)"


def clock_text(clock: SlaClock, zone: tzinfo, now: datetime) -> str:
    """What a clock says at `now`: the running deadline and whether it was missed."""
    if clock.stage == ClockStage.DONE:
        assert clock.resolved_at is not None
        took = span(clock.resolved_at - clock.opened_at)
        late = " · :warning: SLA missed" if clock.breached else " · within SLA"
        return f"resolved in {took}{late}"
    response = _response_text(clock, zone, now)
    parts = [response] if response else []
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


def issue_title(text: str) -> str:
    return escape(truncate(text, TITLE_SHOWN_MAX))


def issue_line(line: IssueLine, zone: tzinfo, now: datetime) -> Mrkdwn:
    return Mrkdwn(
        f"{SEVERITY_ICON[line.severity]} *#{line.number}* {line.severity} "
        f"{issue_title(line.title)} · {clock_text(line.clock, zone, now)}"
    )


# ---- the parent post ----------------------------------------------------------------------


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


def _headline(sync: HypercareSync) -> Mrkdwn:
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
    return Mrkdwn(
        f":hospital: *{_day_label(sync)} · {escape(truncate(sync.company_name, 200))}*\n"
        + " · ".join(summary)
        + f"\n{exit_line}"
    )


def _planned_end(sync: HypercareSync) -> str:
    if sync.ends_on is None:
        return ""
    if sync.day <= sync.ends_on:
        return f"Planned end {day(sync.ends_on)}"
    return f"Planned end was {day(sync.ends_on)}"


def build_sync_parent_blocks(sync: HypercareSync) -> list[bk.Block]:
    """The parent post: the day and the headline numbers; the detail goes in its thread."""
    parts = (
        f"Daily sync for {day(sync.day)}",
        _planned_end(sync),
        f"Hypercare lead {mention(sync.csm_user_id)}",
        "Details in the thread",
    )
    return [
        bk.section(_headline(sync)),
        bk.context(Mrkdwn(" · ".join(part for part in parts if part))),
    ]


def build_sync_parent(sync: HypercareSync) -> Rendered:
    return Rendered(bk.fallback_text(sync_fallback(sync)), build_sync_parent_blocks(sync))


# ---- the thread reply ---------------------------------------------------------------------


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


def _lines(sync: HypercareSync, items: list[IssueLine]) -> list[Mrkdwn]:
    return [issue_line(item, sync.zone, sync.now) for item in items]


def _since_blocks(sync: HypercareSync) -> list[bk.Block]:
    """Breaches, then what was opened and resolved since the last sync."""
    blocks: list[bk.Block] = []
    if sync.breaches:
        blocks += _sections(
            f":rotating_light: SLA breaches ({len(sync.breaches)})",
            _lines(sync, sync.breaches),
            BREACH_LINES_MAX,
            "breaches",
        )
    since = when(sync.since, sync.zone)
    opened = _lines(sync, sync.opened_since) or [Mrkdwn("_none_")]
    resolved = _lines(sync, sync.resolved_since) or [Mrkdwn("_none_")]
    blocks += _sections(
        f"Opened since {since} ({len(sync.opened_since)})", opened, SINCE_LINES_MAX, "opened"
    )
    blocks += _sections(
        f"Resolved since {since} ({len(sync.resolved_since)})",
        resolved,
        SINCE_LINES_MAX,
        "resolved",
    )
    return blocks


def _open_blocks(sync: HypercareSync) -> list[bk.Block]:
    """Open issues by severity and today's focus."""
    if not sync.open_issues:
        return [bk.section(Mrkdwn("*Open issues*: none :tada:"))]
    grouped: list[Mrkdwn] = []
    for severity, items in sync.open_by_severity().items():
        if items:
            grouped.append(Mrkdwn(f"_{severity} {severity.label} ({len(items)})_"))
            grouped += _lines(sync, items)
    focus = ", ".join(
        f"*#{i.number}* {i.severity} {escape(truncate(i.title, 60))}"
        for i in sync.open_issues[:FOCUS_MAX]
    )
    return [
        *_sections(
            f"Open issues by severity ({len(sync.open_issues)})",
            grouped,
            OPEN_LINES_MAX,
            "open issues",
        ),
        bk.section(Mrkdwn(f"*Focus today*: {focus}")),
    ]


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


def build_sync_detail_blocks(sync: HypercareSync) -> list[bk.Block]:
    """The thread reply: breaches, what changed since the last sync, open issues by severity,
    today's focus and the exit check (with "End hypercare" when it passes), in 50 blocks."""
    return bk.fit_message(_since_blocks(sync) + _open_blocks(sync) + _exit_blocks(sync))


def build_sync_detail(sync: HypercareSync) -> Rendered:
    return Rendered(
        bk.fallback_text(f"Hypercare detail · {sync.company_name}"),
        build_sync_detail_blocks(sync),
    )
