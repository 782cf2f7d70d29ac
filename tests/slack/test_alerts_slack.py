"""The stall-alert job end to end: bookkeeping, routing and grouping through the outbox, the
sender delivering to the fake Slack, and the alert's buttons over signed HTTP.

Job clocks are in 2027 so the `slack` fixture's background sender (which runs on the real
clock) leaves these posts to the explicit `deliver()` at the job's own time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.models import (
    ActivityEntry,
    AlertState,
    Blocker,
    HealthCheck,
    Milestone,
    Onboarding,
    OutboxMessage,
)
from bot.models import Stakeholder as StakeholderModel
from bot.slack.channel_privacy import forget_privacy
from bot.slack.ids import AlertId, StatusId
from bot.slack.renderers import render_post
from jobs.context import JobContext
from jobs.stall_alerts import stall_alerts

MONDAY = date(2027, 3, 1)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.fixture(autouse=True)
def _fresh_privacy() -> Iterator[None]:
    forget_privacy()  # channel flags change from test to test
    yield
    forget_privacy()


def bare(session, name: str = "Bare Co", *, blockers: int = 0, **fields) -> Onboarding:  # type: ignore[no-untyped-def]
    """An onboarding with two stakeholders, no milestone and a healthy weekly check dated ahead of
    every test moment: no signal unless a test adds one."""
    values = {
        "company_name": name,
        "company_key": name.lower(),
        "arr": Decimal(95000),
        "start_date": MONDAY,
        "segment": "Mid-Market",
        "playbook": "mid_market",
        "csm_user_id": "UCSM",
        "ae_user_id": "UAE",
        "created_by": "UAE",
        "created_at": at(MONDAY),
        "last_activity_at": at(date(2027, 12, 31)),
    }
    values.update(fields)
    onboarding = Onboarding(**values)
    onboarding.stakeholders = [
        StakeholderModel(name="Priya", role="champion"),
        StakeholderModel(name="Marcus", role="technical_lead"),
    ]
    onboarding.health_checks = [
        HealthCheck(
            checked_at=at(date(2027, 12, 31)), checked_by="UCSM", score=90, status="healthy"
        )
    ]
    onboarding.blockers = [
        Blocker(
            reason=f"Waiting on <SSO> & IT #{i}",
            owner_user_id="UIT",
            opened_at=at(MONDAY - timedelta(days=7)),
            opened_by="UCSM",
        )
        for i in range(blockers)
    ]
    session.add(onboarding)
    session.commit()
    return onboarding


def late_milestone(session, onboarding: Onboarding, due: date, name: str = "Training") -> None:  # type: ignore[no-untyped-def]
    session.add(
        Milestone(
            onboarding_id=onboarding.id,
            position=1,
            key=name.lower(),
            name=name,
            phase_key="train",
            due_date=due,
        )
    )
    session.commit()


def run(settings, db, playbooks, now: datetime):  # type: ignore[no-untyped-def]
    return stall_alerts(JobContext(settings, db, playbooks, now))


def posts(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def states(db) -> list[AlertState]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(AlertState).order_by(AlertState.id)))


def text_of(post: OutboxMessage) -> str:
    rendered = render_post(post.kind, post.payload)
    return json.dumps({"text": rendered.text, "blocks": rendered.blocks}, ensure_ascii=False)


# ---- bookkeeping -------------------------------------------------------------------------------


def test_one_grouped_alert_per_onboarding_to_the_internal_channel(
    db, session, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    bare(session, "Acme", blockers=2, internal_channel_id="CINT")
    bare(session, "Beta", blockers=1, internal_channel_id="CBETA")
    result = run(settings, db, playbooks, at(day(1)))
    queued = posts(db)
    assert [p.channel for p in queued] == ["CINT", "CBETA"]
    acme = queued[0]
    assert acme.idempotency_key == f"alert:{acme.onboarding_id}:CINT:2027-03-02"
    assert text_of(acme).count("*Blocked* · medium") == 2
    assert "Waiting on &lt;SSO&gt; &amp; IT #0" in text_of(acme)
    assert acme.expires_at == at(day(2), 0)  # the end of its local day: never sent late
    assert result.queued == [p.idempotency_key for p in queued]
    assert all(s.notify_count == 1 for s in states(db)) and len(states(db)) == 3


def test_due_once_per_business_day_at_nine_local(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    bare(session, blockers=1, internal_channel_id="CINT", timezone="America/Los_Angeles")
    assert run(settings, db, playbooks, at(day(1), 16, 59)).queued == []  # 08:59 in LA
    assert run(settings, db, playbooks, at(day(1), 17)).queued  # 09:00 in LA
    assert run(settings, db, playbooks, at(day(1), 22)).queued == []  # the same day again
    assert run(settings, db, playbooks, at(day(5), 18)).queued == []  # Saturday
    assert len(posts(db)) == 1


def test_told_once_then_reminded_on_mondays(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    three = replace(settings, min_stakeholders=3)  # single-threaded: a signal with no measure
    bare(session, internal_channel_id="CINT")
    assert run(three, db, playbooks, at(day(1))).queued  # Tuesday: new
    for quiet in (2, 3, 4, 8, 9):  # never daily for the same fact
        assert run(three, db, playbooks, at(day(quiet))).queued == [], quiet
    for monday in (7, 14):
        reminder = run(three, db, playbooks, at(day(monday))).queued
        assert len(reminder) == 1 and "(reminder)" in text_of(posts(db)[-1])
    assert states(db)[0].notify_count == 3


def test_a_signal_told_on_friday_waits_for_the_monday_after_next(
    db, session, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    three = replace(settings, min_stakeholders=3)
    bare(session, internal_channel_id="CINT")
    assert run(three, db, playbooks, at(day(4))).queued  # Friday
    assert run(three, db, playbooks, at(day(7))).queued == []  # told 3 days ago
    assert run(three, db, playbooks, at(day(14))).queued


def test_a_worse_state_notifies_again_even_when_acknowledged(
    db, session, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = bare(session, internal_channel_id="CINT")
    late_milestone(session, onboarding, day(0))  # due Monday
    run(settings, db, playbooks, at(day(1)))  # Tuesday: delayed
    with db.session() as s:
        s.execute(AlertState.__table__.update().values(acknowledged_at=at(day(1), 10)))
        s.commit()
    assert run(settings, db, playbooks, at(day(3))).queued == []  # still delayed: quiet
    missed = run(settings, db, playbooks, at(day(4))).queued  # Friday: 4 days, missed
    assert len(missed) == 1 and "Milestone missed" in text_of(posts(db)[-1])
    [state] = states(db)
    assert state.acknowledged_at is None and state.notify_count == 2


def test_a_cleared_signal_stops_and_comes_back_as_new(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = bare(session, blockers=1, internal_channel_id="CINT")
    run(settings, db, playbooks, at(day(0)))
    blocker = session.scalars(select(Blocker)).one()
    blocker.resolved_at = at(day(0), 12)
    session.commit()
    assert run(settings, db, playbooks, at(day(1))).queued == []
    assert states(db)[0].cleared_at == at(day(1))
    assert run(settings, db, playbooks, at(day(7))).queued == []  # cleared: no reminders
    blocker.resolved_at = None
    session.commit()
    again = run(settings, db, playbooks, at(day(8)))
    assert len(again.queued) == 1 and states(db)[0].cleared_at is None
    assert onboarding.id == posts(db)[-1].onboarding_id


def test_snooze_is_respected_until_it_runs_out(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    three = replace(settings, min_stakeholders=3)
    bare(session, internal_channel_id="CINT")
    run(three, db, playbooks, at(day(-7)))
    with db.session() as s:
        s.execute(AlertState.__table__.update().values(snoozed_until=at(day(2), 0)))
        s.commit()
    assert run(three, db, playbooks, at(day(0))).queued == []  # Monday's reminder is snoozed
    after = run(three, db, playbooks, at(day(2)))
    assert len(after.queued) == 1 and "(snooze over)" in text_of(posts(db)[-1])


def test_closed_onboardings_stop(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = bare(session, blockers=1, internal_channel_id="CINT")
    run(settings, db, playbooks, at(day(0)))
    onboarding.status = "closed"
    session.commit()
    assert run(settings, db, playbooks, at(day(3))).queued == []
    assert states(db)[0].cleared_at == at(day(3))


def test_one_scan_per_time_zone_and_local_day(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    bare(session, blockers=1, internal_channel_id="CINT")
    bare(session, "Tokyo Co", blockers=1, internal_channel_id="CINT2", timezone="Asia/Tokyo")
    assert len(run(settings, db, playbooks, at(day(0))).queued) == 2  # 09:00 UTC, 18:00 Tokyo
    later = run(settings, db, playbooks, at(day(0), 15))
    assert later.queued == [] and later.skipped == ["every time zone due today has had its pass"]
    # Tuesday 09:05 in Tokyo is 00:05 UTC: Tokyo's pass runs (UTC's is not due before 09:00).
    tokyo = run(settings, db, playbooks, at(day(1), 0, 5))
    assert "every time zone due today has had its pass" not in tokyo.skipped
    assert run(settings, db, playbooks, at(day(1), 0, 10)).skipped == [
        "every time zone due today has had its pass"
    ]


# ---- routing -----------------------------------------------------------------------------------


def test_internal_customer_channel_gets_the_alert(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CCUST", "acme-team", is_ext_shared=False)
    bare(session, blockers=1, customer_channel_id="CCUST", internal_channel_id="CINT")
    run(settings, db, playbooks, at(day(0)))
    assert [p.channel for p in posts(db)] == ["CCUST"]


def test_shared_customer_channel_never_gets_it(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CEXT", "acme-shared", is_ext_shared=True)
    fake_slack.add_channel("CEXT2", "beta-shared", is_ext_shared=True)
    bare(session, "Acme", blockers=1, customer_channel_id="CEXT", internal_channel_id="CINT")
    bare(session, "Beta", blockers=1, customer_channel_id="CEXT2")  # no internal channel
    bare(session, "Gamma", blockers=1, customer_channel_id="CGONE")  # Slack cannot say
    run(settings, db, playbooks, at(day(0)))
    assert [p.channel for p in posts(db)] == ["CINT", "UCSM", "UCSM"]


def test_high_and_critical_go_to_the_team_only_never_as_copies(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    # Leadership hears of a signal when it escalates (tests/services/test_escalations.py), not
    # by a copy of each alert; the owner gets no second copy of what their channel says.
    fake_slack.add_channel("CESC", "cs-escalations", is_private=True)
    fake_slack.add_channel("CCUST", "acme-team")
    settings = replace(settings, escalation_channel_id="CESC")
    # The customer has not written in its channel since the handoff, 10 days ago (a high
    # signal, which replaces silence for an onboarding with a customer channel).
    bare(session, blockers=1, customer_channel_id="CCUST", created_at=at(day(-10)))
    run(settings, db, playbooks, at(day(0)))
    [post] = posts(db)
    assert post.channel == "CCUST"
    assert "Blocked" in text_of(post) and "Customer gone quiet" in text_of(post)


# ---- delivery and the buttons over signed HTTP -------------------------------------------------


def deliver(db, settings, now: datetime) -> None:  # type: ignore[no-untyped-def]
    sender = pytest.importorskip("bot.slack.sender")  # engineer A's sender
    sender.OutboxSender(db, None, settings, owner="alerts-test", timeout=5).deliver_due(now=now)


def posted_alert(slack, db, settings, playbooks, fake_slack, session, **fields):  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CINT", "onb-acme", is_private=True)
    onboarding = bare(session, "Acme <&> Co", blockers=2, internal_channel_id="CINT", **fields)
    run(settings, db, playbooks, at(day(0)))
    deliver(db, settings, at(day(0)))
    [message] = fake_slack.messages_in("CINT")
    return onboarding, message


def button(message: dict, action_id: str) -> dict:
    return next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def test_alert_is_delivered_within_block_kit_limits(
    slack, db, settings, playbooks, fake_slack, session
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CINT", "onb-big", is_private=True)
    bare(session, "Big <Co>", blockers=80, internal_channel_id="CINT")
    run(settings, db, playbooks, at(day(0)))
    deliver(db, settings, at(day(0)))
    [message] = fake_slack.messages_in("CINT")
    assert len(message["blocks"]) == 50  # and the fake accepted it (no invalid payloads)
    assert "Big &lt;Co&gt;" in json.dumps(message["blocks"][0])
    assert "more signals" in json.dumps(message["blocks"])
    assert {e["action_id"] for e in message["blocks"][-2]["elements"]} == {
        AlertId.ACKNOWLEDGE,
        AlertId.SNOOZE_1,
        AlertId.SNOOZE_3,
        StatusId.OPEN_STATUS,
    }


def test_acknowledge_is_recorded_and_shown(
    slack, db, settings, playbooks, fake_slack, session
) -> None:  # type: ignore[no-untyped-def]
    onboarding, message = posted_alert(slack, db, settings, playbooks, fake_slack, session)
    ack = button(message, AlertId.ACKNOWLEDGE)
    slack.block_action(
        ack["action_id"], ack["value"], user_id="UCSM", channel_id="CINT", message_ts=message["ts"]
    )
    update = fake_slack.wait_for("chat.update", lambda p: p["channel"] == "CINT")[0]
    assert "Acknowledged by <@UCSM>" in json.dumps(update.params["blocks"])
    assert all(s.acknowledged_by == "UCSM" and s.acknowledged_at for s in states(db))
    with db.session() as s:
        acknowledged = ActivityEntry.action == "alert_acknowledged"
        entry = s.scalars(select(ActivityEntry).where(acknowledged)).one()
        assert entry.actor_user_id == "UCSM" and "Blocked" in entry.detail
        # Answering an alert is not activity on the onboarding: silence keeps counting.
        assert s.get(Onboarding, onboarding.id).last_activity_at == at(date(2027, 12, 31))
    # Quiet after it, until it gets worse: blocked 10 days is the next step of its measure.
    assert run(settings, db, playbooks, at(day(2))).queued == []
    worse = run(settings, db, playbooks, at(day(3))).queued
    assert len(worse) == 1 and "(worse)" in text_of(posts(db)[-1])


@pytest.mark.parametrize(("action_id", "days"), [(AlertId.SNOOZE_1, 1), (AlertId.SNOOZE_3, 3)])
def test_snooze_is_recorded_and_shown(
    slack, db, settings, playbooks, fake_slack, session, action_id: str, days: int
) -> None:  # type: ignore[no-untyped-def]
    _, message = posted_alert(slack, db, settings, playbooks, fake_slack, session)
    snooze = button(message, action_id)
    slack.block_action(
        snooze["action_id"],
        snooze["value"],
        user_id="UAE",
        channel_id="CINT",
        message_ts=message["ts"],
    )
    update = fake_slack.wait_for("chat.update", lambda p: p["channel"] == "CINT")[0]
    assert f"Snoozed for {days} day" in json.dumps(update.params["blocks"])
    now = datetime.now(UTC)
    for state in states(db):
        assert state.snoozed_by == "UAE"
        assert timedelta(days=days - 1) < state.snoozed_until - now <= timedelta(days=days)
    with db.session() as s:
        assert s.scalars(select(ActivityEntry).where(ActivityEntry.action == "alert_snoozed")).one()


def test_open_status_shows_the_card(slack, db, settings, playbooks, fake_slack, session) -> None:  # type: ignore[no-untyped-def]
    _, message = posted_alert(slack, db, settings, playbooks, fake_slack, session)
    open_ = button(message, StatusId.OPEN_STATUS)
    slack.block_action(
        open_["action_id"],
        open_["value"],
        user_id="UCSM",
        channel_id="CINT",
        message_ts=message["ts"],
    )
    fake_slack.wait_for_response(lambda r: "Acme &lt;&amp;&gt; Co" in json.dumps(r))


def test_only_the_team_may_answer(slack, db, settings, playbooks, fake_slack, session) -> None:  # type: ignore[no-untyped-def]
    _, message = posted_alert(slack, db, settings, playbooks, fake_slack, session)
    ack = button(message, AlertId.ACKNOWLEDGE)
    slack.block_action(
        ack["action_id"],
        ack["value"],
        user_id="UOTHER",
        channel_id="CINT",
        message_ts=message["ts"],
    )
    fake_slack.wait_for_response(lambda r: "Only the CSM" in json.dumps(r))
    assert all(s.acknowledged_at is None for s in states(db))


@pytest.mark.parametrize(
    "action_id", [AlertId.ACKNOWLEDGE, AlertId.SNOOZE_1, AlertId.SNOOZE_3, StatusId.OPEN_STATUS]
)
def test_guests_and_other_organisations_are_refused(
    slack, db, settings, playbooks, fake_slack, session, action_id: str
) -> None:  # type: ignore[no-untyped-def]
    _, message = posted_alert(slack, db, settings, playbooks, fake_slack, session)
    fake_slack.add_user("UGUEST", name="guest", is_restricted=True)
    fake_slack.add_user("UEXT", name="partner", team_id="TPARTNER")
    element = button(message, action_id)
    for user in ("UGUEST", "UEXT"):
        slack.block_action(
            element["action_id"],
            element["value"],
            user_id=user,
            user_team_id="TPARTNER" if user == "UEXT" else None,
            channel_id="CINT",
            message_ts=message["ts"],
        )
    fake_slack.wait_for("chat.postEphemeral", lambda p: "only available" in p["text"], count=2)
    assert all(s.acknowledged_at is None and s.snoozed_until is None for s in states(db))
    assert fake_slack.calls_to("chat.update") == []
