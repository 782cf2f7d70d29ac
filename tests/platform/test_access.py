"""Slack access suspended (app uninstalled, token revoked): the outbox sender parks every post
and calls nothing but its auth.test probe, the jobs stand down, and on resume the parked posts
go out with the time they had left. Time is passed to `deliver_due(now=...)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import jobs
from bot.config import Settings
from bot.db import Database
from bot.entry.scheduler import JobScheduler
from bot.models import JobRun
from bot.playbooks import PlaybookLibrary
from bot.services import access
from bot.slack.access import PROBE_INTERVAL
from bot.slack.sender import OutboxSender
from jobs.context import JobContext, JobResult
from tests.fakeslack import FakeSlack
from tests.platform.test_sender import CHANNEL, dms_to, make_sender, posted, queue, row

A, B = "celebration:1:kickoff:", "celebration:1:golive:"


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def sender(db: Database, settings: Settings, fake_slack: FakeSlack) -> OutboxSender:
    fake_slack.add_channel(CHANNEL, "acme-onboarding")
    return make_sender(db, settings)


def suspension(db: Database) -> access.Suspension | None:
    with db.session() as session:
        return access.suspension(session)


def suspend(db: Database, now: datetime, reason: str = "app_uninstalled") -> None:
    with db.session() as session:
        access.suspend(session, reason, now=now)
        session.commit()


def untouched(db: Database, key: str) -> bool:
    parked = row(db, key)
    return parked.status == "pending" and parked.attempts == 0 and parked.ts is None


@pytest.mark.parametrize("error", ["token_revoked", "invalid_auth", "account_inactive"])
def test_an_access_lost_answer_parks_every_post_and_suspends(
    db, fake_slack, sender, now, error
) -> None:
    queue(db, now, A)
    queue(db, now, B)
    fake_slack.fail("chat.postMessage", error)
    report = sender.deliver_due(now=now)
    assert (report.parked, report.failed, report.sent) == ([A, B], [], [])
    assert untouched(db, A) and untouched(db, B)  # no attempt counted, nothing failed
    assert row(db, A).last_error == f"parked: {error}"
    assert suspension(db).reason == error  # type: ignore[union-attr]
    assert not dms_to(fake_slack, "UCSM")  # nobody is told of a failure: nothing failed
    calls = len(fake_slack.calls)
    assert sender.deliver_due(now=now + timedelta(seconds=30)).parked == [A, B]
    assert len(fake_slack.calls) == calls  # not a single call until the probe is due
    report = sender.deliver_due(now=now + PROBE_INTERVAL)
    assert fake_slack.calls[calls].method == "auth.test"
    assert report.sent == [A, B] and len(posted(fake_slack)) == 2
    assert suspension(db) is None


def test_the_privacy_recheck_answered_invalid_auth_parks_rather_than_fails(
    db, fake_slack, sender, now
) -> None:
    queue(db, now, A, internal=True)
    fake_slack.fail("conversations.info", "invalid_auth")
    assert sender.deliver_due(now=now).parked == [A]  # not "channel_shared_externally"
    assert untouched(db, A) and suspension(db) is not None


def test_while_revoked_a_post_outlives_its_expiry_and_goes_out_on_resume(
    db, fake_slack, sender, now
) -> None:
    queue(db, now, A, expires_at=now + timedelta(hours=1))
    queue(db, now, B, expires_at=now - timedelta(minutes=1))  # expired before access was lost
    suspend(db, now)
    fake_slack.revoke("token_revoked")
    later = now + timedelta(hours=2)
    assert sender.deliver_due(now=later).parked == [A, B]
    assert [c.method for c in fake_slack.calls] == ["auth.test"]  # the probe, refused
    assert untouched(db, A) and suspension(db) is not None
    fake_slack.reinstate()
    report = sender.deliver_due(now=later + PROBE_INTERVAL)
    assert (report.sent, report.skipped) == ([A], [B])
    assert row(db, A).expires_at == now + timedelta(hours=3) + PROBE_INTERVAL  # time given back


def test_a_request_makes_the_sender_probe_before_its_interval(db, fake_slack, sender, now) -> None:
    queue(db, now, A)
    suspend(db, now)
    fake_slack.revoke()
    sender.deliver_due(now=now)  # probed: still revoked
    fake_slack.reinstate()
    assert sender.deliver_due(now=now + timedelta(seconds=10)).parked == [A]
    sender.gate.probe_soon()  # what handlers/access.py does on a verified request
    assert sender.deliver_due(now=now + timedelta(seconds=10)).sent == [A]


def test_jobs_stand_down_while_suspended_and_run_once_resumed(
    db, fake_slack, settings, playbooks: PlaybookLibrary, now, monkeypatch
) -> None:
    ran: list[datetime] = []

    def asks_slack(ctx: JobContext) -> JobResult:
        ran.append(ctx.now)
        return JobResult()

    monkeypatch.setattr(jobs, "JOBS", {"asks-slack": asks_slack})
    delivered: list[bool] = []
    scheduler = JobScheduler(
        settings, db, playbooks, deliver=lambda: delivered.append(True), clock=lambda: now
    )
    suspend(db, now, "tokens_revoked")
    outcome = scheduler.tick("asks-slack")
    assert not outcome.ran and "suspended (tokens_revoked)" in outcome.summary
    assert ran == [] and delivered == [] and fake_slack.calls == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 0  # nothing claimed
        access.resume(session, now=now)
        session.commit()
    assert scheduler.tick("asks-slack").ran and ran == [now] and delivered == [True]


def test_suspending_twice_keeps_the_first_reason_and_resuming_twice_once(db, now) -> None:
    with db.session() as session:
        assert access.suspend(session, "app_uninstalled", now=now)
        assert not access.suspend(session, "token_revoked", now=now + timedelta(seconds=1))
        session.commit()
        assert access.suspension(session) == access.Suspension(now, "app_uninstalled")
        assert access.resume(session, now=now + timedelta(minutes=5)) is not None
        assert access.resume(session, now=now + timedelta(minutes=6)) is None
        session.commit()
