"""The handoff's own timing: dated commitments from the close (document, warm intro, internal
meeting) and from the handoff (first CS contact), closed by what fulfils them, and past due as
the "commitment past due" signal to their owner."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from bot.models import Commitment, Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.commitments import complete_commitment
from bot.services.handoff import HandoffField
from bot.services.kickoff.agreements import KickoffAgreements, record_kickoff
from bot.services.stakeholder_changes import log_contact
from tests.factories import AE, CSM, handoff_form
from tests.services.test_commitments import overdue_subjects
from tests.services.test_handoff_service import errors_of, submit

MONDAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def timing(onboarding: Onboarding) -> dict[str, Commitment]:
    return {c.timing_key: c for c in onboarding.commitments if c.timing_key}


def test_a_mid_market_handoff_carries_its_four_timing_commitments(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    # Closed on Friday, handed over on Monday: the document was due Monday (24 hours, the next
    # business day), the internal meeting Tuesday; the first contact counts from the handoff.
    onboarding = submit(session, playbooks, handoff_form(closed_on=date(2026, 10, 30)))
    rows = timing(onboarding)
    assert onboarding.deal_closed_on == date(2026, 10, 30)
    assert {k: (r.due_date, r.owner_user_id) for k, r in rows.items()} == {
        "handoff_document": (date(2026, 11, 2), AE),
        "customer_intro": (date(2026, 11, 2), AE),
        "internal_handoff_meeting": (date(2026, 11, 3), AE),
        "first_contact": (date(2026, 11, 4), CSM),
    }
    # The handoff itself is the document: done, by the AE, when it was submitted.
    document = rows["handoff_document"]
    assert (document.status, document.closed_by, document.closed_at) == ("done", AE, NOW)
    assert all(rows[k].status == "open" for k in rows if k != "handoff_document")


def test_without_a_close_date_the_handoff_day_is_the_close(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks, handoff_form(closed_on=None))
    assert onboarding.deal_closed_on == MONDAY
    assert timing(onboarding)["customer_intro"].due_date == date(2026, 11, 3)


def test_a_tech_touch_handoff_has_no_meeting_or_intro(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks, handoff_form(arr="$2K"))
    assert onboarding.playbook == "self_serve"
    assert set(timing(onboarding)) == {"handoff_document"}


@pytest.mark.parametrize(
    ("closed_on", "says"),
    [(date(2026, 11, 3), "cannot close in the future"), (date(2025, 10, 1), "within 365 days")],
)
def test_a_close_date_in_the_future_or_long_ago_is_refused_at_the_field(
    session: Session, playbooks: PlaybookLibrary, closed_on: date, says: str
) -> None:
    errors = errors_of(session, playbooks, handoff_form(closed_on=closed_on))
    assert says in errors[HandoffField.CLOSED_ON]


def test_logging_a_contact_is_the_first_cs_contact(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    later = datetime(2026, 11, 5, 10, tzinfo=UTC)  # a day after it was due
    log_contact(session, onboarding.stakeholders[0].id, CSM, admins=(), now=later)
    first = timing(onboarding)["first_contact"]
    assert (first.status, first.closed_by, first.closed_at) == ("done", CSM, later)
    entry = next(a for a in onboarding.activity if a.action == "first_contact")
    assert "after its due day (2026-11-04)" in entry.detail
    # A second contact changes nothing more.
    log_contact(session, onboarding.stakeholders[1].id, CSM, admins=(), now=later)
    assert [a.action for a in onboarding.activity].count("first_contact") == 1


def test_the_kickoff_is_a_first_contact_too(session: Session, playbooks: PlaybookLibrary) -> None:
    onboarding = submit(session, playbooks)
    agreements = KickoffAgreements("5 users on their dashboard", "Weekly", "Lead, then sponsor")
    record_kickoff(session, onboarding.id, CSM, agreements, admins=(), now=NOW)
    assert timing(onboarding)["first_contact"].status == "done"


def test_an_intro_not_made_is_past_due_the_day_after_and_a_kept_one_is_not(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    rows = timing(onboarding)
    intro, meeting = rows["customer_intro"], rows["internal_handoff_meeting"]
    on_due_day = datetime(2026, 11, 3, 16, tzinfo=UTC)
    assert f"commitment:{intro.id}" not in overdue_subjects(session, on_due_day)
    complete_commitment(session, meeting.id, AE, admins=(), now=on_due_day)
    day_after = datetime(2026, 11, 4, 16, tzinfo=UTC)
    late = overdue_subjects(session, day_after)
    assert f"commitment:{intro.id}" in late and f"commitment:{meeting.id}" not in late
