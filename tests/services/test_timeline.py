"""The conversation timeline at the service level, and how the status card shows it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import ActivityEntry, Onboarding
from bot.services.status import TIMELINE_MAX, load_status
from bot.services.timeline import (
    PinnedMessage,
    PinReaction,
    message_wanted,
    pin_message,
    unpin_message,
)
from bot.slack.status_views import build_status_blocks
from bot.slack.timeline import pin_reaction
from tests.services.test_lookup import NOW, TODAY, make_onboarding

CHANNEL = "CACME"


@pytest.fixture
def acme(session, playbooks) -> Onboarding:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, "Acme Manufacturing")
    onboarding.internal_channel_id = CHANNEL
    session.commit()
    return onboarding


def message(ts: str, text: str = "We go with Okta") -> PinnedMessage:
    return PinnedMessage(
        CHANNEL, ts, text, "UCUSTOMER", f"https://x.slack.com/archives/{CHANNEL}/p{ts}"
    )


def pin(session, ts: str, user: str = "UCSM", text: str = "We go with Okta", minutes: int = 0):  # type: ignore[no-untyped-def]
    """Pin as the edge does: the message is read from Slack only when wanted (`calls`)."""
    reaction = PinReaction(CHANNEL, ts, user)
    calls = [ts] if message_wanted(session, reaction) else []
    pinned = message(ts, text) if calls else None
    added = pin_message(session, reaction, pinned, now=NOW + timedelta(minutes=minutes))
    return added, calls


def entries(session) -> list[ActivityEntry]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(ActivityEntry).where(ActivityEntry.message_ts.is_not(None))))


def test_only_a_pushpin_on_a_message_counts() -> None:
    event = {
        "type": "reaction_added",
        "user": "U1",
        "reaction": "pushpin",
        "item": {"type": "message", "channel": "C1", "ts": "1.2"},
    }
    assert pin_reaction(event) == PinReaction("C1", "1.2", "U1")
    assert pin_reaction({**event, "reaction": "thumbsup"}) is None
    assert pin_reaction({**event, "item": {"type": "file", "file": "F1"}}) is None


def test_an_unlinked_channel_asks_slack_nothing(session, acme) -> None:  # type: ignore[no-untyped-def]
    reaction = PinReaction("CELSEWHERE", "1.1", "UCSM")
    assert not message_wanted(session, reaction)
    assert pin_message(session, reaction, None, now=NOW) == [] and entries(session) == []


def test_a_message_slack_cannot_show_is_not_pinned(session, acme) -> None:  # type: ignore[no-untyped-def]
    assert pin_message(session, PinReaction(CHANNEL, "1.1", "UCSM"), None, now=NOW) == []
    assert entries(session) == []


def test_pins_are_counted_per_person_and_the_last_unpin_removes(session, acme) -> None:  # type: ignore[no-untyped-def]
    assert pin(session, "1.1") == ([acme.id], ["1.1"])
    assert pin(session, "1.1") == ([], [])  # the same event again: no entry, no Slack call
    assert pin(session, "1.1", user="UAE") == ([], [])
    [entry] = entries(session)
    assert entry.data["pinned_by"] == ["UCSM", "UAE"] and entry.action == "message_pinned"
    assert unpin_message(session, PinReaction(CHANNEL, "1.1", "UCSM"), now=NOW) == []
    assert unpin_message(session, PinReaction(CHANNEL, "1.1", "UAE"), now=NOW) == [acme.id]
    assert entries(session) == []


def test_a_closed_onboarding_takes_no_pins(session, acme) -> None:  # type: ignore[no-untyped-def]
    acme.status = "closed"
    session.commit()
    assert pin(session, "1.1") == ([], [])


def test_status_shows_the_latest_pins_escaped_and_internal_only(session, acme) -> None:  # type: ignore[no-untyped-def]
    for i in range(TIMELINE_MAX + 2):
        pin(session, f"1.{i}", text=f"decision {i}", minutes=i)
    pin(session, "2.0", text="<!channel> & <@U123> " + "x" * 5000, minutes=30)
    session.expire_all()
    card = load_status(session, acme.id, TODAY)
    assert len(card.timeline) == TIMELINE_MAX and card.timeline[0].text.startswith("<!channel>")
    assert [t.text for t in card.timeline[1:]] == [
        "decision 6",
        "decision 5",
        "decision 4",
        "decision 3",
    ]
    assert all(a.detail != "decision 6" for a in card.activity)
    inside = json.dumps(build_status_blocks(card))
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in inside and "<!channel>" not in inside
    assert "x" * 400 not in inside and "decision 2" not in inside
    assert "decision" not in json.dumps(build_status_blocks(card, internal=False))
