"""The outbox sender against the fake Slack: faults, unknown outcomes, crashes, edits, threads.

Time is passed to `deliver_due(now=...)` instead of slept: a retry "in 10 s" is a later `now`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.models import Onboarding, OutboxMessage, OutboxStatus
from bot.services import outbox
from bot.services.outbox import Post, enqueue, enqueue_update
from bot.slack.client import make_client
from bot.slack.outbox_loop import OutboxLoop
from bot.slack.sender import EVENT_TYPE, OutboxSender
from tests.fakeslack import FakeSlack

CHANNEL = "C0ACME"


class Crash(BaseException):
    """The process dies: nothing catches this."""


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def onboarding_id(session) -> int:
    onboarding = Onboarding(
        company_name="Acme Manufacturing",
        company_key="acme manufacturing",
        arr=Decimal(95000),
        start_date=date(2026, 11, 2),
        segment="mid_market",
        playbook="mid_market",
        csm_user_id="UCSM",
        ae_user_id="UAE",
        customer_channel_id=CHANNEL,
        created_by="UAE",
    )
    session.add(onboarding)
    session.commit()
    return onboarding.id


@pytest.fixture
def channel(fake_slack: FakeSlack) -> str:
    fake_slack.add_channel(CHANNEL, "acme-onboarding")
    return CHANNEL


def make_sender(db: Database, settings: Settings, owner: str = "A", **kwargs) -> OutboxSender:
    kwargs.setdefault("timeout", 1)
    return OutboxSender(db, None, settings, owner=owner, **kwargs)


@pytest.fixture
def sender(db: Database, settings: Settings) -> OutboxSender:
    return make_sender(db, settings)


def queue(db: Database, now: datetime, key: str = "celebration:1:kickoff:", **fields) -> None:
    fields.setdefault("channel", CHANNEL)
    fields.setdefault("text", f"Kickoff held ({key})")
    with db.session() as session:
        enqueue(session, Post(key=key, kind=key.split(":")[0], **fields), now=now)
        session.commit()


def row(db: Database, key: str = "celebration:1:kickoff:") -> OutboxMessage:
    with db.session() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()


def posted(fake: FakeSlack, channel: str = CHANNEL) -> list[dict]:
    return [m for m in fake.messages_in(channel) if m.get("metadata")]


def dms_to(fake: FakeSlack, user: str) -> list[dict]:
    return fake.messages_in(f"D{user}")


# ---- the happy path ---------------------------------------------------------------------------


def test_a_post_carries_its_key_and_keeps_its_ts(db, fake_slack, channel, sender, now) -> None:
    queue(db, now)
    report = sender.deliver_due(now=now)
    assert report.sent == ["celebration:1:kickoff:"]
    [message] = posted(fake_slack)
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": "celebration:1:kickoff:"},
    }
    sent = row(db)
    assert (sent.status, sent.ts, sent.attempts, sent.lease_owner) == (
        "sent",
        message["ts"],
        1,
        None,
    )
    assert sender.deliver_due(now=now + timedelta(hours=1)).sent == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_the_sender_client_never_retries_by_itself(db, settings) -> None:
    app_client = make_client(settings)
    assert app_client.retry_handlers  # the app's client retries; the sender's must not
    assert OutboxSender(db, app_client, settings).client.retry_handlers == []
    assert app_client.retry_handlers  # and the app's keeps its own
    assert OutboxSender(db, None, settings).client.retry_handlers == []


def test_the_apps_client_does_not_resend_a_post_whose_answer_was_lost(
    fake_slack, channel, settings
) -> None:
    client = make_client(settings)
    fake_slack.lose_response("chat.postMessage", how=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CHANNEL, text="Welcome")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1 == len(posted_any(fake_slack))
    fake_slack.server_error("conversations.info", status=503)
    assert client.conversations_info(channel=CHANNEL)["ok"]  # reads are still retried


def posted_any(fake: FakeSlack) -> list[dict]:
    return fake.messages_in(CHANNEL)


def test_a_direct_message_opens_the_conversation(db, fake_slack, sender, now) -> None:
    queue(db, now, "digest:-:UCSM:2026-W48", channel="UCSM")
    assert sender.deliver_due(now=now).sent == ["digest:-:UCSM:2026-W48"]
    assert fake_slack.last("conversations.open")["users"] == "UCSM"
    assert fake_slack.last("chat.postMessage")["channel"] == "DUCSM"
    assert len(dms_to(fake_slack, "UCSM")) == 1


def test_pin_after_the_first_post(db, fake_slack, channel, sender, now) -> None:
    queue(db, now, "plan:1::", pin=True)
    sender.deliver_due(now=now)
    [message] = posted(fake_slack)
    assert fake_slack.pins == [(CHANNEL, message["ts"])]


# ---- 429, 5xx, bounded attempts ---------------------------------------------------------------


def test_a_429_storm_waits_for_retry_after_then_posts_once(
    db, fake_slack, channel, sender, now
) -> None:
    fake_slack.rate_limit("chat.postMessage", times=8, retry_after=7)
    queue(db, now)
    at = now
    for _ in range(8):
        assert sender.deliver_due(now=at).retrying == ["celebration:1:kickoff:"]
        waiting = row(db)
        assert waiting.next_attempt_at == at + timedelta(seconds=7)
        assert waiting.attempts == 0  # a 429 is not an attempt: nothing was sent
        assert sender.deliver_due(now=at + timedelta(seconds=6)).retrying == []  # not before
        at += timedelta(seconds=7)
    assert sender.deliver_due(now=at).sent == ["celebration:1:kickoff:"]
    assert len(posted(fake_slack)) == 1
    assert sum(c.ok for c in fake_slack.calls_to("chat.postMessage")) == 1


def test_server_errors_are_retried_with_backoff_then_post_once(
    db, fake_slack, channel, settings, now
) -> None:
    sender = make_sender(db, settings, backoff=timedelta(seconds=10))
    fake_slack.server_error("chat.postMessage", times=3, status=503)
    queue(db, now)
    delays = []
    at = now
    for _ in range(3):
        assert sender.deliver_due(now=at).retrying == ["celebration:1:kickoff:"]
        delays.append(row(db).next_attempt_at - at)
        at = row(db).next_attempt_at
    assert delays == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert sender.deliver_due(now=at).sent == ["celebration:1:kickoff:"]
    assert len(posted(fake_slack)) == 1
    assert row(db).attempts == 4


def test_attempts_are_bounded_then_the_owner_is_told(
    db, fake_slack, channel, settings, onboarding_id, now
) -> None:
    sender = make_sender(db, settings, backoff=timedelta(seconds=1))
    fake_slack.server_error("chat.postMessage", times=50)
    queue(db, now, onboarding_id=onboarding_id)
    at, outcomes = now, []
    for _ in range(settings.outbox_max_attempts):
        report = sender.deliver_due(now=at)
        outcomes += report.retrying + report.failed
        at += timedelta(hours=1)
    assert len(outcomes) == settings.outbox_max_attempts == 6
    failed = row(db)
    assert (failed.status, failed.attempts) == ("failed", 6)
    assert "after 6 attempts" in failed.last_error
    assert sender.deliver_due(now=at + timedelta(days=1)).failed == []  # never again
    # The notice went out as a plain call, although chat.postMessage still fails for rows.
    notice_calls = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "UCSM"
    ]
    assert len(notice_calls) == 1


def test_backoff_does_not_grow_without_bound(db, settings) -> None:
    sender = make_sender(
        db, settings, backoff=timedelta(seconds=10), max_backoff=timedelta(minutes=2)
    )
    assert min(sender.max_backoff, sender.backoff * 2**20) == timedelta(minutes=2)


# ---- unknown outcomes and crashes -------------------------------------------------------------


@pytest.mark.parametrize("how", [2.0, "drop", 500], ids=["timeout", "connection-dropped", "500"])
def test_a_lost_answer_is_not_posted_twice(db, fake_slack, channel, sender, now, how) -> None:
    fake_slack.lose_response("chat.postMessage", how=how)
    queue(db, now)
    assert sender.deliver_due(now=now).retrying == ["celebration:1:kickoff:"]
    [stored] = posted(fake_slack)  # Slack has it; we do not know
    assert row(db).ts is None
    assert sender.deliver_due(now=now + timedelta(minutes=5)).sent == ["celebration:1:kickoff:"]
    assert posted(fake_slack) == [stored]
    assert row(db).ts == stored["ts"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    history = fake_slack.last("conversations.history")
    assert history["include_all_metadata"] in (True, "1", "true")


def test_a_crash_between_sent_and_recorded_does_not_double_post_on_restart(
    db, fake_slack, channel, settings, now, monkeypatch
) -> None:
    queue(db, now)
    first = make_sender(db, settings, owner="process-1")

    def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(outbox, "record_ts", die)
    with pytest.raises(Crash):
        first.deliver_due(now=now)
    monkeypatch.undo()
    [stored] = posted(fake_slack)
    crashed = row(db)
    assert (crashed.status, crashed.ts, crashed.lease_owner) == ("pending", None, "process-1")

    restarted = make_sender(db, settings, owner="process-2")
    assert restarted.deliver_due(now=now + timedelta(minutes=1)).sent == []  # lease still held
    later = now + first.lease + timedelta(seconds=30)
    report = restarted.deliver_due(now=later)
    state = row(db)
    assert report.sent == ["celebration:1:kickoff:"], (
        f"{report} {state.lease_owner} lease={state.lease_until} att={state.attempts} "
        f"next={state.next_attempt_at} now={now} later={later}"
    )
    assert posted(fake_slack) == [stored]
    assert row(db).ts == stored["ts"]


def test_a_pass_as_of_a_past_moment_still_holds_its_lease_in_real_time(
    db, fake_slack, channel, settings, now, monkeypatch
) -> None:
    """`onboard jobs run --now <last week>` beside a live `onboard serve`: the live process must
    not see the row's lease as long expired while the pass is still sending it."""
    last_week = now - timedelta(days=7)
    queue(db, last_week)
    monkeypatch.setattr(outbox, "record_ts", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        make_sender(db, settings, owner="jobs-run").deliver_due(now=last_week)
    monkeypatch.undo()
    assert row(db).lease_until > datetime.now(UTC) + timedelta(minutes=4)
    assert make_sender(db, settings, owner="serve").deliver_due().sent == []


def test_a_crash_before_anything_reached_slack_posts_on_restart(
    db, fake_slack, channel, settings, now, monkeypatch
) -> None:
    queue(db, now)
    sender = make_sender(db, settings, owner="process-1")
    monkeypatch.setattr(
        sender.client, "chat_postMessage", lambda **kwargs: (_ for _ in ()).throw(Crash())
    )
    with pytest.raises(Crash):
        sender.deliver_due(now=now)
    assert posted(fake_slack) == []
    restarted = make_sender(db, settings, owner="process-2")
    assert restarted.deliver_due(now=now + sender.lease * 2).sent == ["celebration:1:kickoff:"]
    assert len(posted(fake_slack)) == 1


def test_a_thread_reply_whose_answer_was_lost_is_found_in_the_thread(
    db, fake_slack, channel, sender, now
) -> None:
    queue(db, now, "hypercare-sync:1::2026-11-24")
    sender.deliver_due(now=now)
    fake_slack.lose_response("chat.postMessage", how="drop")
    queue(db, now, "hypercare-detail:1::2026-11-24", thread_of="hypercare-sync:1::2026-11-24")
    sender.deliver_due(now=now)
    sender.deliver_due(now=now + timedelta(minutes=1))
    replies = [m for m in fake_slack.messages_in(CHANNEL) if m.get("thread_ts")]
    assert len(replies) == 1
    assert row(db, "hypercare-detail:1::2026-11-24").ts == replies[0]["ts"]
    assert (
        fake_slack.last("conversations.replies")["ts"] == row(db, "hypercare-sync:1::2026-11-24").ts
    )


# ---- permanent errors: failed, owner told, nothing lost silently ------------------------------


def test_channel_not_found_fails_at_once_and_tells_the_owner(
    db, fake_slack, sender, onboarding_id, now, caplog
) -> None:
    queue(db, now, channel="C0GONE", onboarding_id=onboarding_id)
    with caplog.at_level(logging.ERROR, "bot.slack.sender"):
        assert sender.deliver_due(now=now).failed == ["celebration:1:kickoff:"]
    failed = row(db)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "channel_not_found")
    [notice] = dms_to(fake_slack, "UCSM")
    assert "channel_not_found" in notice["text"] and "/invite @Onboard" in notice["text"]
    assert "Acme Manufacturing" in notice["text"] and "<#C0GONE>" in notice["text"]
    assert "celebration:1:kickoff: failed" in caplog.text


