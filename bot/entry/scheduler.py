"""The in-process scheduler of `onboard serve` and `onboard socket`.

APScheduler 3 only says *when to look*: every job ticks on a fixed UTC interval (setting
ONBOARD_JOB_INTERVAL_SECONDS, default 5 minutes), and once right at start-up. *What to post* is
decided by the job from `now` and the database: each job queues what is due and not yet queued,
under outbox keys that carry the period (the local date of a daily post, the ISO week of the
digest). That is why:

- DST neither skips nor doubles a 09:00 post: the job compares local wall-clock time with
  09:00 on every tick; no trigger is ever computed in local time.
- After downtime a missed post is queued once by the first tick (the start-up one), not once per
  missed period, and a post whose day has passed expired in the outbox (skipped, not sent late).
- Several processes post once: APScheduler 3 cannot share a job store between processes (its
  FAQ: duplicate or missed executions) and `max_instances` is per process, so each process keeps
  its own in-memory store, and the database decides: the `JobRun` claim per (job, tick period)
  lets one process do each tick's work, and the outbox's unique keys make the posts once even
  if two runs overlapped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

import jobs
from bot.config import Settings
from bot.db import Database
from bot.entry.runner import JobRunResult, process_owner, run_job
from bot.observability import Metrics
from bot.playbooks import PlaybookLibrary
from jobs.context import JobContext

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Deliver = Callable[[], Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class JobScheduler:
    """One APScheduler interval tick per registered job; each tick claims, runs, then delivers.

    `deliver` is called after every tick that ran (the outbox sender's non-blocking `kick`, so
    what was queued goes out promptly). Each tick is counted in `metrics` (the app's, for its
    GET /metrics) by job and outcome. `clock` and `scheduler` are injectable for tests.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        playbooks: PlaybookLibrary,
        *,
        deliver: Deliver | None = None,
        owner: str | None = None,
        clock: Clock = utc_now,
        scheduler: BaseScheduler | None = None,
        names: list[str] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.db = db
        self.playbooks = playbooks
        self.deliver = deliver
        self.owner = owner or process_owner("scheduler:")
        self.clock = clock
        self.interval = settings.job_interval_seconds
        self.names = names
        # One thread: a process runs its jobs one after another. Jobs read then write; on
        # SQLite two of them writing at once can fail with "database is locked" instead of
        # waiting, and nothing is gained by running them side by side (none calls Slack).
        self.scheduler = scheduler or BackgroundScheduler(
            timezone=UTC, daemon=True, executors={"default": ThreadPoolExecutor(max_workers=1)}
        )

    def install(self) -> list[str]:
        """Add one interval tick per registered job to the (not yet started) scheduler."""
        names = self.names if self.names is not None else list(jobs.JOBS)
        now = self.clock()
        for name in names:
            self.scheduler.add_job(
                self.tick,
                trigger=IntervalTrigger(seconds=self.interval, timezone=UTC),
                args=[name],
                id=name,
                name=f"onboard job {name}",
                # A restart at 09:30 sends the 09:00 post now, not at the first interval.
                next_run_time=now,
                # Ticks missed while the process was busy or suspended run once, not once each.
                coalesce=True,
                # Per process only; across processes the JobRun claim decides.
                max_instances=1,
                # APScheduler's default grace is 1 second: a tick that starts 1.1 s late (a busy
                # thread pool, a GC pause, a suspended VM) is dropped with only a log line. A
                # whole interval of grace means the coalesced late tick always runs; later than
                # that, the next tick is due anyway.
                misfire_grace_time=self.interval,
                replace_existing=True,
            )
        return names

    def start(self) -> None:
        names = self.install()
        self.scheduler.start()
        log.info(
            "scheduler started: %s every %ss, owner %s", ", ".join(names), self.interval, self.owner
        )

    def shutdown(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
            log.info("scheduler stopped")

    def tick(self, name: str) -> JobRunResult:
        """Run `name` as of now for the current tick period, then ask for delivery."""
        now = self.clock()
        ctx = JobContext(settings=self.settings, db=self.db, playbooks=self.playbooks, now=now)
        started = time.perf_counter()
        outcome = run_job(name, ctx, owner=self.owner)
        if self.metrics is not None:
            seconds = time.perf_counter() - started if outcome.ran else None
            self.metrics.job_run(name, tick_outcome(outcome), seconds)
        if outcome.ran and self.deliver is not None:
            try:
                self.deliver()
            except Exception:  # delivery is retried by the sender's own loop; the tick is done
                log.exception("asking the outbox sender to deliver after %s failed", name)
        return outcome


def tick_outcome(outcome: JobRunResult) -> str:
    """The `outcome` label of a tick: done, failed, stood_down (another process claimed the
    period) or suspended (Slack access is)."""
    if outcome.suspended:
        return "suspended"
    if not outcome.ran:
        return "stood_down"
    return "failed" if outcome.failed else "done"


def start_scheduler(
    settings: Settings,
    db: Database,
    playbooks: PlaybookLibrary,
    *,
    deliver: Deliver | None = None,
    metrics: Metrics | None = None,
) -> JobScheduler | None:
    """Start the scheduler unless ONBOARD_SCHEDULER=off; the caller shuts it down."""
    if not settings.scheduler_enabled:
        log.info("scheduler disabled (ONBOARD_SCHEDULER=off): this process only serves")
        return None
    scheduler = JobScheduler(settings, db, playbooks, deliver=deliver, metrics=metrics)
    scheduler.start()
    return scheduler


def outbox_kick(app: Any) -> Deliver | None:
    """The outbox sender's non-blocking wake-up (`deps.outbox.kick`) of the app, if it has one."""
    outbox = getattr(getattr(app, "onboard_deps", None), "outbox", None)
    return getattr(outbox, "kick", None)
