"""After go-live under a frozen clock: the 30- and 60-day reviews by DM to the CSM with their
agenda from the data, told once, late after a weekend but not weeks late; the renewal prompt
120 days before the contract renews, to the ongoing CSM once the onboarding is closed; and,
before go-live too, the check-ins the meeting cadence calls for."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.models import Onboarding, OnboardingStatus, OutboxMessage
from bot.parsing import parse_term_months
from bot.playbooks import ReviewDef
from bot.services.reviews import add_months, occurrences
from bot.services.stakeholder_changes import log_contact
from bot.slack.renderers import render_post
from jobs.context import JobContext
from jobs.reviews import run_reviews
from tests.factories import CSM
from tests.jobs.test_plan import acme

WENT_LIVE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 5, tzinfo=UTC)


def run(settings, db, playbooks, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return run_reviews(JobContext(settings, db, playbooks, now)).queued


def reviews(settings, db, playbooks, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    """What the run queued but the meeting cadence's check-ins."""
    return [k for k in run(settings, db, playbooks, now) if not k.startswith("check-in:")]


def live_acme(session, playbooks, **form) -> Onboarding:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, **form)
    onboarding.go_live_at = WENT_LIVE
    session.commit()
    return onboarding


def message(db, key: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
        shown = render_post(row.kind, row.payload)
        return row.channel, json.dumps({"text": shown.text, "blocks": shown.blocks})


def test_the_30_day_review_reaches_the_csm_once_with_its_agenda(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = live_acme(session, playbooks)
    assert reviews(settings, db, playbooks, at(2026, 12, 30)) == []  # day 29
    key = f"review:{onboarding.id}:post_go_live_review:2026-12-31"
    assert reviews(settings, db, playbooks, at(2026, 12, 31)) == [key]
    assert reviews(settings, db, playbooks, at(2026, 12, 31).replace(hour=15)) == []  # once
    channel, shown = message(db, key)
    assert channel == CSM
    assert "30-day post-go-live review: Acme Manufacturing" in shown
    assert "0 of 9 done" in shown and "Issues since go-live:* 0 logged" in shown
    assert "expansion" in shown


def test_a_review_due_on_a_weekend_comes_the_next_business_day_but_never_weeks_late(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = live_acme(session, playbooks)
    # Day 60 is Saturday 30 January: told on Monday, naming its day.
    queued = run(settings, db, playbooks, at(2027, 2, 1))
    assert f"review:{onboarding.id}:success_review:2027-01-30" in queued
    # The 30-day review (31 December) is more than two weeks old by then: not told at all.
    assert not any("post_go_live_review" in key for key in queued)


def test_the_renewal_is_prompted_120_days_before_to_the_ongoing_csm(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, contract_term="12 months")  # renews 2027-11-02
    onboarding.status = OnboardingStatus.CLOSED
    onboarding.ongoing_csm_user_id = "UONGOING"
    session.commit()
    assert not any("renewal" in k for k in run(settings, db, playbooks, at(2027, 7, 2)))
    key = f"renewal-prompt:{onboarding.id}::2027-11-02"
    assert key in run(settings, db, playbooks, at(2027, 7, 5))
    assert key not in run(settings, db, playbooks, at(2027, 7, 6))
    channel, shown = message(db, key)
    assert channel == "UONGOING"
    assert "renews Tue Nov 2, 2027, in 120 days" in shown and "95,000" in shown


def test_terms_as_people_write_them_and_repeating_reviews() -> None:
    assert [parse_term_months(t) for t in ("3 years", "24-mo", "1 yr", "soon", "")] == [
        36,
        24,
        12,
        None,
        None,
    ]
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    monthly = ReviewDef(key="update", name="Update", days_after_go_live=30, repeat_days=30)
    live = date(2027, 1, 1)
    assert occurrences(monthly, live, date(2027, 3, 5)) == [date(2027, 3, 2)]
    assert occurrences(monthly, live, date(2027, 1, 30)) == []


def test_a_check_in_is_due_when_the_cadence_passed_since_the_last_contact(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    # Mid-Market: every two weeks. Started Mon Nov 2, nobody logged a contact yet.
    onboarding = acme(session, playbooks)
    assert not any("check-in" in k for k in run(settings, db, playbooks, at(2026, 11, 13)))
    key = f"check-in:{onboarding.id}::2026-11-02"
    assert key in run(settings, db, playbooks, at(2026, 11, 16))  # 14 days
    assert key not in run(settings, db, playbooks, at(2026, 11, 17))  # once
    channel, shown = message(db, key)
    assert channel == CSM and "every two weeks" in shown and "14 days ago" in shown
    # The CSM calls on Wednesday: the next reminder is two weeks after that call.
    log_contact(
        session,
        onboarding.stakeholders[0].id,
        CSM,
        admins=(),
        now=datetime(2026, 11, 18, 15, tzinfo=UTC),
    )
    session.commit()
    assert not any("check-in" in k for k in run(settings, db, playbooks, at(2026, 12, 1)))
    assert f"check-in:{onboarding.id}::2026-11-18" in run(settings, db, playbooks, at(2026, 12, 2))
