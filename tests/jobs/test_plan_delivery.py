"""The living plan, the celebrations and the digest delivered end to end: outbox -> the real
sender (bot/slack/sender.py) -> the fake Slack. Posted once and pinned once, edited in place
(same ts), re-created after a deletion, no Slack call when nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.milestones import complete_named_milestone, reopen_milestone
from bot.services.plan_refresh import refresh_plan
from bot.slack.sender import OutboxSender
from jobs.celebrations import run_celebrations
from jobs.context import JobContext
from jobs.digest import run_digest
from tests.factories import CSM, meet_first_value_criterion
from tests.jobs.test_plan import acme

CHANNEL = "C0ACME"
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def sender(db, settings) -> OutboxSender:  # type: ignore[no-untyped-def]
    return OutboxSender(db, None, settings, owner="E", timeout=1)


@pytest.fixture
def channel(fake_slack) -> str:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-onboarding", is_ext_shared=True)
    return CHANNEL


def calls(fake_slack, method: str) -> list:  # type: ignore[no-untyped-def]
    return [c for c in fake_slack.calls_to(method) if c.params.get("channel") == CHANNEL]


def refresh(session, onboarding_id: int, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    """A command's refresh of the plan, committed as the command's transaction would be."""
    queued = refresh_plan(session, onboarding_id, now=now, default_tz=UTC_ZONE)
    session.commit()
    return queued


def test_plan_is_pinned_once_and_edited_in_place(  # type: ignore[no-untyped-def]
    session, fake_slack, channel, sender, playbooks, now
) -> None:
    onboarding = acme(session, playbooks)
    refresh(session, onboarding.id, now)
    sender.deliver_due(now=now)
    [post] = calls(fake_slack, "chat.postMessage")
    ts = post.response["ts"]
    assert fake_slack.pins == [(CHANNEL, ts)]

    complete_named_milestone(session, onboarding.id, "handoff", CSM, admins=(), now=now)
    assert refresh(session, onboarding.id, now)
    sender.deliver_due(now=now)
    [update] = calls(fake_slack, "chat.update")
    assert update.params["ts"] == ts and "done" in json.dumps(update.params["blocks"])
    assert len(calls(fake_slack, "chat.postMessage")) == 1
    assert fake_slack.pins == [(CHANNEL, ts)]  # pinned once

    before = len(fake_slack.calls)
    assert not refresh(session, onboarding.id, now + timedelta(minutes=5))
    sender.deliver_due(now=now + timedelta(minutes=5))
    assert len(fake_slack.calls) == before  # unchanged content: no Slack call at all


def test_a_deleted_plan_is_posted_and_pinned_again(  # type: ignore[no-untyped-def]
    session, fake_slack, channel, sender, playbooks, now
) -> None:
    onboarding = acme(session, playbooks)
    refresh(session, onboarding.id, now)
    sender.deliver_due(now=now)
    old_ts = calls(fake_slack, "chat.postMessage")[0].response["ts"]
    sender.client.chat_delete(channel=CHANNEL, ts=old_ts)

    complete_named_milestone(session, onboarding.id, "handoff", CSM, admins=(), now=now)
    refresh(session, onboarding.id, now)
    sender.deliver_due(now=now)
    assert calls(fake_slack, "chat.update")[-1].response.get("error") == "message_not_found"
    posts = calls(fake_slack, "chat.postMessage")
    assert len(posts) == 2
    new_ts = posts[-1].response["ts"]
    assert new_ts != old_ts and (CHANNEL, new_ts) in fake_slack.pins


def test_celebration_delivered_once_and_not_after_undo(  # type: ignore[no-untyped-def]
    session, db, settings, fake_slack, channel, sender, playbooks, now
) -> None:
    onboarding = acme(session, playbooks)
    meet_first_value_criterion(session, onboarding.id)
    change = complete_named_milestone(
        session, onboarding.id, "first value", CSM, admins=(), now=now
    )
    session.commit()  # as the edge does: the job reads in its own session
    ctx = JobContext(settings, db, playbooks, now)
    run_celebrations(ctx)
    run_celebrations(ctx)
    sender.deliver_due(now=now)
    [post] = calls(fake_slack, "chat.postMessage")
    assert "First value reached!" in json.dumps(post.params["blocks"])

    reopen_milestone(session, change.milestone_id, CSM, admins=(), now=now)
    session.commit()
    complete_named_milestone(session, onboarding.id, "first value", CSM, admins=(), now=now)
    session.commit()
    run_celebrations(ctx)
    sender.deliver_due(now=now)
    assert len(calls(fake_slack, "chat.postMessage")) == 1  # same day: celebrated once


def test_digest_goes_to_the_csm_by_dm(  # type: ignore[no-untyped-def]
    session, db, settings, fake_slack, sender, playbooks
) -> None:
    acme(session, playbooks)
    # 09:00 in the CSM's own zone (the fake's users.info says New York), not ONBOARD_TIMEZONE.
    monday = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
    run_digest(JobContext(settings, db, playbooks, monday))
    sender.deliver_due(now=monday)
    [dm] = fake_slack.messages_in(f"D{CSM}")
    assert "Your week: 2026-W46" in json.dumps(dm["blocks"])


def test_done_queues_the_celebration_and_the_plan_at_once(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from bot.models import OutboxMessage
    from tests.slack.test_kickoff_slack import record_kickoff_over_slack
    from tests.slack.test_status_slack import onboard, reply

    def kinds(wanted: set[str]) -> set[str]:
        deadline, found = datetime.now(UTC) + timedelta(seconds=10), set()
        while datetime.now(UTC) < deadline and found != wanted:
            with db.session() as session:
                found = set(session.scalars(select(OutboxMessage.kind)))
        return found

    fake_slack.add_channel(CHANNEL, "acme-onboarding")
    onboard(slack, fake_slack)  # no customer channel yet: no plan
    slack.command(f"channel acme <#{CHANNEL}|acme-onboarding>", user_id=CSM)
    reply(fake_slack, "Linked")
    assert kinds({"plan"}) == {"plan"}  # linking the channel queues the plan
    record_kickoff_over_slack(slack, fake_slack)  # `done acme kickoff` asks for the agreements
    fake_slack.wait_for("chat.postEphemeral", lambda p: "is complete" in json.dumps(p))
    # ...and the customer's kickoff pulse (bot/services/feedback.py), queued by the same path.
    assert kinds({"plan", "celebration", "pulse"}) == {"plan", "celebration", "pulse"}
