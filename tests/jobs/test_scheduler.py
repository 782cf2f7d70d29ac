"""The scheduler and the job runner under an injected or frozen clock.

A test job stands in for the real ones: "daily at 09:00 local on business days", written the way
every job is (a function of `now` that queues what is due and not yet queued, keyed by the local
date, expiring at the end of that local day). The ticks come from the scheduler's own APScheduler
trigger, so what is tested is what `onboard serve` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time as walltime
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from freezegun import freeze_time
from sqlalchemy import select

import jobs
from bot.calendar import is_business_day
from bot.config import Settings, load_settings
from bot.db import Database
from bot.entry.runner import run_job, run_jobs, tick_period
from bot.entry.scheduler import JobScheduler, start_scheduler
from bot.models import JobRun, OutboxMessage
from bot.services.outbox import Post, enqueue, outbox_key
from jobs.context import JobContext, JobResult

ROOT = Path(__file__).resolve().parents[2]
DAILY = "test-daily"


def daily_at_nine(ctx: JobContext) -> JobResult:
    """Queue today's 09:00 post once it is 09:00 or later on a local business day."""
    zone = ctx.settings.tz
    local = ctx.now.astimezone(zone)
    result = JobResult()
    if not is_business_day(local.date()) or local.time() < time(9):
        return result
    day = local.date()
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    post = Post(
        key=outbox_key(DAILY, None, "sync", day.isoformat()),
        kind=DAILY,
        channel="C0SYNC",
        text=f"Daily sync for {day:%A %d %B}",
        expires_at=end_of_day,
    )
    with ctx.db.session() as session:
        if enqueue(session, post, now=ctx.now):
            result.queued.append(post.key)
        session.commit()
    return result


class Calls:
    """Counts the runs of a job, and can stand in for `deliver`."""

    def __init__(self) -> None:
        self.count = 0
        self.event = threading.Event()

    def __call__(self, *_args: object) -> None:
        self.count += 1
        self.event.set()


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[JobContext], JobResult]]:
    """A job registry of the test's own jobs only; the real job modules are not imported."""
    fake: dict[str, Callable[[JobContext], JobResult]] = {}
    monkeypatch.setattr(jobs, "JOBS", fake)
    return fake


@pytest.fixture
def job_settings(db: Database) -> Settings:
    base = load_settings({}, require_slack=False)
    return replace(base, database_url=db.url, job_interval_seconds=300)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def drive(scheduler: JobScheduler, clock: Clock, name: str, until: datetime) -> int:
    """Tick `name` at every fire time its APScheduler trigger gives, from start-up to `until`."""
    scheduler.install()
    job = scheduler.scheduler.get_job(name)
    fire = job.next_run_time  # the start-up tick
    ticks = 0
    while fire <= until:
        clock.now = fire
        scheduler.tick(name)
        ticks += 1
        fire = job.trigger.get_next_fire_time(fire, fire)
    return ticks


def posts(db: Database, kind: str = DAILY) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


# Each DST change of 2026 in a zone west of UTC (New York), east of it (Berlin) and far east
# (Auckland: 09:00 local is the previous day in UTC), and each region's change seen from the
# other. The US autumn change also crosses a month end (Sat 31 Oct to Mon 2 Nov). The default
# 5-minute tick for the first case on SQLite; 15 minutes elsewhere keeps the suite fast.
DST_CASES = [
    ("America/New_York", date(2026, 11, 1), 300),
    ("America/New_York", date(2026, 3, 8), 900),
    ("America/New_York", date(2026, 3, 29), 900),
    ("Europe/Berlin", date(2026, 3, 29), 900),
    ("Europe/Berlin", date(2026, 10, 25), 900),
    ("Europe/Berlin", date(2026, 11, 1), 900),
    ("Pacific/Auckland", date(2026, 4, 5), 900),
    ("Pacific/Auckland", date(2026, 9, 27), 900),
]


