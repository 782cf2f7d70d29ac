"""The weekly status report's messages: the thread head (edited in place each week) and each
week's report. Pure builders from bot/services/weekly_report.py's dataclasses.

The customer's copy holds names, dates and counts only; health and risks are in the internal
copy, which the sender never posts in a channel shared with another organisation.
"""

from __future__ import annotations

from bot.services.weekly_report import (
    HEAD_KIND,
    REPORT_KIND,
    ActionLine,
    Rag,
    WeeklyReport,
    WeeklyReportHead,
)
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention
from bot.slack.rendering import Rendered, renderer

LINES_MAX = 8  # per list: a report stays short whatever the plan's size
ICONS = {
    Rag.GREEN: ":large_green_circle:",
    Rag.AMBER: ":large_yellow_circle:",
    Rag.RED: ":red_circle:",
}
WORDS = {Rag.GREEN: "on track", Rag.AMBER: "needs attention", Rag.RED: "at risk"}


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _overall(rag: Rag) -> Mrkdwn:
    return Mrkdwn(f"{ICONS[rag]} *{rag.value.capitalize()}*: {WORDS[rag]}")


def _listed(title: str, lines: list[str], empty: str = "") -> list[bk.Block]:
    if not lines and not empty:
        return []
    shown = lines[:LINES_MAX]
    if len(lines) > LINES_MAX:
        shown.append(f"…and {len(lines) - LINES_MAX} more")
    body = "\n".join(f"• {line}" for line in shown) if shown else f"_{empty}_"
    return [bk.section(Mrkdwn(f"*{title}*\n{body}"))]


def _action(a: ActionLine) -> str:
    due = f" (due {day(a.due)})" if a.due else ""
    return f"{escape(a.text)}{due}"


def build_report_blocks(r: WeeklyReport) -> list[bk.Block]:
    copy = "internal" if r.internal else "shared with the customer"
    blocks = [
        bk.header(f"Weekly status: {r.company_name}, week of {day(r.week_of)}"),
        bk.section(
            Mrkdwn(
                f"{_overall(r.overall)}\n*Progress:* {r.done} of {r.total} milestones done"
                f" · phase *{escape(r.phase)}*"
            )
        ),
        *_listed("Done this week", [escape(m) for m in r.completed], "nothing completed"),
        *_listed(
            "Decisions needed",
            [
                f"A new date for *{escape(d.milestone)}* ({_days(d.days_late)} late)"
                for d in r.decisions
            ],
        ),
        *_listed(
            "Waiting on",
            [
                f"{escape(w.reason)} ({mention(w.owner_user_id)}, {w.days} days)"
                for w in r.waiting_on
            ],
        ),
        *_listed("Next actions", [_action(a) for a in r.next_actions], "the plan is done"),
    ]
    if r.internal:
        blocks += _internal_blocks(r)
    blocks.append(bk.context(f"Posted every week in this thread · this copy is {copy}."))
    return bk.fit_message(blocks)


def _internal_blocks(r: WeeklyReport) -> list[bk.Block]:
    health = (
        f"{r.health_score}/100, {escape(r.health_status)}"
        if r.health_score is not None
        else "no health check yet"
    )
    risks = [f"{escape(text)} ({escape(severity)})" for severity, text in r.risks or []]
    return [
        bk.divider(),
        bk.section(Mrkdwn(f"*Health (internal):* {health}")),
        *_listed("Risks (internal)", risks, "none recorded"),
    ]


def build_report(r: WeeklyReport) -> Rendered:
    text = f"Weekly status: {r.company_name}, {r.overall.value}"
    return Rendered(bk.fallback_text(text), build_report_blocks(r))


def build_head(h: WeeklyReportHead) -> Rendered:
    blocks = [
        bk.section(
            Mrkdwn(
                f":spiral_calendar_pad: *Weekly status reports: {escape(h.company_name)}*\n"
                f"Latest: week of {day(h.week_of)}, {_overall(h.overall)}. Every week's report"
                " is a reply in this thread."
            )
        )
    ]
    return Rendered(bk.fallback_text(f"Weekly status reports: {h.company_name}"), blocks)


RENDERERS = {
    REPORT_KIND: renderer(WeeklyReport, build_report),
    HEAD_KIND: renderer(WeeklyReportHead, build_head),
}
