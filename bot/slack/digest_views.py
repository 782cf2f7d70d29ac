"""The weekly digest DM: pure builders from a `Book` (no database, no Slack).

A book of any size fits Slack's limits: each part lists at most LINES_MAX lines, most urgent
first, and says how many more there are and which command lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.services.digest import (
    DIGEST_KIND,
    Book,
    HypercareState,
    MilestoneDue,
    OpenBlocker,
    WaitingOnUs,
)
from bot.slack import blocks as bk
from bot.slack.conversation_views import slack_time
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, render, truncate
from bot.slack.rendering import NO_LINKS, Links, Rendered, linked_renderer

LINES_MAX = 10
_LINKABLE = re.compile(r"^https://[^\s<>|]+$")  # a permalink that cannot break the markup
LINE_MAX = 260  # 10 lines and a heading stay under a section's 3,000 characters
T = TypeVar("T")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _part(
    title: str, items: Sequence[T], line: Callable[[T], str], more: str, empty: str
) -> bk.Block:
    lines = [truncate(Mrkdwn(line(item)), LINE_MAX) for item in items[:LINES_MAX]]
    if not items:
        lines = [empty]
    elif len(items) > LINES_MAX:
        lines.append(f"_…and {len(items) - LINES_MAX} more: {more}_")
    return bk.section(Mrkdwn(f"*{title}*\n" + "\n".join(lines)))


def _overdue(d: MilestoneDue) -> str:
    return (
        f":red_circle: *{escape(d.company_name)}*: {escape(d.milestone_name)}, "
        f"due {day(d.due_date)} ({_days(d.days)} over)"
    )


def _due(d: MilestoneDue) -> str:
    when = "today" if d.days == 0 else f"in {_days(d.days)}"
    return (
        f":calendar: *{escape(d.company_name)}*: {escape(d.milestone_name)}, "
        f"{day(d.due_date)} ({when})"
    )


def _blocker(b: OpenBlocker) -> str:
    return (
        f":no_entry: *{escape(b.company_name)}*: {escape(b.reason)} "
        f"({mention(b.owner_user_id)}, open {_days(b.age_days)})"
    )


def _hypercare(h: HypercareState) -> str:
    issues = ", ".join(f"{n} {s}" for s, n in h.open_issues.items()) or "no open issues"
    ends = f", ends {day(h.ends_on)}" if h.ends_on else ""
    icon = ":rotating_light:" if {"P1", "P2"} & set(h.open_issues) else ":hospital:"
    return f"{icon} *{escape(h.company_name)}*: day {h.day}{ends}; {issues}"


def _waiting(w: WaitingOnUs, links: Links) -> str:
    link = links.permalink(w.channel_id, w.ts)
    thread = f" · <{link}|open the thread>" if link and _LINKABLE.match(link) else ""
    return f":hourglass: *{escape(w.company_name)}*: waiting since {slack_time(w.since)}{thread}"


def _waiting_part(book: Book, links: Links) -> list[bk.Block]:
    """The threads where customers wait on us, oldest first (only when there are)."""
    if not book.waiting:
        return []
    return [
        _part(
            "Customers waiting on us",
            book.waiting,
            lambda w: _waiting(w, links),
            "`/onboard status <customer>`",
            "",
        )
    ]


def build_digest_blocks(book: Book, links: Links = NO_LINKS) -> list[bk.Block]:
    blocks = [
        bk.header(f"Your week: {book.week}"),
        bk.section(render("digest_intro", book=book)),
        _part(
            "Overdue milestones",
            book.overdue,
            _overdue,
            "`/onboard list overdue`",
            "Nothing overdue. :white_check_mark:",
        ),
        _part(
            "Due this week",
            book.due_this_week,
            _due,
            "`/onboard list mine`",
            "Nothing else due this week.",
        ),
        _part(
            "Open blockers",
            book.blockers,
            _blocker,
            "`/onboard list at-risk`",
            "No open blockers.",
        ),
        _part(
            "Hypercare",
            book.hypercare,
            _hypercare,
            "`/onboard list mine`",
            "Nobody in hypercare.",
        ),
        *_waiting_part(book, links),
        bk.context(
            f"Monday digest for {day(book.today)}. `/onboard status <customer>` for detail."
        ),
    ]
    return bk.fit_message(blocks)


def digest_text(book: Book) -> str:
    return bk.fallback_text(
        f"Your week: {len(book.overdue)} overdue, {len(book.due_this_week)} due this week, "
        f"{len(book.blockers)} open blockers, {len(book.hypercare)} in hypercare"
    )


def _render_digest(book: Book, links: Links) -> Rendered:
    return Rendered(digest_text(book), build_digest_blocks(book, links))


RENDERERS = {DIGEST_KIND: linked_renderer(Book, _render_digest)}