@pytest.mark.parametrize(
    ("zone", "change", "interval"), DST_CASES, ids=[f"{z}-{d}" for z, d, _ in DST_CASES]
)
def test_daily_nine_oclock_post_goes_out_once_per_local_business_day_across_dst(
    registry, job_settings, db, playbooks, zone: str, change: date, interval: int
) -> None:
    if db.url.startswith("postgresql"):
        if (zone, change) != DST_CASES[0][:2]:
            pytest.skip("the DST matrix runs on SQLite; PostgreSQL runs its first case")
        interval = 900
    registry[DAILY] = daily_at_nine
    settings = replace(job_settings, timezone=zone, job_interval_seconds=interval)
    tz = ZoneInfo(zone)
    # From the Friday before the change (a Sunday) to the Tuesday after: a weekend and the
    # change itself.
    first = change - timedelta(days=2)
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    until = datetime.combine(change + timedelta(days=2), time(23, 59), tz).astimezone(UTC)
    clock = Clock(start)
    scheduler = JobScheduler(settings, db, playbooks, clock=clock, names=[DAILY])

    ticks = drive(scheduler, clock, DAILY, until)

    assert ticks == int((until - start).total_seconds()) // interval + 1  # none lost or doubled
    sent = posts(db)
    days = [first + timedelta(days=n) for n in range(5)]
    assert [p.idempotency_key for p in sent] == [
        outbox_key(DAILY, None, "sync", day.isoformat()) for day in days if is_business_day(day)
    ]
    for post in sent:
        local = post.created_at.astimezone(tz)
        # Queued by the first tick at or after 09:00 local: never 08:00 or 10:00 after a change.
        assert time(9) <= local.time() < time(9, interval // 60), (post.idempotency_key, local)
        assert post.expires_at == datetime.combine(
            local.date() + timedelta(days=1), time(0), tz
        ).astimezone(UTC)


def test_a_wall_clock_cron_would_get_dst_wrong(job_settings) -> None:
    """Why the ticks are UTC intervals: a 09:00 cron in UTC drifts by an hour for local users,
    and the interval trigger's fire times are evenly spaced through the change."""
    from apscheduler.triggers.interval import IntervalTrigger

    trigger = IntervalTrigger(seconds=300, timezone=UTC)
    fire = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    gaps = set()
    for _ in range(12 * 6):
        following = trigger.get_next_fire_time(fire, fire)
        gaps.add(following - fire)
        fire = following
    assert gaps == {timedelta(minutes=5)}


class ManualScheduler(BaseScheduler):
    """APScheduler's own job processing, woken by the test instead of a thread."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        pass


def test_a_suspended_process_catches_up_with_one_run_not_one_per_missed_tick(
    registry, job_settings, db, playbooks
) -> None:
    calls = Calls()

    def counted(ctx: JobContext) -> JobResult:
        calls()
        return daily_at_nine(ctx)

    registry[DAILY] = counted
    settings = replace(job_settings, timezone="America/New_York")
    manual = ManualScheduler(timezone=UTC, executors={"default": DebugExecutor()})
    with freeze_time("2026-10-26T13:02:00Z") as frozen:  # Monday 09:02 EDT
        scheduler = JobScheduler(settings, db, playbooks, scheduler=manual, names=[DAILY])
        scheduler.start()
        manual._process_jobs()  # the start-up tick
        assert calls.count == 1
        frozen.tick(timedelta(days=3, hours=2, minutes=30))  # suspended until Thu 11:32 EDT
        manual._process_jobs()
        assert calls.count == 2  # 900 missed ticks coalesced into one that ran (not dropped)
        frozen.tick(timedelta(seconds=301))
        manual._process_jobs()
        assert calls.count == 3  # and the schedule goes on
        scheduler.shutdown(wait=False)
    assert [p.idempotency_key for p in posts(db)] == [
        outbox_key(DAILY, None, "sync", "2026-10-26"),
        outbox_key(DAILY, None, "sync", "2026-10-29"),
    ]


def test_with_apschedulers_default_grace_the_same_catch_up_would_be_dropped() -> None:
    """Why misfire_grace_time is set: the default (1 s) drops a late tick with a log line."""
    calls = Calls()
    manual = ManualScheduler(timezone=UTC, executors={"default": DebugExecutor()})
    with freeze_time("2026-10-26T13:02:00Z") as frozen:
        manual.add_job(calls, "interval", seconds=300, coalesce=True, id="default-grace")
        manual.start()
        frozen.tick(timedelta(seconds=301.5))  # the tick is 1.5 s late
        manual._process_jobs()
        manual.shutdown(wait=False)
    assert calls.count == 0


def test_after_three_days_down_a_restart_queues_today_once_and_yesterdays_post_has_expired(
    registry, job_settings, db, playbooks
) -> None:
    registry[DAILY] = daily_at_nine
    settings = replace(job_settings, timezone="Europe/Berlin")
    tz = settings.tz
    monday_0901 = datetime(2026, 10, 26, 9, 1, tzinfo=tz)
    clock = Clock(monday_0901)
    JobScheduler(settings, db, playbooks, clock=clock, names=[DAILY]).tick(DAILY)
    # The process dies before Monday's post is delivered and comes back on Thursday at 09:30.
    clock.now = datetime(2026, 10, 29, 9, 30, tzinfo=tz)
    restarted = JobScheduler(settings, db, playbooks, clock=clock, names=[DAILY])
    drive(restarted, clock, DAILY, until=clock.now + timedelta(hours=2))

    monday, thursday = posts(db)
    assert thursday.idempotency_key.endswith(":2026-10-29")  # one catch-up, at start-up
    assert thursday.created_at == datetime(2026, 10, 29, 9, 30, tzinfo=tz)
    # Tuesday and Wednesday were never queued; Monday's expired: the sender skips it.
    assert monday.idempotency_key.endswith(":2026-10-26")
    assert monday.expires_at is not None and monday.expires_at < clock.now


def test_a_job_that_fails_half_way_is_recorded_and_the_rerun_queues_the_rest_once(
    registry, job_settings, db, playbooks, caplog
) -> None:
    attempts = Calls()

    def queue_six(ctx: JobContext) -> JobResult:
        attempts()
        result = JobResult()
        for n in range(1, 7):
            if n == 4 and attempts.count == 1:
                raise RuntimeError("lost the database half way")
            post = Post(key=outbox_key("half", n, "s", "p"), kind="half", channel="C1", text="x")
            with ctx.db.session() as session:
                if enqueue(session, post, now=ctx.now):
                    result.queued.append(post.key)
                session.commit()
        return result

    registry["half"] = queue_six
    clock = Clock(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    scheduler = JobScheduler(job_settings, db, playbooks, clock=clock, names=["half"])

    first = scheduler.tick("half")
    assert first.ran and first.failed and "lost the database half way" in first.error
    assert len(posts(db, "half")) == 3
    failure = next(r for r in caplog.records if r.levelname == "ERROR")
    assert failure.exc_info is not None  # logged with its traceback

    clock.now += timedelta(minutes=5)
    second = scheduler.tick("half")
    clock.now += timedelta(minutes=5)
    third = scheduler.tick("half")

    assert second.queued == [outbox_key("half", n, "s", "p") for n in (4, 5, 6)]
    assert third.ran and third.queued == []
    assert len({p.idempotency_key for p in posts(db, "half")}) == len(posts(db, "half")) == 6
    with db.session() as session:
        runs = list(session.scalars(select(JobRun).order_by(JobRun.id)))
    assert [r.finished_at is not None for r in runs] == [True, True, True]
    assert "RuntimeError: lost the database half way" in runs[0].detail
    assert "Traceback" in runs[0].detail
    assert runs[1].detail.startswith("done: queued 3")


def test_a_run_killed_mid_way_does_not_block_the_next_tick(
    registry, job_settings, db, playbooks
) -> None:
    registry[DAILY] = daily_at_nine
    now = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    with db.session() as session:  # a process died holding the 09:00 tick
        session.add(
            JobRun(job=DAILY, period=tick_period(now, 300), owner="dead:1:abc", started_at=now)
        )
        session.commit()
    clock = Clock(now + timedelta(seconds=30))
    scheduler = JobScheduler(job_settings, db, playbooks, clock=clock, names=[DAILY])
    assert not scheduler.tick(DAILY).ran  # the same tick: someone has it
    clock.now = now + timedelta(minutes=5)
    assert scheduler.tick(DAILY).queued == [outbox_key(DAILY, None, "sync", "2026-10-30")]


def test_one_failing_job_does_not_stop_the_others_in_all(
    registry, job_settings, db, playbooks
) -> None:
    def broken(ctx: JobContext) -> JobResult:
        raise ValueError("bad data")

    registry["a-broken"] = broken
    registry[DAILY] = daily_at_nine
    ctx = JobContext(job_settings, db, playbooks, datetime(2026, 10, 30, 10, 0, tzinfo=UTC))
    broken_run, daily_run = run_jobs("all", ctx, owner="test")
    assert broken_run.failed and not daily_run.failed
    assert daily_run.queued == [outbox_key(DAILY, None, "sync", "2026-10-30")]


def test_two_runners_on_one_database_claim_one_job_run(
    registry, job_settings, db, playbooks
) -> None:
    calls = Calls()

    def slow(ctx: JobContext) -> JobResult:
        calls()
        walltime.sleep(0.2)
        return daily_at_nine(ctx)

    registry[DAILY] = slow
    barrier = threading.Barrier(6)
    outcomes = []
    ctx = JobContext(job_settings, db, playbooks, datetime(2026, 10, 30, 13, 1, tzinfo=UTC))

    def runner(n: int) -> None:
        barrier.wait()
        outcomes.append(run_job(DAILY, ctx, owner=f"runner-{n}"))

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o.ran for o in outcomes) == [False] * 5 + [True]
    assert calls.count == 1
    with db.session() as session:
        assert len(list(session.scalars(select(JobRun)))) == 1
    assert len(posts(db)) == 1


RUNNER_SCRIPT = """
import sys, time
from datetime import datetime
from dataclasses import replace
import jobs
from bot.config import load_settings
from bot.db import Database
from jobs.context import JobContext, JobResult
from bot.entry.runner import run_job
from bot.services.outbox import Post, enqueue

def job(ctx):
    with ctx.db.session() as session:
        enqueue(session, Post(key="proc:" + sys.argv[2], kind="proc", channel="C1", text="x"),
                now=ctx.now)
        session.commit()
    return JobResult(queued=["proc:" + sys.argv[2]])

jobs.JOBS["proc"] = job
settings = replace(load_settings({}, require_slack=False), database_url=sys.argv[1])
db = Database(settings.database_url)
ctx = JobContext(settings, db, None, datetime.fromisoformat("2026-10-30T13:00:00+00:00"))
while time.time() < float(sys.argv[3]):
    time.sleep(0.005)
print("ran" if run_job("proc", ctx, owner=sys.argv[2]).ran else "stood down")
"""


def test_two_processes_against_postgresql_run_each_tick_once(
    registry, job_settings, db, database
) -> None:
    if not db.url.startswith("postgresql"):
        pytest.skip("the two-process test runs on PostgreSQL")
    start_at = str(walltime.time() + 2.5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER_SCRIPT, db.url, f"p{n}", start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for n in range(2)
    ]
    results = [process.communicate(timeout=60) for process in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["ran", "stood down"]
    assert len(posts(db, "proc")) == 1


def test_the_scheduler_is_configured_on_purpose(registry, job_settings, db, playbooks) -> None:
    registry[DAILY] = daily_at_nine
    registry["other"] = daily_at_nine
    start = datetime(2026, 11, 1, 5, 59, tzinfo=UTC)
    background = BackgroundScheduler(timezone=UTC)
    scheduler = JobScheduler(job_settings, db, playbooks, clock=Clock(start), scheduler=background)
    assert scheduler.install() == [DAILY, "other"]
    for job in background.get_jobs():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 300  # not APScheduler's 1 second
        assert job.trigger.interval == timedelta(seconds=300)
        assert str(job.trigger.timezone) == "UTC"
        assert job.next_run_time == start  # a tick right at start-up
    assert str(background.timezone) == "UTC"


def test_serve_starts_ticking_at_once_and_asks_the_sender_to_deliver(
    registry, job_settings, db, playbooks
) -> None:
    ran = Calls()
    delivered = Calls()

    def job(ctx: JobContext) -> JobResult:
        ran()
        return JobResult(queued=["k"])

    registry["quick"] = job
    scheduler = start_scheduler(job_settings, db, playbooks, deliver=delivered)
    assert scheduler is not None
    try:
        assert delivered.event.wait(10)
        assert ran.count == 1
    finally:
        scheduler.shutdown()
    assert not scheduler.scheduler.running


def test_onboard_scheduler_off_starts_nothing(job_settings, db, playbooks) -> None:
    off = replace(job_settings, scheduler_enabled=False)
    assert start_scheduler(off, db, playbooks) is None
    settings = load_settings(
        {"ONBOARD_SCHEDULER": "off", "ONBOARD_JOB_INTERVAL_SECONDS": "60"}, require_slack=False
    )
    assert (settings.scheduler_enabled, settings.job_interval_seconds) == (False, 60)


def test_tick_periods_are_shared_between_processes() -> None:
    first = datetime(2026, 11, 1, 9, 2, 30, tzinfo=UTC)
    assert tick_period(first, 300) == "2026-11-01T09:00:00Z"
    assert tick_period(first + timedelta(minutes=2), 300) == "2026-11-01T09:00:00Z"
    assert tick_period(first + timedelta(minutes=3), 300) == "2026-11-01T09:05:00Z"


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    before = {t.name for t in threading.enumerate()}
    yield
    extra = {t.name for t in threading.enumerate()} - before
    assert not [name for name in extra if name.startswith("APScheduler")]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(tmp_path: Path, fake_slack, **extra: str) -> tuple[subprocess.Popen[str], Database, int]:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": url,
        "PORT": str(port),
        **extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, Database(url), port


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = walltime.monotonic() + timeout
    while walltime.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # the server or its schema is not up yet
            pass
        walltime.sleep(0.2)
    return False


def _job_runs(db: Database) -> list[JobRun]:
    """The scheduler's ticks. A job's daily pass (`stall-alerts:daily-pass`, claimed from 09:00
    local on business days) is a claim of its own, never "finished": not a tick."""
    with db.session() as session:
        runs = session.scalars(select(JobRun))
        return [r for r in runs if not r.job.endswith(":daily-pass")]


def _healthy(port: int) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
        return response.status == 200


def test_onboard_serve_ticks_every_job_at_start_up_and_stops_the_scheduler_on_sigterm(
    tmp_path: Path, fake_slack
) -> None:
    import signal

    process, db, port = _serve(tmp_path, fake_slack)
    try:
        assert _wait_until(lambda: _healthy(port))
        expected = set(jobs.JOBS)
        assert _wait_until(lambda: {r.job for r in _job_runs(db)} == expected), _job_runs(db)
        assert _wait_until(lambda: all(r.finished_at for r in _job_runs(db)))
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        db.engine.dispose()
    assert process.returncode == 0, err
    assert "scheduler started" in err and "scheduler stopped" in err


def test_onboard_scheduler_off_serves_without_running_jobs(tmp_path: Path, fake_slack) -> None:
    import signal

    process, db, port = _serve(tmp_path, fake_slack, ONBOARD_SCHEDULER="off")
    try:
        assert _wait_until(lambda: _healthy(port))
        walltime.sleep(1)
        assert _job_runs(db) == []
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        db.engine.dispose()
    assert process.returncode == 0, err
    assert "scheduler disabled" in err


def test_a_tick_kicks_the_apps_outbox_sender_which_delivers_to_slack(
    registry, settings, db, playbooks, fake_slack
) -> None:
    from bot.entry.app import create_app
    from bot.entry.scheduler import outbox_kick

    def one_post(ctx: JobContext) -> JobResult:
        post = Post(key="kick:-:s:p", kind="kick", channel="C0SYNC", text="Queued by a tick")
        with ctx.db.session() as session:
            enqueue(session, post, now=ctx.now)
            session.commit()
        return JobResult(queued=[post.key])

    registry["kick"] = one_post
    fake_slack.add_channel("C0SYNC", "sync")
    app = create_app(settings, db=db, playbooks=playbooks)
    outbox = app.onboard_deps.outbox
    kick = outbox_kick(app)
    assert kick == outbox.kick
    outbox.interval = 3600  # only a kick makes it deliver within the test
    outbox.start()
    try:
        assert outbox.drain(10)  # its first pass, with nothing queued
        scheduler = JobScheduler(settings, db, playbooks, deliver=kick, names=["kick"])
        assert scheduler.tick("kick").ran
        assert _wait_until(lambda: len(fake_slack.messages_in("C0SYNC")) == 1, timeout=10)
    finally:
        outbox.stop()
