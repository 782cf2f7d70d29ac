"""What a scheduled job is given and what it reports.

A job detects, then queues posts in the outbox (bot/services/outbox.py); it never calls Slack.
The sender delivers what was queued. `now` is the moment the job runs as: the scheduler's clock,
or `onboard jobs run --now` for operators and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.config import Settings
from bot.db import Database
from bot.playbooks import PlaybookLibrary


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    db: Database
    playbooks: PlaybookLibrary
    now: datetime
    # The Web API client a job may ask questions with (is this channel shared?); None: make
    # one from the settings when needed.
    slack: WebClient | None = None

    def today(self, timezone: str | None = None) -> date:
        """The calendar date at `now` in `timezone` (default: ONBOARD_TIMEZONE)."""
        zone = ZoneInfo(timezone) if timezone else self.settings.tz
        return self.now.astimezone(zone).date()


@dataclass
class JobResult:
    """Keys queued by the run, and what it chose not to queue with the reason."""

    queued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: JobResult) -> JobResult:
        self.queued.extend(other.queued)
        self.skipped.extend(other.skipped)
        return self


Job = Callable[[JobContext], JobResult]