def test_internal_data_is_not_posted_into_a_channel_that_became_shared(
    db, fake_slack, sender, onboarding_id, now
) -> None:
    # Queued while the channel was internal; Slack Connect shared it before the sender ran.
    fake_slack.add_channel("C0NOWEXT", "acme-now-shared", is_ext_shared=True)
    queue(
        db,
        now,
        key="alert:1:C0NOWEXT:",
        channel="C0NOWEXT",
        internal=True,
        onboarding_id=onboarding_id,
    )
    queue(db, now, key="celebration:1:pilot:", channel="C0NOWEXT", onboarding_id=onboarding_id)
    report = sender.deliver_due(now=now)
    assert report.failed == ["alert:1:C0NOWEXT:"] and report.sent == ["celebration:1:pilot:"]
    assert [m["text"] for m in fake_slack.messages_in("C0NOWEXT")] == [
        "Kickoff held (celebration:1:pilot:)"
    ]
    [notice] = dms_to(fake_slack, "UCSM")
    assert "shared with another organisation" in notice["text"]


def test_not_in_a_private_channel_fails_after_the_join_fails(
    db, fake_slack, sender, onboarding_id, now
) -> None:
    fake_slack.add_channel("C0PRIV", "acme-private", is_private=True, is_member=False)
    queue(db, now, channel="C0PRIV", onboarding_id=onboarding_id)
    assert sender.deliver_due(now=now).failed == ["celebration:1:kickoff:"]
    assert fake_slack.calls_to("conversations.join")
    assert row(db).last_error == "not_in_channel"
    [notice] = dms_to(fake_slack, "UCSM")
    assert "not_in_channel" in notice["text"] and "/invite @Onboard" in notice["text"]


