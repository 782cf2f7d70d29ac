"""app_uninstalled and tokens_revoked over signed HTTP: answered, access suspended, the posts
queued before and after wait, and go out once a verified request finds the token working."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.services import access
from bot.slack.outbox_loop import OutboxLoop
from tests.platform.test_sender import CHANNEL, posted, queue, row

BOT_REVOKED = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}


def suspension(db: Database) -> access.Suspension | None:
    with db.session() as session:
        return access.suspension(session)


def wait_until_suspended(db: Database, timeout: float = 5.0) -> access.Suspension:
    deadline = time.monotonic() + timeout
    while (found := suspension(db)) is None:
        assert time.monotonic() < deadline, "access was not suspended"
        time.sleep(0.05)
    return found


@pytest.mark.parametrize(
    ("event", "reason"),
    [({"type": "app_uninstalled"}, "app_uninstalled"), (BOT_REVOKED, "tokens_revoked")],
)
def test_the_events_are_answered_and_suspend_access(slack, db, fake_slack, event, reason) -> None:  # type: ignore[no-untyped-def]
    fake_slack.revoke()  # as Slack does before it sends them: else the first probe resumes
    assert slack.event(event).status == 200
    assert wait_until_suspended(db).reason == reason


def test_revoking_user_tokens_only_keeps_access(slack, db, fake_slack) -> None:  # type: ignore[no-untyped-def]
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["UCSM"], "bot": []}}
    assert slack.event(revoked).status == 200
    time.sleep(0.3)  # the listener runs after the ack
    assert suspension(db) is None
    fake_slack.revoke()
    assert slack.event({"type": "app_uninstalled"}, event_id="Ev2").status == 200
    assert wait_until_suspended(db).reason == "app_uninstalled"  # this one, not the first


def test_posts_wait_while_uninstalled_and_go_out_after_a_verified_request(  # type: ignore[no-untyped-def]
    slack, db, fake_slack, outbox_loop: OutboxLoop
) -> None:
    fake_slack.add_channel(CHANNEL, "acme-onboarding")
    outbox_loop.sender.gate.min_probe_gap = timedelta(0)
    outbox_loop.stop()  # queued just before the uninstall, not yet sent
    now = datetime.now(UTC)
    queue(db, now, "celebration:1:kickoff:")
    fake_slack.revoke("token_revoked")  # what Slack answers once the app is uninstalled
    assert slack.event({"type": "app_uninstalled"}).status == 200
    wait_until_suspended(db)
    outbox_loop.start()
    queue(db, now, "celebration:1:golive:")  # queued while uninstalled
    assert outbox_loop.drain() and outbox_loop.drain()
    assert not fake_slack.calls_to("chat.postMessage")
    assert {c.method for c in fake_slack.calls} == {"auth.test"}  # the probe, nothing else
    for key in ("celebration:1:kickoff:", "celebration:1:golive:"):
        assert (row(db, key).status, row(db, key).attempts) == ("pending", 0)
    fake_slack.reinstate()  # the app is installed again
    assert slack.command("help").status == 200  # a verified request: the sender probes now
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL, count=2)
    assert len(posted(fake_slack)) == 2 and suspension(db) is None
