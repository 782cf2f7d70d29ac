"""Escalations to CS leadership (service level, frozen clock): each of the four causes is found
when its threshold passes and not before, is told once, reaches the leaders and never the CSM it
is about, and is acknowledged by an admin only, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import shift_business_days
from bot.config import ROOT_DIR, Settings
from bot.models import (
    ActivityEntry,
    AlertState,
    Escalation,
    HealthCheck,
    Onboarding,
    OutboxMessage,
    Stakeholder,
)
from bot.services.alerts import acknowledge_alerts
from bot.services.errors import Conflict, NotAllowed
from bot.services.escalation_triggers import Cause, EscalationRules, Found, find_escalations
from bot.services.escalations import (
    ESCALATION_KIND,
    Leaders,
    acknowledge_escalation,
    escalate,
    escalation_rules,
)
from bot.services.replan import ReplanRequest, go_live_date, replan
from bot.services.signals import load_catalog
from bot.slack.refusals import refusal_text
from bot.slack.renderers import render_post
from tests.factories import CSM
from tests.services.test_hypercare import make_onboarding

RULES = EscalationRules(
    red_from=3,
    champion_business_days=5,
    unacknowledged_business_days=2,
    go_live_slip_percent=20,
    default_timezone="UTC",
)
CATALOG = load_catalog(ROOT_DIR / "templates")
MONDAY = date(2026, 11, 9)
LEADERS = Leaders(admin_user_ids=("UVP", CSM, "UDIRECTOR"))


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def found(session: Session, now: datetime) -> list[Found]:
    # Frozen elsewhere than `now`: the rules read `now`, never the wall clock.
    with freeze_time(now + timedelta(days=40)):
        return find_escalations(session, RULES, CATALOG, now)


def causes(session: Session, now: datetime) -> list[tuple[Cause, str]]:
    return [(f.cause, f.cause_key) for f in found(session, now)]


def tell_all(session: Session, now: datetime, leaders: Leaders = LEADERS) -> list[int]:
    ids = []
    for f in found(session, now):
        notice = escalate(session, f, leaders, default_timezone="UTC", now=now)
        if notice:
            ids.append(notice.escalation_id)
    session.commit()
    return ids


def check(session: Session, onboarding: Onboarding, when: datetime, nos: int) -> HealthCheck:
    row = HealthCheck(
        onboarding_id=onboarding.id,
        checked_at=when,
        checked_by=CSM,
        no_count=nos,
        score=40 if nos >= 3 else 80,
        status="critical" if nos >= 3 else "monitor",
    )
    session.add(row)
    session.commit()
    return row


# ---- health check red --------------------------------------------------------------------------


def test_a_red_health_check_escalates_the_same_day_once(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    check(session, acme, at(MONDAY, 9), 2)  # yellow: the CSM handles it
    assert causes(session, at(MONDAY, 11)) == []
    red = check(session, acme, at(MONDAY, 14), 3)
    assert causes(session, at(MONDAY, 14)) == [(Cause.HEALTH_RED, f"health_red:{red.id}")]
    [escalation_id] = tell_all(session, at(MONDAY, 14))
    assert causes(session, at(MONDAY, 15)) == []  # told once
    stored = session.get(Escalation, escalation_id)
    assert stored.cause == "health_red" and stored.facts["no_count"] == 3
    # The check asks for a meeting within 24 hours: the post says by when.
    [post] = posts(session)[:1]
    assert "Hold an escalation meeting with <@UCSM> by Tue Nov 10, 2026 at 14:00" in text_of(post)


def test_a_red_check_older_than_a_day_or_one_that_stays_red_adds_nothing(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    check(session, acme, at(MONDAY, 9), 4)
    assert causes(session, at(MONDAY + timedelta(days=1), 10)) == []  # 25 hours later
    check(session, acme, at(MONDAY + timedelta(days=7), 9), 5)  # still red a week on
    assert causes(session, at(MONDAY + timedelta(days=7), 10)) == []
    check(session, acme, at(MONDAY + timedelta(days=14), 9), 1)  # better...
    again = check(session, acme, at(MONDAY + timedelta(days=21), 9), 3)  # ...then red again
    assert causes(session, at(MONDAY + timedelta(days=21), 10)) == [
        (Cause.HEALTH_RED, f"health_red:{again.id}")
    ]


# ---- champion gone, no successor ------------------------------------------------------------


def champion(session: Session, onboarding: Onboarding) -> Stakeholder:
    return next(s for s in onboarding.stakeholders if s.role == "champion")


def test_a_champion_gone_five_business_days_without_successor_escalates(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    priya = champion(session, acme)
    priya.departed_at = at(MONDAY, 16)
    session.commit()
    friday, next_monday = MONDAY + timedelta(days=4), MONDAY + timedelta(days=7)
    assert causes(session, at(friday, 12)) == []  # 4 business days
    assert causes(session, at(next_monday, 8)) == []  # 5, but before 09:00: no midnight DMs
    [(cause, key)] = causes(session, at(next_monday, 9))
    assert (cause, key) == (Cause.CHAMPION_GONE, f"champion_gone:{priya.id}")
    tell_all(session, at(next_monday, 9))
    assert "The champion Priya Raman left on Mon Nov 9, 2026" in text_of(posts(session)[0])


def test_a_successor_named_stops_the_champion_escalation(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    champion(session, acme).departed_at = at(MONDAY, 16)
    acme.stakeholders.append(Stakeholder(name="Lena Vogel", role="champion"))
    session.commit()
    assert causes(session, at(MONDAY + timedelta(days=14), 9)) == []


# ---- high or critical signal unacknowledged ---------------------------------------------------


def alert(session: Session, onboarding: Onboarding, seen: datetime, **fields) -> AlertState:  # type: ignore[no-untyped-def]
    values = {
        "onboarding_id": onboarding.id,
        "signal": "silence",
        "subject": "",
        "state": "1|silence|7",
        "severity": "high",
        "since": seen - timedelta(days=7),
        "first_seen_at": seen,
        "last_seen_at": seen,
        "last_notified_at": seen,
        "notify_count": 1,
    }
    row = AlertState(**(values | fields))
    session.add(row)
    session.commit()
    return row


def test_a_high_signal_unacknowledged_two_business_days_escalates(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    friday = MONDAY + timedelta(days=4)
    silence = alert(session, acme, at(friday, 9))
    assert causes(session, at(friday + timedelta(days=3), 10)) == []  # Monday: 1 business day
    key = f"unacknowledged:{silence.id}:2026-11-13T09:00:00+00:00"
    assert causes(session, at(friday + timedelta(days=4), 10)) == [(Cause.UNACKNOWLEDGED, key)]
    tell_all(session, at(friday + timedelta(days=4), 10))
    text = text_of(posts(session)[0])
    assert "*Silence* (high) was told on Fri Nov 13, 2026 and nobody has acknowledged it in 2" in (
        text
    )


def test_an_alert_worse_after_its_acknowledgement_counts_from_its_new_telling(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    silence = alert(session, acme, at(MONDAY, 9), last_notified_at=at(MONDAY, 9))
    acknowledge_alerts(
        session, acme.id, [silence.id], CSM, admins=(), catalog=CATALOG, now=at(MONDAY, 11)
    )
    session.commit()
    # Worse on Thursday: told again, the acknowledgement taken back (alert_states._notified).
    thursday = MONDAY + timedelta(days=3)
    silence.acknowledged_at, silence.acknowledged_by = None, None
    silence.last_notified_at, silence.state = at(thursday, 9), "2|silence|14"
    session.commit()
    assert causes(session, at(thursday + timedelta(days=1), 10)) == []  # 1 business day
    [(cause, key)] = causes(session, at(thursday + timedelta(days=4), 10))  # Monday: 2
    assert (cause, key) == (
        Cause.UNACKNOWLEDGED,
        f"unacknowledged:{silence.id}:{at(MONDAY, 11).isoformat()}",
    )
    tell_all(session, at(thursday + timedelta(days=4), 10))
    assert "was told on Thu Nov 12, 2026" in text_of(posts(session)[0])


def test_acknowledged_medium_or_untold_alerts_do_not_escalate_but_snoozed_ones_do(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    seen, later = at(MONDAY, 9), at(MONDAY + timedelta(days=3), 10)
    alert(session, acme, seen, acknowledged_at=seen, acknowledged_by=CSM)
    alert(session, acme, seen, subject="b", severity="medium")
    alert(session, acme, seen, subject="c", notify_count=0)  # found, never told yet
    alert(session, acme, seen, subject="d", cleared_at=seen + timedelta(hours=2))
    snoozed = alert(session, acme, seen, subject="e", snoozed_until=later + timedelta(days=1))
    assert causes(session, later) == [
        (Cause.UNACKNOWLEDGED, f"unacknowledged:{snoozed.id}:{seen.isoformat()}")
    ]


# ---- go-live slipped by a replan ------------------------------------------------------------


def move_go_live(session: Session, onboarding: Onboarding, business_days: int) -> date:
    """Replan the go-live target `business_days` after the baseline (a Friday moves to Monday)."""
    baseline = onboarding.baseline_go_live_date or go_live_date(onboarding)
    target = shift_business_days(baseline, business_days)
    target += timedelta(days=3) if target.weekday() == 4 else timedelta()
    replan(
        session,
        onboarding.id,
        ReplanRequest(dates={}, go_live=target, reason="SAP upgrade"),
        CSM,
        admins=(),
        holidays=(),
        today=MONDAY,
        now=at(MONDAY),
    )
    session.commit()
    return target


def test_a_replan_moving_go_live_more_than_a_fifth_of_the_plan_escalates(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)  # go-live 38 business days after the start
    move_go_live(session, acme, 4)  # 10%
    assert causes(session, at(MONDAY, 11)) == []
    move_go_live(session, acme, 9)  # 9 of 38 business days: 24%
    assert causes(session, at(MONDAY, 11)) == [(Cause.GO_LIVE_SLIP, "go_live_slip:1")]
    tell_all(session, at(MONDAY, 11))
    text = text_of(posts(session)[0])
    assert "9 business days later, 24% of the 38-business-day plan (more than 20%)" in text
    assert causes(session, at(MONDAY, 12)) == []  # told once
    move_go_live(session, acme, 16)  # 42%: one more step of 20%
    assert causes(session, at(MONDAY, 13)) == [(Cause.GO_LIVE_SLIP, "go_live_slip:2")]


def test_a_go_live_moved_earlier_never_escalates(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    move_go_live(session, acme, -12)
    assert causes(session, at(MONDAY, 11)) == []


# ---- who is told, and the acknowledgement ----------------------------------------------------


def posts(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.kind == ESCALATION_KIND)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def text_of(post: OutboxMessage) -> str:
    rendered = render_post(post.kind, post.payload)
    return rendered.text + "\n" + str(rendered.blocks)


def red_escalation(session: Session, playbooks, leaders: Leaders = LEADERS) -> list[int]:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks)
    check(session, acme, at(MONDAY, 9), 3)
    return tell_all(session, at(MONDAY, 10), leaders)


def test_the_admins_are_told_by_dm_never_the_csm(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    [escalation_id] = red_escalation(session, playbooks)
    assert [p.channel for p in posts(session)] == ["UDIRECTOR", "UVP"]
    assert session.get(Escalation, escalation_id).told == ["UDIRECTOR", "UVP"]
    assert "Told: <@UDIRECTOR>, <@UVP>" in text_of(posts(session)[0])


def test_the_escalation_channel_when_set_is_leadership(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    red_escalation(session, playbooks, Leaders(channel_id="CLEADERS"))
    [post] = posts(session)
    assert post.channel == "CLEADERS" and "Told: <#CLEADERS>" in text_of(post)


def test_with_nobody_but_the_csm_to_tell_nothing_is_stored(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    assert red_escalation(session, playbooks, Leaders(admin_user_ids=(CSM,))) == []
    assert session.scalars(select(Escalation)).all() == [] and posts(session) == []
    # Once an admin is named, the same cause is told.
    assert len(tell_all(session, at(MONDAY, 11))) == 1


def test_only_an_admin_acknowledges_and_every_copy_says_who(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    [escalation_id] = red_escalation(session, playbooks)
    admins = {"UVP", "UDIRECTOR"}
    with pytest.raises(NotAllowed) as refused:
        acknowledge_escalation(
            session, escalation_id, CSM, admins=admins, default_timezone="UTC", now=at(MONDAY, 11)
        )
    assert "Only an Onboard admin" in refusal_text(refused.value)
    session.rollback()
    acknowledge_escalation(
        session, escalation_id, "UVP", admins=admins, default_timezone="UTC", now=at(MONDAY, 11)
    )
    session.commit()
    stored = session.get(Escalation, escalation_id)
    assert (stored.acknowledged_by, stored.acknowledged_at) == ("UVP", at(MONDAY, 11))
    for post in posts(session):  # both admins' DMs are edited in place
        assert post.status == "pending"
        text = text_of(post)
        assert "Acknowledged by <@UVP> on Mon Nov 9, 2026 at 11:00" in text
        assert "escalation-acknowledge" not in text  # the button is gone
    entry = session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "escalation_acknowledged")
    ).one()
    assert entry.actor_user_id == "UVP" and "Health check red" in entry.detail


def test_a_second_acknowledgement_changes_nothing(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    [escalation_id] = red_escalation(session, playbooks)
    common = {"admins": {"UVP", "UDIRECTOR"}, "default_timezone": "UTC"}
    acknowledge_escalation(session, escalation_id, "UVP", now=at(MONDAY, 11), **common)
    session.commit()
    with pytest.raises(Conflict) as again:
        acknowledge_escalation(session, escalation_id, "UDIRECTOR", now=at(MONDAY, 12), **common)
    session.rollback()
    assert "<@UVP> already acknowledged this escalation on Mon Nov 9, 2026 at 11:00" in (
        refusal_text(again.value)
    )
    assert session.get(Escalation, escalation_id).acknowledged_by == "UVP"


def test_thresholds_are_settings(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    rules = escalation_rules(Settings(escalate_go_live_slip_percent=50))
    assert rules.red_from == 3  # templates/health.yml's red
    assert (rules.champion_business_days, rules.unacknowledged_business_days) == (5, 2)
    acme = make_onboarding(session, playbooks)
    move_go_live(session, acme, 9)  # 24%: under 50%
    assert find_escalations(session, rules, CATALOG, at(MONDAY, 11)) == []