def test_not_in_a_public_channel_joins_and_posts(db, fake_slack, sender, now) -> None:
    fake_slack.add_channel("C0PUB", "acme-public", is_member=False)
    queue(db, now, channel="C0PUB")
    assert sender.deliver_due(now=now).sent == ["celebration:1:kickoff:"]
    assert len(posted(fake_slack, "C0PUB")) == 1


def test_an_archived_channel_fails(db, fake_slack, sender, onboarding_id, now) -> None:
    fake_slack.add_channel("C0OLD", "acme-old", is_archived=True)
    queue(db, now, channel="C0OLD", onboarding_id=onboarding_id)
    assert sender.deliver_due(now=now).failed == ["celebration:1:kickoff:"]
    assert "archived" in dms_to(fake_slack, "UCSM")[0]["text"]


def test_invalid_blocks_fail_at_once(db, fake_slack, channel, sender, onboarding_id, now) -> None:
    queue(db, now, blocks=[{"type": "hologram"}], onboarding_id=onboarding_id)
    assert sender.deliver_due(now=now).failed == ["celebration:1:kickoff:"]
    assert "bug in Onboard" in dms_to(fake_slack, "UCSM")[0]["text"]
    fake_slack.invalid.clear()  # refused on purpose


def test_without_an_onboarding_the_escalation_channel_is_told(
    db, fake_slack, settings, now
) -> None:
    from dataclasses import replace

    fake_slack.add_channel("C0ESC", "onboarding-escalations")
    sender = make_sender(db, replace(settings, escalation_channel_id="C0ESC"))
    queue(db, now, channel="C0GONE")
    sender.deliver_due(now=now)
    assert "channel_not_found" in fake_slack.messages_in("C0ESC")[0]["text"]


