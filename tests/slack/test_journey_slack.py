"""The journey over the real sender and signed HTTP against the fake Slack: a step delivered to
the shared customer channel, its "Need help?" clicked by the customer's (external) user pages
the CSM and thanks the clicker, who is still refused on every other button.

Job clocks are in 2027 so the `slack` fixture's background sender (real clock) leaves the steps
to the explicit delivery at the job's own time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.models import ActivityEntry
from bot.slack.guard import REFUSAL, is_customer_entry_point
from bot.slack.sender import OutboxSender
from jobs.context import JobContext
from jobs.journey import run_journey
from tests.factories import handoff_form
from tests.services.test_handoff_service import submit

CHANNEL = "C0SHOP"
EXTERNAL, THEIR_TEAM = "UEXT1", "T0THEIRS"
START = date(2027, 3, 1)  # a Monday
NINE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # ONBOARD_TIMEZONE is UTC in the tests


def shop(session, playbooks):  # type: ignore[no-untyped-def]
    form = handoff_form(
        company_name="Corner Shop", arr="$15K", start_date=START, customer_channel_id=CHANNEL
    )
    return submit(session, playbooks, form, view_id=None, now=datetime(2027, 3, 1, 8, tzinfo=UTC))


def deliver_welcome(settings, db, playbooks, fake_slack) -> dict:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "corner-shop", is_ext_shared=True)
    fake_slack.add_user(EXTERNAL, name="kim", real_name="Kim Customer", team_id=THEIR_TEAM)
    result = run_journey(JobContext(settings, db, playbooks, NINE))
    assert len(result.queued) == 1, result
    report = OutboxSender(db, None, settings, owner="test").deliver_due(now=NINE)
    [message] = [m for m in fake_slack.messages_in(CHANNEL) if "Welcome aboard" in m["text"]]
    return message | {"report": str(report)}


def help_button(message: dict) -> dict:  # type: ignore[type-arg]
    return next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "journey-help"
    )


def test_step_delivered_once_with_the_need_help_button(  # type: ignore[no-untyped-def]
    slack, fake_slack, settings, db, playbooks, session
) -> None:
    shop(session, playbooks)
    message = deliver_welcome(settings, db, playbooks, fake_slack)
    run_journey(JobContext(settings, db, playbooks, NINE.replace(hour=15)))
    OutboxSender(db, None, settings, owner="test").deliver_due(now=NINE.replace(hour=15))
    posts = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL
    ]
    assert len(posts) == 1, message["report"]
    assert "Welcome aboard, Corner Shop!" in message["text"]
    assert help_button(message)["text"]["text"] == "Need help?"
    assert "$15K" not in json.dumps(posts[0].params)  # nothing internal in the customer channel


def test_need_help_from_the_customer_pages_the_csm_and_thanks_them(  # type: ignore[no-untyped-def]
    slack, fake_slack, settings, db, playbooks, session
) -> None:
    onboarding = shop(session, playbooks)
    message = deliver_welcome(settings, db, playbooks, fake_slack)
    button = help_button(message)
    for _ in range(2):  # clicked twice: one page, two thank-yous
        response = slack.block_action(
            button["action_id"], button["value"], user_id=EXTERNAL, user_team_id=THEIR_TEAM,
            channel_id=CHANNEL, message_ts=message["ts"], block_id="journey-step",
        )  # fmt: skip
        assert response.status == 200
    thanks = fake_slack.wait_for_response(lambda r: "has been told" in json.dumps(r), count=2)
    assert thanks[0]["text"] == "Thanks — <@UCSM> has been told and will reach out."
    assert thanks[0]["response_type"] == "ephemeral"
    [page] = fake_slack.wait_for("chat.postMessage", lambda p: "asked for help" in json.dumps(p))
    page_text = json.dumps(page.params)
    assert page.params["channel"] != CHANNEL  # the CSM's DM
    assert f"<@{EXTERNAL}> in <#{CHANNEL}> asked for help on *Corner Shop* (step: welcome)" in (
        page_text
    )
    assert "Open the message" in page_text
    with db.session() as other:
        [entry] = other.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "journey_help")
        ).all()
        assert (entry.onboarding_id, entry.actor_user_id) == (onboarding.id, EXTERNAL)
    assert len([c for c in fake_slack.calls_to("chat.postMessage")
                if "asked for help" in json.dumps(c.params)]) == 1  # fmt: skip


def test_the_customer_is_still_refused_on_every_other_button(  # type: ignore[no-untyped-def]
    slack, fake_slack, settings, db, playbooks, session
) -> None:
    onboarding = shop(session, playbooks)
    deliver_welcome(settings, db, playbooks, fake_slack)
    for action_id in ("status-open", "status-add-blocker", "alert-acknowledge"):
        before = len(fake_slack.calls)
        slack.block_action(
            action_id, str(onboarding.id), channel_id=CHANNEL,
            user_id=EXTERNAL, user_team_id=THEIR_TEAM,
        )  # fmt: skip
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=before)
        told = fake_slack.calls[before:]
        assert {c.method for c in told} <= {"auth.test", "users.info", "chat.postEphemeral"}
    # A request mixing the help button with another action is not a customer entry point.
    mixed = {"type": "block_actions",
             "actions": [{"action_id": "journey-help"}, {"action_id": "status-open"}]}  # fmt: skip
    assert is_customer_entry_point({"type": "block_actions",
                                    "actions": [{"action_id": "journey-help"}]})  # fmt: skip
    assert not is_customer_entry_point(mixed)
