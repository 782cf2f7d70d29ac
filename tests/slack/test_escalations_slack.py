"""Escalations end to end: the `escalations` job finds a red health check, the outbox sender
delivers it to CS leadership (each admin's DM, or the escalation channel) and never to the CSM
it is about, and the Acknowledge button over signed HTTP: an admin's click edits every copy in
place, anyone else's is refused ephemerally, a second click changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Escalation, HealthCheck
from bot.slack.ids import EscalationId
from jobs.context import JobContext
from jobs.escalations import run_escalations
from tests.factories import CSM, open_onboarding


def red_check(session, playbooks) -> int:  # type: ignore[no-untyped-def]
    onboarding_id = open_onboarding(session, playbooks, "Acme <&> Co")
    session.add(
        HealthCheck(
            onboarding_id=onboarding_id,
            checked_at=datetime.now(UTC) - timedelta(hours=1),
            checked_by=CSM,
            no_count=4,
            score=38,
            status="critical",
        )
    )
    session.commit()
    return onboarding_id


def run_job(settings, db, playbooks):  # type: ignore[no-untyped-def]
    ctx = JobContext(settings=settings, db=db, playbooks=playbooks, now=datetime.now(UTC))
    return run_escalations(ctx)


def button(message: dict) -> dict:
    return next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == EscalationId.ACKNOWLEDGE
    )


def click(slack, message: dict, channel: str, user: str, ack: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    """`user` clicks Acknowledge on `message` (`ack`: the button as first posted)."""
    ack = ack or button(message)
    slack.block_action(
        ack["action_id"], ack["value"], user_id=user, channel_id=channel, message_ts=message["ts"]
    )


def delivered(fake_slack, channel: str) -> dict:  # type: ignore[no-untyped-def]
    fake_slack.wait_for("chat.postMessage", lambda p: p.get("channel") in {channel, channel[1:]})
    [message] = fake_slack.messages_in(channel)
    return message


def test_the_escalation_reaches_the_admins_not_the_csm_and_one_acknowledges_for_all(
    slack, db, settings, playbooks, fake_slack, session
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_user("UVP", name="vp", real_name="Val VP")
    # The job's admins; the app's (which judge the click) are the fixture's UADMIN.
    settings = replace(settings, admin_user_ids=frozenset({"UADMIN", "UVP", CSM}))
    red_check(session, playbooks)
    assert len(run_job(settings, db, playbooks).queued) == 1
    admin = delivered(fake_slack, "DUADMIN")
    assert "Health check red" in json.dumps(delivered(fake_slack, "DUVP")["blocks"])
    assert fake_slack.messages_in(f"D{CSM}") == []  # the CSM is an admin too, yet not told
    text = json.dumps(admin["blocks"])
    assert "Escalation: Acme &lt;&amp;&gt; Co" in text and "4 NO answers" in text
    assert "Told: <@UADMIN>, <@UVP>" in text and "Hold an escalation meeting with <@UCSM>" in text

    click(slack, admin, "DUADMIN", "UADMIN")
    updates = fake_slack.wait_for("chat.update", count=2)  # both leaders' copies
    assert {u.params["channel"] for u in updates} == {"DUADMIN", "DUVP"}
    for update in updates:
        blocks = json.dumps(update.params["blocks"])
        assert "Acknowledged by <@UADMIN>" in blocks and EscalationId.ACKNOWLEDGE not in blocks
    with db.session() as s:
        stored = s.scalars(select(Escalation)).one()
        assert stored.acknowledged_by == "UADMIN" and stored.told == ["UADMIN", "UVP"]

    # Told once: the next tick finds nothing new.
    assert run_job(settings, db, playbooks).queued == []


def test_a_non_admin_is_refused_and_a_second_click_changes_nothing(
    slack, db, settings, playbooks, fake_slack, session
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CLEADERS", "cs-leadership", is_private=True)
    settings = replace(settings, escalation_channel_id="CLEADERS")
    red_check(session, playbooks)
    run_job(settings, db, playbooks)
    message = delivered(fake_slack, "CLEADERS")
    assert fake_slack.messages_in("DUADMIN") == []  # the channel is leadership
    assert "Told: <#CLEADERS>" in json.dumps(message["blocks"])

    for user in (CSM, "UOTHER"):
        click(slack, message, "CLEADERS", user)
    fake_slack.wait_for_response(lambda r: "Only an Onboard admin" in json.dumps(r), count=2)
    assert fake_slack.calls_to("chat.update") == []
    with db.session() as s:
        assert s.scalars(select(Escalation)).one().acknowledged_at is None

    first = button(message)
    click(slack, message, "CLEADERS", "UADMIN")
    fake_slack.wait_for("chat.update", lambda p: "Acknowledged by" in json.dumps(p["blocks"]))
    click(slack, message, "CLEADERS", "UADMIN", first)  # a double click, or Slack sending it again
    fake_slack.wait_for_response(lambda r: "already acknowledged" in json.dumps(r))
    assert len(fake_slack.calls_to("chat.update")) == 1
