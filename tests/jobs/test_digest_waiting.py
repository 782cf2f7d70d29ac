"""The Monday digest lists the threads where customers wait on us, oldest first, each linked
with chat.getPermalink when the sender sends it (never when the job queues it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.models import Onboarding
from bot.services.conversations import ChannelMessage, record_message
from bot.slack.sender import OutboxSender
from bot.slack.user_zones import forget_zones
from tests.jobs.test_digest import MONDAY_0900, NY, run
from tests.jobs.test_plan import acme

CHANNEL = "CACMESHARED"


@pytest.fixture
def ny(settings):  # type: ignore[no-untyped-def]
    return replace(settings, timezone=NY)


@pytest.fixture(autouse=True)
def fresh_zones() -> Iterator[None]:
    forget_zones()
    yield
    forget_zones()


def said(fake_slack, session, at: datetime, *, outside: bool, **thread) -> str:  # type: ignore[no-untyped-def]
    """A message in Slack (the fake keeps it) and, as the event listener would, its metadata."""
    posted = fake_slack.add_message(
        CHANNEL,
        "never stored",
        user="UDANA" if outside else "UCSM",
        ts=f"{at.timestamp():.6f}",
        **thread,
    )
    record_message(
        session,
        ChannelMessage(
            CHANNEL, posted["ts"], thread.get("thread_ts"), "U", at, from_outside=outside
        ),
    )
    return posted["ts"]


def test_waiting_threads_are_linked_at_send_time(session, db, ny, playbooks, fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-shared", is_ext_shared=True)
    acme(session, playbooks)
    session.execute(update(Onboarding).values(customer_channel_id=CHANNEL))
    friday = MONDAY_0900 - timedelta(days=3)
    first = said(fake_slack, session, friday, outside=True)
    said(
        fake_slack,
        session,
        friday + timedelta(minutes=5),
        outside=True,
        thread_ts=first,
    )
    answered = said(fake_slack, session, friday + timedelta(hours=1), outside=True)
    said(
        fake_slack,
        session,
        friday + timedelta(hours=2),
        outside=False,
        thread_ts=answered,
    )
    later = said(fake_slack, session, friday + timedelta(hours=3), outside=True)
    session.commit()
    run(ny, db, playbooks, MONDAY_0900)
    assert not fake_slack.calls_to("chat.getPermalink")  # the job asks Slack nothing
    OutboxSender(db, None, ny, owner="test", timeout=5).deliver_due(now=MONDAY_0900)
    [dm] = [
        c for c in fake_slack.calls_to("chat.postMessage") if "Your week" in json.dumps(c.params)
    ]
    blocks = json.dumps(dm.params["blocks"])
    assert "Customers waiting on us" in blocks and "never stored" not in blocks
    links = [c.params["message_ts"] for c in fake_slack.calls_to("chat.getPermalink")]
    assert links == [first, later]  # one per waiting thread (its first message), oldest first
    digits = first.replace(".", "")
    assert f"/archives/{CHANNEL}/p{digits}|open the thread>" in blocks
    assert f"<!date^{int(friday.timestamp())}^" in blocks


def test_a_message_slack_cannot_link_is_listed_without_its_link(
    session, db, ny, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-shared", is_ext_shared=True)
    acme(session, playbooks)
    session.execute(update(Onboarding).values(customer_channel_id=CHANNEL))
    said(fake_slack, session, MONDAY_0900 - timedelta(days=1), outside=True)
    session.commit()
    run(ny, db, playbooks, MONDAY_0900)
    fake_slack.fail("chat.getPermalink", "message_not_found")
    OutboxSender(db, None, ny, owner="test", timeout=5).deliver_due(now=MONDAY_0900)
    [dm] = [
        c for c in fake_slack.calls_to("chat.postMessage") if "Your week" in json.dumps(c.params)
    ]
    blocks = json.dumps(dm.params["blocks"])
    assert "Customers waiting on us" in blocks and "open the thread" not in blocks