# ---- expiry, edits, threads -------------------------------------------------------------------


def test_an_expired_post_is_skipped_and_logged_not_sent_late(
    db, fake_slack, channel, sender, now, caplog
) -> None:
    queue(
        db,
        now - timedelta(days=1),
        "hypercare-sync:1::2026-11-23",
        expires_at=now - timedelta(hours=1),
    )
    with caplog.at_level(logging.INFO, "bot.slack.sender"):
        assert sender.deliver_due(now=now).skipped == ["hypercare-sync:1::2026-11-23"]
    assert "skipped hypercare-sync:1::2026-11-23: expired" in caplog.text
    assert row(db, "hypercare-sync:1::2026-11-23").status == OutboxStatus.SKIPPED
    assert posted(fake_slack) == []


def test_an_update_edits_in_place_and_keeps_the_ts(db, fake_slack, channel, sender, now) -> None:
    post = Post(key="plan:1::", kind="plan", channel=CHANNEL, text="Plan v1", pin=True)
    with db.session() as session:
        enqueue_update(session, post, now=now)
        session.commit()
    sender.deliver_due(now=now)
    ts = row(db, "plan:1::").ts
    with db.session() as session:
        enqueue_update(session, Post(**{**post.__dict__, "text": "Plan v2"}), now=now)
        enqueue_update(session, Post(**{**post.__dict__, "text": "Plan v2"}), now=now)
        session.commit()
    assert sender.deliver_due(now=now + timedelta(seconds=1)).sent == ["plan:1::"]
    [message] = posted(fake_slack)
    assert (message["ts"], message["text"], row(db, "plan:1::").ts) == (ts, "Plan v2", ts)
    assert fake_slack.last("chat.update")["ts"] == ts
    assert fake_slack.pins == [(CHANNEL, ts)]  # pinned once (the second pins.add is a no-op)


