"""Running a scheduled job once: claim the period, run it, record what it did.

Exactly-once delivery does not depend on this module: every job queues posts under outbox keys
that carry their period, so a job run twice queues nothing twice. The claim is what keeps
several processes (each with its own in-memory APScheduler) from all doing the same work each
tick: the first to insert the `JobRun` row for (job, period) runs it, the others stand down.

While Slack access is suspended (the app uninstalled or its token revoked, see
bot/services/access.py) every job stands down without claiming: it would ask Slack questions
and queue posts that cannot go out. The first tick after access resumes queues what is due then.

A job that raises is logged with its traceback and recorded on its `JobRun` row; the caller
(the scheduler, `onboard jobs run`) carries on. What the job committed before it raised stays
queued, and the next run queues the rest (the keys it already queued are not queued again).
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

import jobs
from bot import logs
from bot.db import insert_unless_exists
from bot.models import JobRun
from bot.services import access
from jobs.context import JobContext, JobResult

log = logging.getLogger(__name__)

ALL = "all"
# JobRun rows older than this are deleted as new ones are claimed (about 300 per job per day).
RETENTION = timedelta(days=14)
_DETAIL_MAX = 4000


class UnknownJobError(LookupError):
    """No job is registered under that name; the message lists the valid ones."""


@dataclass
class JobRunResult(JobResult):
    """A `JobResult` with how the run went: ran, stood down, or failed (and why)."""

    job: str = ""
    period: str = ""
    ran: bool = False
    error: str = ""
    suspended: str = ""  # why Slack access was suspended when the job stood down

    @property
    def failed(self) -> bool:
        return bool(self.error)

    @property
    def summary(self) -> str:
        if self.suspended:
            return f"stood down: Slack access suspended ({self.suspended})"
        if not self.ran:
            return f"stood down: period {self.period} already claimed"
        state = f"failed ({self.error.splitlines()[-1]})" if self.failed else "done"
        return f"{state}: queued {len(self.queued)}, skipped {len(self.skipped)}"


def process_owner(prefix: str = "") -> str:
    """Who claims: host, pid and a random tag, so two processes on one host differ."""
    host = socket.gethostname()[:40]
    return f"{prefix}{host}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:80]


def tick_period(now: datetime, interval_seconds: int) -> str:
    """The scheduler tick `now` falls in: UTC time floored to the interval, e.g. 09:05:00Z.

    Processes tick at different moments but agree on the period, so one of them runs it.
    """
    start = int(now.timestamp()) // interval_seconds * interval_seconds
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def manual_period(now: datetime) -> str:
    """A period no other run shares: `onboard jobs run` always runs (the outbox dedupes)."""
    return f"manual:{now.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}:{uuid.uuid4().hex[:8]}"


def job_names(name: str) -> list[str]:
    """The jobs `name` stands for: itself, or every registered job for "all"."""
    if name == ALL:
        return list(jobs.JOBS)
    if name not in jobs.JOBS:
        raise UnknownJobError(f"unknown job {name!r}; valid jobs: {', '.join(valid_names())}")
    return [name]


def valid_names() -> list[str]:
    return [*sorted(jobs.JOBS), ALL]


def run_jobs(
    name: str, ctx: JobContext, *, owner: str, period: str | None = None
) -> list[JobRunResult]:
    """Run `name` (or every job, for "all"); one job failing does not stop the others."""
    return [run_job(job, ctx, owner=owner, period=period) for job in job_names(name)]


def run_job(name: str, ctx: JobContext, *, owner: str, period: str | None = None) -> JobRunResult:
    """Claim (job, period), run the job as of `ctx.now`, record and log the outcome.

    `period` defaults to the scheduler tick that `ctx.now` falls in. Returns without running
    when another process claimed the period first.
    """
    if name not in jobs.JOBS:
        raise UnknownJobError(f"unknown job {name!r}; valid jobs: {', '.join(valid_names())}")
    period = period or tick_period(ctx.now, ctx.settings.job_interval_seconds)
    outcome = JobRunResult(job=name, period=period)
    token = logs.slack_command.set(f"job:{name}")
    run_token = logs.request_id.set(logs.new_request_id())
    try:
        with ctx.db.session() as session:
            suspended = access.suspension(session)
        if suspended is not None:
            outcome.suspended = suspended.reason
            log.info("job %s period %s: Slack access suspended, standing down", name, period)
            return outcome
        with ctx.db.session() as session:
            run_id = _claim(session, name, period, owner, prune=_first_tick_of_day(period))
        if run_id is None:
            log.info("job %s period %s: claimed by another process, standing down", name, period)
            return outcome
        outcome.ran = True
        try:
            outcome.merge(jobs.JOBS[name](ctx))
        except Exception as exc:  # recorded and logged with its traceback; the scheduler goes on
            outcome.error = "".join(traceback.format_exception(exc)).strip() or repr(exc)
            log.error(
                "job %s period %s as of %s failed after queueing %d",
                name,
                period,
                ctx.now.isoformat(),
                len(outcome.queued),
                exc_info=exc,
            )
        else:
            log.info(
                "job %s period %s as of %s: queued %d %s, skipped %d %s",
                name,
                period,
                ctx.now.isoformat(),
                len(outcome.queued),
                outcome.queued,
                len(outcome.skipped),
                outcome.skipped,
            )
        with ctx.db.session() as session:
            _finish(session, run_id, outcome)
        return outcome
    finally:
        logs.request_id.reset(run_token)
        logs.slack_command.reset(token)


def _first_tick_of_day(period: str) -> bool:
    """Old runs are pruned once a day per job, by the run of the day's first tick period."""
    return period[10:11] == "T" and period[11:16] == "00:00"


def _claim(session: Session, name: str, period: str, owner: str, *, prune: bool) -> int | None:
    """Insert the (job, period) row; its id, or None when someone else has it."""
    started = datetime.now(UTC)
    run_id = insert_unless_exists(
        session,
        JobRun,
        {"job": name, "period": period, "owner": owner, "started_at": started, "detail": "running"},
    )
    if run_id is not None and prune:
        session.execute(
            delete(JobRun).where(JobRun.job == name, JobRun.started_at < started - RETENTION)
        )
    session.commit()
    return run_id


def _finish(session: Session, run_id: int, outcome: JobRunResult) -> None:
    lines = [outcome.summary]
    lines += [f"queued {key}" for key in outcome.queued]
    lines += [f"skipped {reason}" for reason in outcome.skipped]
    if outcome.error:
        lines.append(outcome.error)
    detail = "\n".join(lines)
    if len(detail) > _DETAIL_MAX:
        detail = detail[: _DETAIL_MAX - 20] + "\n… (truncated)"
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(finished_at=datetime.now(UTC), detail=detail)
    )
    session.commit()


def last_runs(session: Session, name: str, limit: int = 10) -> list[JobRun]:
    """The most recent runs of a job, newest first (for operators and tests)."""
    return list(
        session.scalars(
            select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc()).limit(limit)
        )
    )
