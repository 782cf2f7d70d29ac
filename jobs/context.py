"""What a scheduled job is given and what it reports.

A job detects, then queues posts in the outbox (bot/services/outbox.py); it never calls Slack.
The sender delivers what was queued. `now` is the moment the job runs as: the scheduler's clock,
or `onboard jobs run --now` for operators and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.calendar import is_business_day, time_zone
from bot.config import Settings
from bot.db import Database, insert_unless_exists
from bot.models import JobRun, Onboarding, OnboardingStatus
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


# ---------------------------------------------------------------------------------------------
# Daily passes. A job that works "each business day from 09:00 local" need not scan the book at
# every scheduler tick: it claims a pass per time zone and local date (a JobRun row, inserted
# once across processes) and scans only when it claimed one. Used by stall-alerts and journey.
# ---------------------------------------------------------------------------------------------

DAILY_PASS_RETENTION = timedelta(days=14)


@dataclass(frozen=True)
class DailyPass:
    """A claimed pass: the JobRun row, the time zone and the local date it is for."""

    run_id: int
    zone: tzinfo
    day: date


def open_zone_names(session: Session) -> Iterable[str | None]:
    """The time zone names of open onboardings (None: ONBOARD_TIMEZONE)."""
    return session.scalars(
        select(Onboarding.timezone).where(Onboarding.status != OnboardingStatus.CLOSED).distinct()
    )


def claim_daily_passes(
    ctx: JobContext,
    job: str,
    *,
    due_at: time,
    owner: str,
    zone_names: Callable[[Session], Iterable[str | None]] = open_zone_names,
) -> list[DailyPass]:
    """Claim today's pass of `job` for each time zone (of `zone_names`, and ONBOARD_TIMEZONE
    always) where `ctx.now` is a business day at or after `due_at` and no pass was claimed yet.
    The period of a pass is `<zone>:<local date>`; passes older than two weeks are deleted."""
    claimed: list[DailyPass] = []
    with ctx.db.session() as session:
        names = zone_names(session)
        zones = {time_zone(name, ctx.settings.timezone) for name in names} | {ctx.settings.tz}
        for tz in sorted(zones, key=str):
            local = ctx.now.astimezone(tz)
            if not is_business_day(local.date()) or local.time() < due_at:
                continue
            period = f"{tz}:{local.date().isoformat()}"
            values = {"job": job, "period": period, "owner": owner, "started_at": ctx.now}
            run_id = insert_unless_exists(session, JobRun, values)
            if run_id is not None:
                claimed.append(DailyPass(run_id, tz, local.date()))
        session.execute(
            delete(JobRun).where(
                JobRun.job == job, JobRun.started_at < ctx.now - DAILY_PASS_RETENTION
            )
        )
        session.commit()
    return claimed


def release_daily_passes(ctx: JobContext, passes: list[DailyPass]) -> None:
    """Give claimed passes back (the job failed): the next tick claims them again."""
    with ctx.db.session() as session:
        session.execute(delete(JobRun).where(JobRun.id.in_([p.run_id for p in passes])))
        session.commit()
