"""The conversation timeline over signed HTTP: :pushpin: in a linked channel pins a message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.models import ActivityEntry, Onboarding
from tests.slack.test_status_slack import onboard, reply

CHANNEL = "CACME"
DECISION = "Decision: we go with <SSO> via Okta & SAML, not *passwords*"


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy (listeners run after the ack)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out waiting for the listener"
        time.sleep(0.02)
    return result


def pinned(db) -> list[ActivityEntry]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(
            session.scalars(select(ActivityEntry).where(ActivityEntry.message_ts.is_not(None)))
        )


def pin_event(kind: str, ts: str, user: str = "UCSM", reaction: str = "pushpin") -> dict:
    return {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item_user": "UCUSTOMER",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
    }


@pytest.fixture
def linked(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    """Acme Manufacturing, with CACME as its customer channel."""
    onboard(slack, fake_slack)
    fake_slack.add_channel(CHANNEL, "acme-team")
    fake_slack.add_user("UCUSTOMER", real_name="Dana Whitfield")
    with db.session() as session:
        session.execute(update(Onboarding).values(customer_channel_id=CHANNEL))
        session.commit()


def test_pushpin_adds_the_message_and_status_shows_it(slack, fake_slack, db, linked) -> None:  # type: ignore[no-untyped-def]
    message = fake_slack.add_message(CHANNEL, "earlier message", user="UCUSTOMER")
    message = fake_slack.add_message(CHANNEL, DECISION, user="UCUSTOMER")
    fake_slack.add_message(CHANNEL, "later message", user="UCSM")
    slack.event(pin_event("reaction_added", message["ts"]))
    [entry] = eventually(lambda: pinned(db))
    assert entry.detail == DECISION  # stored raw
    assert entry.actor_user_id == "UCSM" and entry.data["author"] == "UCUSTOMER"
    assert entry.data["permalink"].startswith("https://") and entry.message_channel == CHANNEL
    slack.command("status acme", user_id="UOTHER")
    card = json.dumps(reply(fake_slack, "Timeline"))
    assert "we go with &lt;SSO&gt; via Okta &amp; SAML" in card
    assert entry.data["permalink"] in card and "<@UCUSTOMER>" in card
    assert "later message" not in card and "earlier message" not in card


def test_a_second_pushpin_adds_nothing_and_the_last_removal_takes_it_out(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    ts = fake_slack.add_message(CHANNEL, DECISION, user="UCUSTOMER")["ts"]
    slack.event(pin_event("reaction_added", ts, user="UCSM"))
    eventually(lambda: pinned(db))
    slack.event(pin_event("reaction_added", ts, user="UAE"))
    slack.event(pin_event("reaction_added", ts, user="UAE"))  # Slack retrying the event
    entry = eventually(lambda: [e for e in pinned(db) if e.data["pinned_by"] == ["UCSM", "UAE"]])
    assert len(pinned(db)) == 1 and len(fake_slack.calls_to("chat.getPermalink")) == 1
    slack.event(pin_event("reaction_removed", ts, user="UCSM"))
    eventually(lambda: [e for e in pinned(db) if e.data["pinned_by"] == ["UAE"]])
    assert [e.id for e in pinned(db)] == [entry[0].id]
    slack.event(pin_event("reaction_removed", ts, user="UAE"))
    eventually(lambda: not pinned(db))


def test_a_thread_reply_is_read_with_conversations_replies(slack, fake_slack, db, linked) -> None:  # type: ignore[no-untyped-def]
    parent = fake_slack.add_message(CHANNEL, "Which SSO?", user="UCSM")
    answer = fake_slack.add_message(
        CHANNEL, "Okta, decided with IT", user="UCUSTOMER", thread_ts=parent["ts"]
    )
    slack.event(pin_event("reaction_added", answer["ts"]))
    [entry] = eventually(lambda: pinned(db))
    assert entry.detail == "Okta, decided with IT" and entry.message_ts == answer["ts"]
    assert f"thread_ts={parent['ts']}" in entry.data["permalink"]
    fake_slack.wait_for("conversations.replies", lambda p: p["ts"] == answer["ts"])


@pytest.mark.parametrize(
    "who",
    [
        {"user_id": "UEXT", "team_id": "T0THEIRS"},
        {"user_id": "UGUEST", "is_restricted": True},
    ],
)
def test_pushpins_from_guests_and_other_organisations_are_ignored(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked, who
) -> None:
    fake_slack.add_user(
        who["user_id"], team_id=who.get("team_id"), is_restricted=who.get("is_restricted", False)
    )
    theirs = fake_slack.add_message(CHANNEL, "pinned by them", user="UCUSTOMER")["ts"]
    ours = fake_slack.add_message(CHANNEL, "pinned by us", user="UCUSTOMER")["ts"]
    slack.event(pin_event("reaction_added", theirs, user=who["user_id"]))
    slack.event(pin_event("reaction_added", ours, user="UCSM"))
    [entry] = eventually(lambda: pinned(db))
    assert entry.detail == "pinned by us"
    assert all(
        c.params.get("latest") != theirs for c in fake_slack.calls_to("conversations.history")
    )
