"""`onboard jobs run <job|all> [--now ISO-8601]`: run a job once as if the clock read `--now`.

The job queues through the same outbox as the scheduler; then the outbox sender delivers what
is due (unless the Slack settings are missing: then the posts stay queued for `onboard serve`).
Operators use it to catch up or to see what a job would do at a given moment; so do tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TextIO

from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.entry.runner import JobRunResult, manual_period, process_owner, run_jobs
from bot.models import OutboxMessage
from bot.playbooks import PlaybookLibrary
from bot.slack.renderers import UnknownKind, render_post
from bot.slack.sender import OutboxSender
from jobs.context import JobContext

log = logging.getLogger(__name__)
NOW_EXAMPLE = "2026-11-02T09:00:00-05:00"
_TEXT_WIDTH = 72


class BadNowError(ValueError):
    """`--now` is not an ISO-8601 date and time; the message says what was given."""


def parse_now(raw: str, zone: tzinfo) -> datetime:
    """An aware datetime from ISO-8601; a value without an offset is read in `zone`."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadNowError(
            f"--now must be an ISO-8601 date and time such as {NOW_EXAMPLE}, got {raw!r}"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def deliver_with_sender(settings: Settings, db: Database, now: datetime, owner: str) -> Any:
    """Deliver every due outbox row once, with the real sender and Slack client."""
    return OutboxSender(db, None, settings, owner=owner).deliver_due(now=now)


Deliver = Callable[[Settings, Database, datetime, str], Any]


def run_jobs_command(
    settings: Settings,
    db: Database,
    playbooks: PlaybookLibrary,
    name: str,
    now: datetime,
    out: TextIO,
    *,
    deliver: Deliver = deliver_with_sender,
) -> int:
    """Run `name` as of `now`, deliver, print what was queued and sent; the exit code."""
    owner = process_owner("cli:")
    ctx = JobContext(settings=settings, db=db, playbooks=playbooks, now=now)
    local = now.astimezone(settings.tz)
    outcomes = run_jobs(name, ctx, owner=owner, period=manual_period(now))
    print(f"As of {local:%a %d %b %Y %H:%M %Z} ({settings.timezone}):", file=out)
    for outcome in outcomes:
        _print_outcome(outcome, out)
    keys = [key for outcome in outcomes for key in outcome.queued]
    if settings.slack_bot_token:
        report = deliver(settings, db, now, owner)
        _print_posts(db, keys, "Delivery", out)
        print(f"  outbox pass (every due post, not only these): {report}", file=out)
    else:
        _print_posts(db, keys, "Queued, not sent", out)
        print(
            "Slack settings missing (SLACK_BOT_TOKEN): queued only; `onboard serve` delivers them.",
            file=out,
        )
    return 1 if any(outcome.failed for outcome in outcomes) else 0


def _print_outcome(outcome: JobRunResult, out: TextIO) -> None:
    print(f"  {outcome.job}: {outcome.summary}", file=out)
    for key in outcome.queued:
        print(f"    queued   {key}", file=out)
    for reason in outcome.skipped:
        print(f"    skipped  {reason}", file=out)
    if outcome.failed:
        print(f"    error    {outcome.error.splitlines()[-1]} (traceback in the log)", file=out)


def _print_posts(db: Database, keys: list[str], heading: str, out: TextIO) -> None:
    """Each queued post where it goes and as it stands: sent, pending, failed or skipped."""
    with db.session() as session:
        rows = (
            {
                row.idempotency_key: row
                for row in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys))
                )
            }
            if keys
            else {}
        )
    counts: dict[str, int] = {}
    print(f"\n{heading}:", file=out)
    for key in keys:
        row = rows.get(key)
        if row is None:
            continue
        counts[row.status] = counts.get(row.status, 0) + 1
        text = " ".join(_preview(row).split())
        if len(text) > _TEXT_WIDTH:
            text = text[: _TEXT_WIDTH - 1] + "…"
        error = f"  ({row.last_error})" if row.last_error else ""
        print(f"  {row.status:<8} {_where(row.channel):<14} {text}{error}", file=out)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    print(f"  {summary or 'nothing queued'}", file=out)


def _preview(row: OutboxMessage) -> str:
    """The post's text as it will be sent (rendered from its data), for the operator's list."""
    try:
        return render_post(row.kind, row.payload or {}).text
    except (UnknownKind, ValueError) as exc:
        return f"(cannot render: {exc})"


def _where(channel: str) -> str:
    return f"@{channel}" if channel[:1] in ("U", "W") else f"#{channel}"
