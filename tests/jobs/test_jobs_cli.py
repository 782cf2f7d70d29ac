"""`onboard jobs run <job|all> [--now ISO-8601]` in process (main([...])) and over subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import jobs
from bot.db import Database
from bot.entry.cli import main
from bot.models import JobRun, OutboxMessage
from bot.services.outbox import Post, enqueue, outbox_key
from jobs.context import JobContext, JobResult

ROOT = Path(__file__).resolve().parents[2]


def daily_at_nine(ctx: JobContext) -> JobResult:
    local = ctx.now.astimezone(ctx.settings.tz)
    result = JobResult()
    if local.time() < time(9):
        result.skipped.append(f"daily sync: not 09:00 yet in {ctx.settings.timezone}")
        return result
    day = local.date()
    post = Post(
        key=outbox_key("test-daily", None, "sync", day.isoformat()),
        kind="test-daily",
        channel="C0SYNC",
        text=f"Daily sync for {day:%A %d %B}: three open issues, no breach",
        expires_at=datetime.combine(day + timedelta(days=1), time(0), ctx.settings.tz),
    )
    with ctx.db.session() as session:
        if enqueue(session, post, now=ctx.now):
            result.queued.append(post.key)
        session.commit()
    return result


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[JobContext], JobResult]]:
    fake: dict[str, Callable[[JobContext], JobResult]] = {"test-daily": daily_at_nine}
    monkeypatch.setattr(jobs, "JOBS", fake)
    return fake


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    """No Slack settings; a fresh SQLite file; New York time."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ONBOARD_TIMEZONE", "America/New_York")
    return Database(url)


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_naive_now_is_read_in_the_configured_zone_and_posts_are_only_queued_without_slack(
    registry, cli_env, capsys
) -> None:
    # 09:00 on Monday 2 November 2026 in New York, the day after the clocks went back: 14:00 UTC.
    assert main(["jobs", "run", "test-daily", "--now", "2026-11-02T09:00"]) == 0
    out = capsys.readouterr().out
    assert "As of Mon 02 Nov 2026 09:00 EST (America/New_York)" in out
    assert "test-daily: done: queued 1, skipped 0" in out
    assert "queued   test-daily:-:sync:2026-11-02" in out
    assert "pending  #C0SYNC" in out and "Daily sync for Monday 02 November" in out
    assert "Slack settings missing (SLACK_BOT_TOKEN): queued only" in out
    (post,) = rows(cli_env)
    assert post.created_at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert post.status == "pending"


def test_an_aware_now_is_taken_as_given_and_a_second_run_queues_nothing(
    registry, cli_env, capsys
) -> None:
    assert main(["jobs", "run", "all", "--now", "2026-11-02T13:59:00+00:00"]) == 0
    assert "skipped  daily sync: not 09:00 yet in America/New_York" in capsys.readouterr().out
    assert main(["jobs", "run", "test-daily", "--now", "2026-11-02T14:30:00Z"]) == 0
    assert main(["jobs", "run", "test-daily", "--now", "2026-11-02T15:30:00Z"]) == 0
    out = capsys.readouterr().out
    assert "test-daily: done: queued 0, skipped 0" in out  # the second run found it queued
    assert len(rows(cli_env)) == 1
    with cli_env.session() as session:
        runs = list(session.scalars(select(JobRun)))
    assert len(runs) == 3 and all(r.period.startswith("manual:") for r in runs)
    assert all(r.finished_at is not None for r in runs)


def test_a_job_that_fails_prints_the_error_and_exits_1(registry, cli_env, capsys) -> None:
    def broken(ctx: JobContext) -> JobResult:
        raise RuntimeError("the playbook is missing")

    registry["broken"] = broken
    assert main(["jobs", "run", "all", "--now", "2026-11-02T15:00:00Z"]) == 1
    out = capsys.readouterr().out
    assert "broken: failed (RuntimeError: the playbook is missing)" in out
    assert "test-daily: done: queued 1" in out  # the other job still ran


def test_bad_now_and_unknown_job_are_one_line_errors_with_exit_2(registry, cli_env, capsys):
    assert main(["jobs", "run", "test-daily", "--now", "next tuesday"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "onboard: --now must be an ISO-8601 date and time such as 2026-11-02T09:00:00-05:00, "
        "got 'next tuesday'\n"
    )
    assert main(["jobs", "run", "stall-alarms"]) == 2
    assert capsys.readouterr().err == (
        "onboard: unknown job 'stall-alarms'; valid jobs: test-daily, all\n"
    )
    assert not Path(cli_env.url.removeprefix("sqlite:///")).exists()  # nothing was run


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_the_cli_over_subprocess(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_") and key != "DATABASE_URL"
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'sub.db'}", PYTHONPATH=str(ROOT))
    bad = run_cli("jobs", "run", "all", "--now", "2026-13-45T09:00", env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("onboard: --now must be an ISO-8601 date and time")
    assert len(bad.stderr.strip().splitlines()) == 1
    unknown = run_cli("jobs", "run", "nope", env=env)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("onboard: unknown job 'nope'; valid jobs: ")
    assert unknown.stderr.strip().endswith(", all")
    usage = run_cli("jobs", "run", env=env)
    assert usage.returncode == 2 and "job" in usage.stderr


def test_with_slack_it_delivers_and_a_post_whose_day_has_passed_is_skipped_not_sent_late(
    registry, cli_env, fake_slack, monkeypatch, capsys
) -> None:
    fake_slack.add_channel("C0SYNC", "sync")
    # Monday's post was queued while nothing delivered (Slack settings missing: downtime).
    assert main(["jobs", "run", "test-daily", "--now", "2026-11-02T09:00"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)

    assert main(["jobs", "run", "test-daily", "--now", "2026-11-05T09:30"]) == 0

    out = capsys.readouterr().out
    assert "Delivery:" in out
    assert "sent     #C0SYNC" in out and "Daily sync for Thursday 05 November" in out
    assert "skipped 1" in out  # the sender's pass: Monday's expired post
    (message,) = fake_slack.messages_in("C0SYNC")
    assert message["text"].startswith("Daily sync for Thursday 05 November")
    monday, thursday = rows(cli_env)
    assert (monday.status, thursday.status) == ("skipped", "sent")
    assert "expired" in monday.last_error
