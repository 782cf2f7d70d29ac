"""App Home: the user's onboardings, most urgent first."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.services.book import BookEntry, OwnedBlocker
from bot.slack import blocks as bk
from bot.slack.ids import HomeId
from bot.slack.mrkdwn import Mrkdwn, day, escape, truncate

# One block each: 40 onboardings and 20 blockers, with headers and notes, stay far under
# Slack's 100 blocks per view whatever the size of the book.
HOME_ENTRIES_MAX = 40
HOME_BLOCKERS_MAX = 20
REASON_MAX = 300
# Leaders' "Book health" section on top: 66 + 6 blocks stay under 100 too.
LEADERS_MAX = 6


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
        name = escape(truncate(entry.next_milestone, 120))
        due = f"\nNext: {name}, {day(entry.next_due)} ({when})"
    ack = "" if entry.acknowledged else " · _handoff not acknowledged_"
    return Mrkdwn(
        f"{_colour(entry, today)} *{escape(truncate(entry.company_name, 200))}* · "
        f"{escape(entry.segment)} · {escape(entry.phase)} · "
        f"{entry.done}/{entry.total} milestones{ack}{due}"
    )


def _status_button(onboarding_id: int) -> dict[str, Any]:
    return bk.button("Status", HomeId.OPEN_STATUS, str(onboarding_id))


def _blocker_line(blocker: OwnedBlocker, today: date) -> Mrkdwn:
    age = blocker.age_days(today)
    return Mrkdwn(
        f":no_entry: *{escape(truncate(blocker.company_name, 200))}* · "
        f"{age} day{'' if age == 1 else 's'} open\n{escape(truncate(blocker.reason, REASON_MAX))}"
    )


def _blocker_blocks(blockers: list[OwnedBlocker], today: date) -> list[bk.Block]:
    if not blockers:
        return []
    blocks: list[bk.Block] = [bk.divider(), bk.header("Blockers you own")]
    blocks += [
        bk.section(_blocker_line(b, today), accessory=_status_button(b.onboarding_id))
        for b in blockers[:HOME_BLOCKERS_MAX]
    ]
    if len(blockers) > HOME_BLOCKERS_MAX:
        blocks.append(bk.context(f"…and {len(blockers) - HOME_BLOCKERS_MAX} more."))
    return blocks


def build_home_view(
    entries: list[BookEntry],
    today: date,
    blockers: list[OwnedBlocker] | None = None,
    *,
    leaders: list[bk.Block] | None = None,
) -> dict[str, Any]:
    """The user's onboardings, most urgent first, then the open blockers they own; `leaders`
    (App Home's "Book health" for admins, LEADERS_MAX blocks at most) comes first."""
    blocks: list[bk.Block] = [*(leaders or [])[:LEADERS_MAX], bk.header("Your onboardings")]
    if not entries:
        blocks.append(
            bk.section(
                Mrkdwn(
                    "Nothing here yet. Start one with `/onboard new` or the *New handoff* shortcut."
                )
            )
        )
    for entry in entries[:HOME_ENTRIES_MAX]:
        blocks.append(
            bk.section(_line(entry, today), accessory=_status_button(entry.onboarding_id))
        )
    if len(entries) > HOME_ENTRIES_MAX:
        blocks.append(bk.context(f"…and {len(entries) - HOME_ENTRIES_MAX} more."))
    blocks += _blocker_blocks(blockers or [], today)
    blocks.append(bk.context(f"Updated {day(today)} · `/onboard help` for commands"))
    return {"type": "home", "blocks": blocks}
