"""The usage signals through the real stall-alert job at a given clock: from the stored
usage records (and the technical setup milestone) to the alert queued for the team."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.models import Milestone, MilestoneStatus, Onboarding
from bot.services.usage import record_batch
from tests.factories import open_onboarding
from tests.slack.test_alerts_slack import posts, run, text_of

NO_USAGE = "No active user for 5 business days since Mon Nov 9, 2026."


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def alert_texts(settings, db, playbooks, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """The alerts the job queues when its clock reads `now` (the job is a function of its
    clock; freezegun cannot stand in for it, as pydantic meets its datetime class)."""
    run(settings, db, playbooks, now)
    return "\n".join(text_of(p) for p in posts(db) if p.kind == "alert")


def finish_setup(session, onboarding_id: int, on: date) -> None:  # type: ignore[no-untyped-def]
    setup = session.scalars(
        select(Milestone).where(
            Milestone.onboarding_id == onboarding_id, Milestone.key == "technical_setup"
        )
    ).one()
    setup.status, setup.completed_on, setup.completed_at = MilestoneStatus.COMPLETE, on, at(on)
    session.commit()


def send(session, onboarding_id: int, days: dict[date, int], today: date) -> None:  # type: ignore[no-untyped-def]
    records = [
        {
            "onboarding_id": onboarding_id,
            "date": d.isoformat(),
            "active_users": n,
            "licensed_users": 40,
        }
        for d, n in days.items()
    ]
    record_batch(session, records, today)
    session.commit()


def test_no_usage_five_business_days_after_setup(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = open_onboarding(session, playbooks, "Acme Manufacturing")
    finish_setup(session, acme, date(2026, 11, 9))

    assert NO_USAGE not in alert_texts(settings, db, playbooks, at(date(2026, 11, 13)))
    assert NO_USAGE in alert_texts(settings, db, playbooks, at(date(2026, 11, 16)))


def test_an_active_day_stops_the_no_usage_clock(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = open_onboarding(session, playbooks, "Acme Manufacturing")
    finish_setup(session, acme, date(2026, 11, 9))
    send(session, acme, {date(2026, 11, 12): 3}, date(2026, 11, 12))

    assert "No active user" not in alert_texts(settings, db, playbooks, at(date(2026, 11, 16)))


def test_usage_dropping_and_adoption_behind_after_go_live(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = open_onboarding(session, playbooks, "Acme Manufacturing")
    session.get(Onboarding, acme).go_live_at = at(date(2026, 11, 2), 15)
    session.commit()
    monday = date(2026, 12, 7)
    previous = {date(2026, 11, 23) + timedelta(days=i): 30 for i in range(7)}
    this_week = {date(2026, 11, 30) + timedelta(days=i): 15 for i in range(7)}
    send(session, acme, previous | this_week, monday)

    text = alert_texts(settings, db, playbooks, at(monday))

    assert "Weekly active users fell 50% week over week (30 to 15)." in text
    assert "15 of 40 licensed users active (38%), below the 60% expected 30 days" in text
    assert "No active user" not in text


def test_a_steady_week_is_not_a_drop(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = open_onboarding(session, playbooks, "Acme Manufacturing")
    monday = date(2026, 12, 7)
    days = {date(2026, 11, 23) + timedelta(days=i): 30 - (i % 2) for i in range(14)}
    send(session, acme, days, monday)

    assert "Weekly active users fell" not in alert_texts(settings, db, playbooks, at(monday))
