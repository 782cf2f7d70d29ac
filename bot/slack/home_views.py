"""App Home: the user's onboardings, most urgent first."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.services.book import BookEntry
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, day, escape

HOME_ENTRIES_MAX = 40  # three blocks each keeps the view under Slack's 100 blocks


def _colour(entry: BookEntry, today: date) -> str:
    left = entry.days_left(today)
    if entry.open_blockers or (left is not None and left < 0):
        return ":red_circle:"
    if left is not None and left <= 2:
        return ":large_yellow_circle:"
    return ":large_green_circle:"


def _line(entry: BookEntry, today: date) -> Mrkdwn:
    left = entry.days_left(today)
    due = ""
    if entry.next_milestone:
        when = "today" if left == 0 else (f"{-left}d overdue" if left < 0 else f"in {left}d")
        due = f"\nNext: {escape(entry.next_milestone)}, {day(entry.next_due)} ({when})"
    ack = "" if entry.acknowledged else " · _handoff not acknowledged_"
    return Mrkdwn(
        f"{_colour(entry, today)} *{escape(entry.company_name)}* · {escape(entry.segment)} · "
        f"{escape(entry.phase)} · {entry.done}/{entry.total} milestones{ack}{due}"
    )


def build_home_view(entries: list[BookEntry], today: date) -> dict[str, Any]:
    blocks: list[bk.Block] = [bk.header("Your onboardings")]
    if not entries:
        blocks.append(
            bk.section(
                Mrkdwn(
                    "Nothing here yet. Start one with `/onboard new` or the *New handoff* shortcut."
                )
            )
        )
    for entry in entries[:HOME_ENTRIES_MAX]:
        blocks.append(bk.section(_line(entry, today)))
    if len(entries) > HOME_ENTRIES_MAX:
        blocks.append(bk.context(f"…and {len(entries) - HOME_ENTRIES_MAX} more."))
    blocks.append(bk.context(f"Updated {day(today)} · `/onboard help` for commands"))
    return {"type": "home", "blocks": blocks}
