"""Message events over signed HTTP, as Slack sends them: who spoke when in the customer's
(Slack Connect) channel and the internal channel, never what; bots, joins and edits do not
count; deletions are forgotten."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.models import ConversationMessage, Onboarding, Stakeholder
from tests.slack.test_status_slack import onboard, reply
from tests.slack.test_timeline_slack import eventually

SHARED = "CSHARED"
INTERNAL = "GINTERNAL"
THEIRS = "T0THEIRS"
SECRET = "our SAP password is hunter2"
_clock = itertools.count(1)


def ts() -> str:
    """A message ts a little later than the last one (Slack's are unique per channel)."""
    return f"{int(time.time()) - 3600 + next(_clock)}.{next(_clock):06d}"


def message(channel: str, user: str, *, team: str | None = None, **extra: Any) -> dict:
    """A message event as Slack sends it; a Slack Connect partner's carries its own team."""
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": SECRET,
        "ts": extra.pop("ts", None) or ts(),
        "channel_type": "channel" if channel.startswith("C") else "group",
        "client_msg_id": f"m-{next(_clock)}",
    }
    if team:
        event.update(team=team, user_team=team, source_team=team)
    event.update(extra)
    return event


def stored(db) -> list[ConversationMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(
            session.scalars(select(ConversationMessage).order_by(ConversationMessage.sent_at))
        )


def stored_ts(db, *expected: str) -> list[ConversationMessage]:  # type: ignore[no-untyped-def]
    """Wait until exactly `expected` are stored (listeners run after the ack)."""
    return eventually(
        lambda: (rows := stored(db)) and {r.ts for r in rows} == set(expected) and rows
    )


@pytest.fixture
def linked(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    """Acme Manufacturing: a Slack Connect customer channel and a private internal channel."""
    onboard(slack, fake_slack)
    fake_slack.add_channel(SHARED, "acme-shared", is_ext_shared=True)
    fake_slack.add_user("UDANA", real_name="Dana Whitfield", team_id=THEIRS)
    with db.session() as session:
        session.execute(
            update(Onboarding).values(customer_channel_id=SHARED, internal_channel_id=INTERNAL)
        )
        session.commit()


def send(slack, event: dict, **envelope: Any) -> None:  # type: ignore[no-untyped-def]
    response = slack.event(event, **envelope)
    assert response.status == 200


def test_a_customer_question_and_our_thread_reply(slack, fake_slack, db, linked) -> None:  # type: ignore[no-untyped-def]
    question = message(SHARED, "UDANA", team=THEIRS)
    send(slack, question, is_ext_shared_channel=True)
    [row] = stored_ts(db, question["ts"])
    assert (row.side, row.kind, row.thread_ts, row.answered_at) == (
        "customer",
        "question",
        None,
        None,
    )
    answer = message(SHARED, "UCSM", thread_ts=question["ts"], parent_user_id="UDANA")
    send(slack, answer, is_ext_shared_channel=True)
    first, second = stored_ts(db, question["ts"], answer["ts"])
    assert first.answered_at == second.sent_at
    assert (second.side, second.kind, second.thread_ts) == ("team", "reply", question["ts"])
    assert second.answers_at == first.sent_at
    # Answered, Dana writes again: a new question, not a slow reply to our answer.
    again = message(SHARED, "UDANA", team=THEIRS)
    send(slack, again, is_ext_shared_channel=True)
    rows = stored_ts(db, question["ts"], answer["ts"], again["ts"])
    assert (rows[2].kind, rows[2].answers_at, rows[2].answered_at) == ("question", None, None)
    # Metadata only: the text is nowhere, and no column could hold it.
    assert "text" not in ConversationMessage.__table__.columns
    assert not any(SECRET in str(vars(r)) for r in stored(db))
    # The partner's team in the payload says enough: Slack is not asked who Dana is.
    assert all(c.params.get("user") != "UDANA" for c in fake_slack.calls_to("users.info"))


def test_the_customer_answering_us_is_a_reply_and_a_later_question_waits(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    ours = message(SHARED, "UCSM")
    send(slack, ours)
    stored_ts(db, ours["ts"])
    theirs = message(SHARED, "UDANA", team=THEIRS)  # at the top level: answers us
    send(slack, theirs)
    rows = stored_ts(db, ours["ts"], theirs["ts"])
    assert [(r.side, r.kind) for r in rows] == [("team", "question"), ("customer", "reply")]
    assert rows[1].answers_at == rows[0].sent_at
    other_thread = message(SHARED, "UCSM", thread_ts=ours["ts"])  # in another thread
    follow_up = message(SHARED, "UDANA", team=THEIRS, thread_ts=theirs["ts"])
    send(slack, follow_up)
    stored_ts(db, ours["ts"], theirs["ts"], follow_up["ts"])
    send(slack, other_thread)
    rows = stored_ts(db, ours["ts"], theirs["ts"], follow_up["ts"], other_thread["ts"])
    waiting = [r for r in rows if r.side == "customer" and r.answered_at is None]
    assert [r.ts for r in waiting] == [theirs["ts"], follow_up["ts"]]  # another thread: no answer


def test_bots_joins_and_edits_do_not_count_and_deletions_are_forgotten(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    kept = message(SHARED, "UDANA", team=THEIRS)
    gone = message(SHARED, "UDANA", team=THEIRS)
    send(slack, kept)
    send(slack, gone)
    stored_ts(db, kept["ts"], gone["ts"])
    for event in (
        message(SHARED, "UBOT", subtype="bot_message", bot_id="B0THEIRS"),
        message(SHARED, "UONBOARD", bot_id="B0ONBOARD", app_id="A0ONBOARD"),  # an app's post
        message(SHARED, "UCSM", subtype="channel_join", text="<@UCSM> has joined the channel"),
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": SHARED,
            "ts": ts(),
            "message": {"type": "message", "user": "UCSM", "text": "edited", "ts": kept["ts"]},
            "previous_message": {"type": "message", "user": "UCSM", "ts": kept["ts"]},
        },
    ):
        send(slack, event)
    send(
        slack,
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": SHARED,
            "ts": ts(),
            "deleted_ts": gone["ts"],
            "previous_message": {"type": "message", "user": "UDANA", "ts": gone["ts"]},
        },
    )
    [row] = stored_ts(db, kept["ts"])
    later = message(SHARED, "UDANA", team=THEIRS)  # after all of the above: they are done
    send(slack, later)
    rows = stored_ts(db, kept["ts"], later["ts"])
    assert [r.side for r in rows] == ["customer", "customer"] and row.answered_at is None


def test_internal_channel_guests_and_stakeholders_and_retries(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    fake_slack.add_user("UGUEST", real_name="Pat Guest", is_restricted=True)
    fake_slack.add_user("USTAKE", real_name="Priya Plant")
    with db.session() as session:
        onboarding_id = session.scalar(select(Onboarding.id))
        session.add(
            Stakeholder(
                onboarding_id=onboarding_id, name="Priya", role="champion", slack_user_id="USTAKE"
            )
        )
        session.commit()
    ours = message(INTERNAL, "UCSM")
    guest = message(INTERNAL, "UGUEST")
    stakeholder = message(INTERNAL, "USTAKE")
    for event in (ours, guest, stakeholder):
        send(slack, event)
    send(slack, ours, event_id="EvRETRY1")  # Slack retrying: stored once
    send(slack, ours, event_id="EvRETRY2")
    rows = stored_ts(db, ours["ts"], guest["ts"], stakeholder["ts"])
    assert {r.ts: r.side for r in rows} == {
        ours["ts"]: "team",
        guest["ts"]: "customer",
        stakeholder["ts"]: "customer",
    }
    assert all(r.channel_id == INTERNAL for r in rows)


def test_a_late_question_is_marked_answered_by_the_reply_already_stored(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    question_ts, answer_ts = ts(), ts()
    send(slack, message(SHARED, "UCSM", ts=answer_ts, thread_ts=question_ts))
    stored_ts(db, answer_ts)
    send(slack, message(SHARED, "UDANA", team=THEIRS, ts=question_ts))
    rows = stored_ts(db, question_ts, answer_ts)
    assert rows[0].ts == question_ts and rows[0].answered_at == rows[1].sent_at


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message"},
        {"type": "message", "channel": SHARED, "user": "UDANA", "ts": 1700000000.5},
        {"type": "message", "channel": SHARED, "user": {"id": "UDANA"}, "ts": "1700000000.1"},
        {"type": "message", "channel": [SHARED], "user": "UDANA", "ts": "1700000000.1"},
        {"type": "message", "channel": SHARED, "user": "UDANA", "ts": "yesterday"},
        {"type": "message", "subtype": "message_deleted", "channel": SHARED, "deleted_ts": 5},
        {"type": "message", "channel": SHARED, "user": "UDANA", "ts": "1.1.1", "thread_ts": {}},
    ],
)
def test_odd_payloads_are_acknowledged_and_ignored(slack, fake_slack, db, linked, event) -> None:  # type: ignore[no-untyped-def]
    send(slack, event)
    sentinel = message(SHARED, "UDANA", team=THEIRS)
    send(slack, sentinel)
    assert [r.ts for r in stored_ts(db, sentinel["ts"])] == [sentinel["ts"]]


def test_a_channel_of_no_onboarding_stores_nothing_and_asks_slack_nothing(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    send(slack, message("C0GENERAL", "UOTHER"))
    sentinel = message(SHARED, "UDANA", team=THEIRS)
    send(slack, sentinel)
    stored_ts(db, sentinel["ts"])
    assert all(c.params.get("user") != "UOTHER" for c in fake_slack.calls_to("users.info"))


def test_the_status_card_shows_the_last_customer_message_and_who_waits(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, linked
) -> None:
    question = message(SHARED, "UDANA", team=THEIRS)
    send(slack, question)
    [row] = stored_ts(db, question["ts"])
    slack.command("status acme", user_id="UOTHER")
    card = json.dumps(reply(fake_slack, "Last customer message"))
    asked = int(row.sent_at.timestamp())
    assert f"*Last customer message* <!date^{asked}^" in card
    assert f"waiting on us since* <!date^{asked}^" in card and SECRET not in card
    answer = message(SHARED, "UCSM", thread_ts=question["ts"])
    send(slack, answer)
    eventually(lambda: [r for r in stored(db) if r.answered_at])
    slack.command("status acme", user_id="UCSM")
    cards = fake_slack.wait_for_response(
        lambda r: "Last customer message" in json.dumps(r), count=2
    )
    assert "waiting on us" not in json.dumps(cards[-1])
    # Shared with the customer: the card keeps it out.
    slack.command("status acme share", user_id="UCSM", channel_id=SHARED)
    shared = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == SHARED)[0]
    assert "Milestones" in json.dumps(shared.params)
    assert "customer message" not in json.dumps(shared.params)