def test_a_deleted_message_is_posted_again(db, fake_slack, channel, sender, now) -> None:
    post = Post(key="plan:1::", kind="plan", channel=CHANNEL, text="Plan v1")
    with db.session() as session:
        enqueue_update(session, post, now=now)
        session.commit()
    sender.deliver_due(now=now)
    old_ts = row(db, "plan:1::").ts
    sender.client.chat_delete(channel=CHANNEL, ts=old_ts)
    with db.session() as session:
        enqueue_update(session, Post(**{**post.__dict__, "text": "Plan v2"}), now=now)
        session.commit()
    assert sender.deliver_due(now=now + timedelta(seconds=1)).sent == ["plan:1::"]
    [message] = posted(fake_slack)
    assert message["text"] == "Plan v2" and message["ts"] != old_ts
    assert row(db, "plan:1::").ts == message["ts"]


def test_new_content_while_in_flight_is_applied_next(
    db, fake_slack, channel, sender, now, monkeypatch
) -> None:
    post = Post(key="plan:1::", kind="plan", channel=CHANNEL, text="Plan v1")
    with db.session() as session:
        enqueue_update(session, post, now=now)
        session.commit()
    real_post = sender.client.chat_postMessage

    def post_then_change(**kwargs):
        answer = real_post(**kwargs)
        with db.session() as session:
            enqueue_update(session, Post(**{**post.__dict__, "text": "Plan v2"}), now=now)
            session.commit()
        return answer

    monkeypatch.setattr(sender.client, "chat_postMessage", post_then_change)
    sender.deliver_due(now=now)
    assert row(db, "plan:1::").status == "pending"
    monkeypatch.undo()
    assert sender.deliver_due(now=now).sent == ["plan:1::"]
    [message] = posted(fake_slack)
    assert message["text"] == "Plan v2"


def test_a_thread_reply_waits_for_its_parent_and_uses_its_ts(
    db, fake_slack, channel, sender, now
) -> None:
    parent, reply = "hypercare-sync:1::2026-11-24", "hypercare-detail:1::2026-11-24"
    queue(db, now, reply, thread_of=parent)  # queued first: must still go second
    fake_slack.rate_limit("chat.postMessage", retry_after=30)
    queue(db, now, parent)
    report = sender.deliver_due(now=now)
    assert (report.retrying, report.waiting) == ([parent], [reply])
    assert posted(fake_slack) == []
    report = sender.deliver_due(now=now + timedelta(seconds=30))
    assert report.sent == [parent, reply]
    top, threaded = fake_slack.messages_in(CHANNEL)
    assert threaded["thread_ts"] == top["ts"] == row(db, parent).ts


def test_a_reply_to_a_failed_parent_fails_and_to_a_skipped_one_is_skipped(
    db, fake_slack, sender, now
) -> None:
    queue(db, now, "a:1::", channel="C0GONE")
    queue(db, now, "a-detail:1::", channel="C0GONE", thread_of="a:1::")
    queue(db, now, "b:1::", expires_at=now - timedelta(seconds=1))
    queue(db, now, "b-detail:1::", thread_of="b:1::")
    report = sender.deliver_due(now=now)
    assert sorted(report.failed) == ["a-detail:1::", "a:1::"]
    assert sorted(report.skipped) == ["b-detail:1::", "b:1::"]


# ---- the background loop ----------------------------------------------------------------------


def test_the_loop_delivers_on_kick_and_stops_cleanly(db, fake_slack, channel, settings) -> None:
    loop = OutboxLoop(make_sender(db, settings), interval=60)
    loop.start()
    try:
        queue(db, datetime.now(UTC))
        loop.kick()
        fake_slack.wait_for("chat.postMessage", timeout=5)
        assert loop.drain(timeout=5)
        assert row(db).status == "sent"
    finally:
        loop.stop()
    assert not loop.running


def test_the_loop_survives_a_failing_pass(db, settings, caplog) -> None:
    sender = make_sender(db, settings)
    calls = []

    def broken(now=None):
        calls.append(now)
        raise RuntimeError("database down")

    sender.deliver_due = broken  # type: ignore[method-assign]
    loop = OutboxLoop(sender, interval=60)
    loop.start()
    try:
        assert loop.drain(timeout=5) and loop.drain(timeout=5)
    finally:
        loop.stop()
    assert len(calls) >= 2 and "delivery pass failed" in caplog.text


def test_the_app_fixture_delivers_what_handlers_queue(
    slack, outbox_loop, db, fake_slack, channel
) -> None:
    queue(db, datetime.now(UTC))
    outbox_loop.kick()
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL)
    assert outbox_loop.running
