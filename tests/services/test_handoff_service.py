"""The sales-to-CS handoff service: validation, the onboarding it writes, acknowledgement.

Runs on every database of the `session` fixture (SQLite, and PostgreSQL when reachable). Dates
and times are passed explicitly; expected due dates are written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import (
    ActivityEntry,
    Base,
    Milestone,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
    Severity,
    StakeholderRole,
)
from bot.playbooks import PlaybookLibrary
from bot.services.errors import NotAllowed, NotFound
from bot.services.handoff import (
    DuplicateHandoff,
    HandoffField,
    HandoffForm,
    HandoffInvalid,
    HandoffPlan,
    create_onboarding,
    validate_handoff,
)
from bot.services.onboardings import acknowledge_handoff
from bot.services.playbook_rows import milestone_due_dates
from bot.slack.refusals import refusal_text
from tests.factories import ACME_START, AE, CSM, handoff_form

TODAY = ACME_START  # Monday 2026-11-02
NOW = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 3, 9, 15, tzinfo=UTC)
NAMES = {"UCSM": "Casey CSM", "UCSM2": "Robin CSM", "UAE": "Alex AE"}
MILESTONE_KEYS = [
    "handoff",
    "kickoff",
    "technical_setup",
    "first_value",
    "training",
    "pilot",
    "go_live",
    "hypercare_exit",
    "transition",
]


def user_name(user_id: str) -> str:
    return NAMES.get(user_id, user_id)


def validate(
    session: Session,
    playbooks: PlaybookLibrary,
    form: HandoffForm,
    *,
    today: date = TODAY,
    name_of: Callable[[str], str] = user_name,
) -> HandoffPlan:
    return validate_handoff(
        session,
        form,
        today=today,
        library=playbooks,
        max_future_days=365,
        min_stakeholders=2,
        user_name=name_of,
    )


def errors_of(
    session: Session, playbooks: PlaybookLibrary, form: HandoffForm, **kwargs: object
) -> dict[HandoffField, str]:
    with pytest.raises(HandoffInvalid) as caught:
        validate(session, playbooks, form, **kwargs)  # type: ignore[arg-type]
    return caught.value.errors


def submit(
    session: Session,
    playbooks: PlaybookLibrary,
    form: HandoffForm | None = None,
    *,
    view_id: str | None = "VHANDOFF1",
    now: datetime = NOW,
) -> Onboarding:
    form = form or handoff_form()
    plan = validate(session, playbooks, form, today=form.start_date or TODAY)
    onboarding = create_onboarding(session, plan, actor=AE, now=now, view_id=view_id)
    session.commit()  # the handoff's edge commits
    return onboarding


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


@contextmanager
def reloaded(db: Database, onboarding_id: int) -> Iterator[tuple[Session, Onboarding]]:
    """A fresh session (nothing cached) and the onboarding read back from the database."""
    with db.session() as fresh:
        onboarding = fresh.get(Onboarding, onboarding_id)
        assert onboarding is not None
        yield fresh, onboarding


def due_dates(onboarding: Onboarding) -> dict[str, date]:
    return {m.key: m.due_date for m in onboarding.milestones}


def weekdays_after(start: date, count: int) -> date:
    """Independent of bot.calendar: step day by day, counting Monday-Friday only."""
    day = start
    while day.weekday() > 4:
        day += timedelta(days=1)
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- segment -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arr", "stored", "playbook", "segment"),
    [
        ("$1", "1", "self_serve", "Self-Serve"),
        ("4,999", "4999", "self_serve", "Self-Serve"),
        ("$4,999.99", "4999.99", "self_serve", "Self-Serve"),
        ("5,000", "5000", "smb", "SMB"),
        ("$5K", "5000", "smb", "SMB"),
        ("24,999.99", "24999.99", "smb", "SMB"),
        ("25,000", "25000", "mid_market", "Mid-Market"),
        ("$95K", "95000", "mid_market", "Mid-Market"),
        ("99,999.99", "99999.99", "mid_market", "Mid-Market"),
        ("100,000", "100000", "enterprise", "Enterprise"),
        ("$1.2M", "1200000", "enterprise", "Enterprise"),
    ],
)
def test_segment_follows_arr(
    session: Session,
    playbooks: PlaybookLibrary,
    arr: str,
    stored: str,
    playbook: str,
    segment: str,
) -> None:
    onboarding = submit(session, playbooks, handoff_form(arr=arr))
    assert (onboarding.playbook, onboarding.segment) == (playbook, segment)
    assert onboarding.arr == Decimal(stored)


def test_segment_override_beats_arr(session: Session, playbooks: PlaybookLibrary) -> None:
    onboarding = submit(session, playbooks, handoff_form(arr="$95K", segment="enterprise"))
    assert (onboarding.playbook, onboarding.segment) == ("enterprise", "Enterprise")
    assert onboarding.arr == Decimal("95000.00")
    # The enterprise plan, not the mid-market one: go-live 70 business days after Mon 2026-11-02.
    assert due_dates(onboarding)["go_live"] == d("2027-02-08")


# --- milestone due dates -----------------------------------------------------------------------

# Written out by hand from the offsets in templates/playbooks/*.yml (business days).
FROM_MONDAY = {  # start Monday 2026-11-02; no go-live falls on a Friday
    "self_serve": [
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-05",
        "2026-11-09",
        "2026-11-11",
        "2026-11-12",
        "2026-11-26",
        "2026-11-30",
    ],
    "smb": [
        "2026-11-03",
        "2026-11-05",
        "2026-11-09",
        "2026-11-09",
        "2026-11-12",
        "2026-11-18",
        "2026-11-23",
        "2026-12-07",
        "2026-12-14",
    ],
    "mid_market": [
        "2026-11-03",
        "2026-11-05",
        "2026-11-12",
        "2026-11-16",
        "2026-12-09",
        "2026-12-16",
        "2026-12-24",
        "2027-01-14",
        "2027-01-25",
    ],
    "enterprise": [
        "2026-11-03",
        "2026-11-05",
        "2026-11-30",
        "2026-11-30",
        "2026-12-28",
        "2027-01-18",
        "2027-02-08",
        "2027-03-08",
        "2027-03-22",
    ],
}
FROM_THURSDAY = {  # start Thursday 2026-01-29: the first business day is Fri 01-30
    "self_serve": [
        "2026-01-30",
        "2026-02-02",
        "2026-02-03",
        "2026-02-03",
        "2026-02-05",
        "2026-02-09",
        "2026-02-10",
        "2026-02-24",
        "2026-02-26",
    ],
    "smb": [
        "2026-01-30",
        "2026-02-03",
        "2026-02-05",
        "2026-02-05",
        "2026-02-10",
        "2026-02-16",
        "2026-02-19",
        "2026-03-05",
        "2026-03-12",
    ],
    "mid_market": [
        "2026-01-30",
        "2026-02-03",
        "2026-02-10",
        "2026-02-12",
        "2026-03-09",
        "2026-03-16",
        "2026-03-24",
        "2026-04-14",
        "2026-04-23",
    ],
    "enterprise": [
        "2026-01-30",
        "2026-02-03",
        "2026-02-26",
        "2026-02-26",
        "2026-03-26",
        "2026-04-16",
        "2026-05-07",
        "2026-06-04",
        "2026-06-18",
    ],
}
FROM_TUESDAY = {  # start Tuesday 2026-11-03
    # go-live +8 is Fri 11-13 -> Mon 11-16; hypercare exit and transition keep their distance
    # from go-live (10 and 12 business days) and move with it.
    "self_serve": [
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
        "2026-11-06",
        "2026-11-10",
        "2026-11-12",
        "2026-11-16",
        "2026-11-30",
        "2026-12-02",
    ],
    "smb": [
        "2026-11-04",
        "2026-11-06",
        "2026-11-10",
        "2026-11-10",
        "2026-11-13",
        "2026-11-19",
        "2026-11-24",
        "2026-12-08",
        "2026-12-15",
    ],
    # go-live +38 is Fri 12-25 -> Mon 12-28; then +15 and +22 business days.
    "mid_market": [
        "2026-11-04",
        "2026-11-06",
        "2026-11-13",
        "2026-11-17",
        "2026-12-10",
        "2026-12-17",
        "2026-12-28",
        "2027-01-18",
        "2027-01-27",
    ],
    "enterprise": [
        "2026-11-04",
        "2026-11-06",
        "2026-12-01",
        "2026-12-01",
        "2026-12-29",
        "2027-01-19",
        "2027-02-09",
        "2027-03-09",
        "2027-03-23",
    ],
}
CASES = [
    (start, segment, table[segment])
    for start, table in (
        (d("2026-11-02"), FROM_MONDAY),
        (d("2026-01-29"), FROM_THURSDAY),
        (d("2026-11-03"), FROM_TUESDAY),
    )
    for segment in ("self_serve", "smb", "mid_market", "enterprise")
]


@pytest.mark.parametrize(("start", "segment", "expected"), CASES)
def test_milestone_due_dates_per_segment(
    db: Database,
    session: Session,
    playbooks: PlaybookLibrary,
    start: date,
    segment: str,
    expected: list[str],
) -> None:
    created = submit(session, playbooks, handoff_form(segment=segment, start_date=start))
    with reloaded(db, created.id) as (_, onboarding):
        milestones = list(onboarding.milestones)
        target_go_live = onboarding.target_go_live_date
        target_first_value = onboarding.target_first_value_date
    assert [m.key for m in milestones] == MILESTONE_KEYS
    assert [m.due_date.isoformat() for m in milestones] == expected
    assert all(m.due_date.weekday() < 5 for m in milestones)
    assert all(m.status == MilestoneStatus.PENDING for m in milestones)
    go_live = next(m for m in milestones if m.is_go_live)
    first_value = next(m for m in milestones if m.is_first_value)
    assert (go_live.key, first_value.key) == ("go_live", "first_value")
    assert go_live.due_date.weekday() != 4
    assert target_go_live == go_live.due_date
    assert target_first_value == first_value.due_date


def test_the_tuesday_start_really_puts_a_default_go_live_on_a_friday() -> None:
    # The FROM_TUESDAY table is the Friday case for two segments; check the premise.
    start = d("2026-11-03")
    assert weekdays_after(start, 8).weekday() == 4  # self-serve go-live offset
    assert weekdays_after(start, 38).weekday() == 4  # mid-market go-live offset


@pytest.mark.parametrize("segment", ["self_serve", "smb", "mid_market", "enterprise"])
def test_due_dates_match_playbook_offsets_for_any_start(
    playbooks: PlaybookLibrary, segment: str
) -> None:
    """Every start day of two weeks (weekends too): milestones before go-live sit exactly
    their offset in business days after the start; go-live is a business day but never a
    Friday; later milestones keep their distance from go-live."""
    playbook = playbooks.get(segment)
    assert playbook is not None
    go_live_offset = next(m.offset_business_days for m in playbook.milestones if m.go_live)
    for shift in range(14):
        start = d("2026-12-21") + timedelta(days=shift)  # crosses the year end
        dates = milestone_due_dates(playbook, start)
        go_live = weekdays_after(start, go_live_offset)
        if go_live.weekday() == 4:
            go_live += timedelta(days=3)
        seen_go_live = False
        for m in playbook.milestones:
            if m.go_live:
                expected, seen_go_live = go_live, True
            elif seen_go_live:
                expected = weekdays_after(go_live, m.offset_business_days - go_live_offset)
            else:
                expected = weekdays_after(start, m.offset_business_days)
            assert dates[m.key] == expected, (segment, start, m.key)
            assert dates[m.key].weekday() < 5
        assert dates["go_live"].weekday() != 4


def test_go_live_target_on_a_friday_moves_to_monday(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    friday = d("2027-01-08")
    assert friday.weekday() == 4
    onboarding = submit(session, playbooks, handoff_form(go_live_target=friday))
    dates = due_dates(onboarding)
    assert dates["go_live"] == d("2027-01-11")
    assert onboarding.target_go_live_date == d("2027-01-11")
    # Before go-live nothing moves; after it, hypercare exit (+15) and transition (+22) follow.
    assert [dates[k].isoformat() for k in MILESTONE_KEYS] == [
        *FROM_MONDAY["mid_market"][:6],
        "2027-01-11",
        "2027-02-01",
        "2027-02-10",
    ]


@pytest.mark.parametrize("weekend_day", ["2027-01-09", "2027-01-10"])
def test_go_live_target_on_a_weekend_moves_to_monday(
    session: Session, playbooks: PlaybookLibrary, weekend_day: str
) -> None:
    onboarding = submit(session, playbooks, handoff_form(go_live_target=d(weekend_day)))
    dates = due_dates(onboarding)
    assert dates["go_live"] == d("2027-01-11")
    assert all(day.weekday() < 5 for day in dates.values())


def test_a_later_go_live_target_moves_the_milestones_after_it(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    target = d("2027-01-20")  # a Wednesday, four weeks after the default Thu 2026-12-24
    onboarding = submit(session, playbooks, handoff_form(go_live_target=target))
    dates = due_dates(onboarding)
    assert [dates[k].isoformat() for k in MILESTONE_KEYS] == [
        *FROM_MONDAY["mid_market"][:6],
        "2027-01-20",
        "2027-02-10",
        "2027-02-19",
    ]
    assert onboarding.target_go_live_date == target
    # A promise without a date is due at go-live: the target, not the playbook default.
    undated = [c for c in onboarding.commitments if "Weekly status call" in c.text]
    assert [c.due_date for c in undated] == [target]


# --- validation --------------------------------------------------------------------------------

ARR_MESSAGE = "Enter a positive amount, like $95K, 95,000 or 1.2M."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"company_name": ""}, HandoffField.COMPANY_NAME, "Enter the customer's company name."),
        (
            {"company_name": "   \n "},
            HandoffField.COMPANY_NAME,
            "Enter the customer's company name.",
        ),
        (
            {"company_name": "A" * 5000},
            HandoffField.COMPANY_NAME,
            "That name is 5,000 characters; 200 at most.",
        ),
        (
            {"company_name": "A" * 201},
            HandoffField.COMPANY_NAME,
            "That name is 201 characters; 200 at most.",
        ),
        ({"arr": "0"}, HandoffField.ARR, ARR_MESSAGE),
        ({"arr": "$0K"}, HandoffField.ARR, ARR_MESSAGE),
        ({"arr": "-5"}, HandoffField.ARR, ARR_MESSAGE),
        ({"arr": "abc"}, HandoffField.ARR, ARR_MESSAGE),
        ({"arr": ""}, HandoffField.ARR, ARR_MESSAGE),
        (
            {"start_date": TODAY + timedelta(days=366)},
            HandoffField.START_DATE,
            "The start date must be within 365 days of today (2026-11-02).",
        ),
        (
            {"start_date": TODAY - timedelta(days=366)},
            HandoffField.START_DATE,
            "The start date must be within 365 days of today (2026-11-02).",
        ),
        ({"start_date": None}, HandoffField.START_DATE, "Pick the contract start date."),
        ({"csm_user_id": None}, HandoffField.CSM, "Pick the CSM who receives this customer."),
        ({"segment": "platinum"}, HandoffField.SEGMENT, "No playbook named 'platinum'."),
        (
            {"go_live_target": TODAY - timedelta(days=1)},
            HandoffField.GO_LIVE_TARGET,
            "The go-live target must come after the start date.",
        ),
        (
            {"go_live_target": TODAY},
            HandoffField.GO_LIVE_TARGET,
            "The go-live target must come after the start date.",
        ),
    ],
)
def test_validation_error_per_field(
    session: Session,
    playbooks: PlaybookLibrary,
    overrides: dict,
    field: HandoffField,
    message: str,
) -> None:
    errors = errors_of(session, playbooks, handoff_form(**overrides))
    assert errors == {field: message}


@pytest.mark.parametrize(
    ("field_name", "field", "text", "line_says"),
    [
        (
            "stakeholders",
            HandoffField.STAKEHOLDERS,
            "Dana | VP Operations | sponsor | dana@acme.io\nMarcus Lee | IT Director | m@acme.io",
            "Line 2: expected",
        ),
        (
            "stakeholders",
            HandoffField.STAKEHOLDERS,
            "Dana | VP Operations | sponsor | dana@acme.io\n\nMarcus | IT | wizard | m@acme.io",
            "Line 3: unknown role “wizard”",
        ),
        (
            "stakeholders",
            HandoffField.STAKEHOLDERS,
            "Dana | VP Operations | sponsor | dana@acme.io\nMarcus | IT | tech lead | phone me",
            "Line 2: “phone me” is neither an email nor a @user",
        ),
        (
            "success_criteria",
            HandoffField.SUCCESS_CRITERIA,
            "Cut entry time by 50% | end of Q1",
            "Line 1: “end of Q1” is not a date",
        ),
        (
            "promises",
            HandoffField.PROMISES,
            "SAP connector | 2026-12-18\nOn-site training (by 2027-02-30)",
            "Line 2: “2027-02-30” is not a valid date",
        ),
    ],
)
def test_validation_names_the_bad_line(
    session: Session,
    playbooks: PlaybookLibrary,
    field_name: str,
    field: HandoffField,
    text: str,
    line_says: str,
) -> None:
    errors = errors_of(session, playbooks, handoff_form(**{field_name: text}))
    assert list(errors) == [field]
    assert errors[field].startswith(line_says)


@pytest.mark.parametrize("days", [365, -365, 0])
def test_start_date_within_a_year_is_accepted(
    session: Session, playbooks: PlaybookLibrary, days: int
) -> None:
    start = TODAY + timedelta(days=days)
    plan = validate(session, playbooks, handoff_form(start_date=start), today=TODAY)
    assert plan.start_date == start


def test_company_name_of_200_characters_is_accepted(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks, handoff_form(company_name="A" * 200))
    assert onboarding.company_name == "A" * 200


def test_duplicate_open_onboarding_names_it_and_its_owner(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    existing = submit(session, playbooks)
    asked: list[str] = []

    def name_of(user_id: str) -> str:
        asked.append(user_id)
        return user_name(user_id)

    errors = errors_of(
        session,
        playbooks,
        handoff_form(company_name="ACME manufacturing inc", start_date=TODAY + timedelta(days=7)),
        name_of=name_of,
    )
    assert errors == {
        HandoffField.COMPANY_NAME: (
            f"Acme Manufacturing already has an open onboarding (#{existing.id}, "
            "started 2026-11-02, owned by Casey CSM)."
        )
    }
    assert asked == [CSM]


def test_a_closed_onboarding_does_not_block_a_new_one(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    first = submit(session, playbooks)
    first.status = OnboardingStatus.CLOSED
    session.commit()
    renewal = submit(
        session,
        playbooks,
        handoff_form(company_name="Acme Manufacturing, Inc."),
        view_id="VRENEWAL",
    )
    assert renewal.id != first.id
    assert renewal.company_key == first.company_key == "acme manufacturing"


def test_several_errors_at_once(session: Session, playbooks: PlaybookLibrary) -> None:
    form = handoff_form(
        company_name="",
        arr="ninety-five",
        start_date=TODAY + timedelta(days=400),
        csm_user_id=None,
        segment="gold",
        stakeholders="Dana | sponsor | dana@acme.io",
        promises="Connector | soon",
    )
    errors = errors_of(session, playbooks, form)
    assert set(errors) == {
        HandoffField.COMPANY_NAME,
        HandoffField.ARR,
        HandoffField.START_DATE,
        HandoffField.CSM,
        HandoffField.SEGMENT,
        HandoffField.STAKEHOLDERS,
        HandoffField.PROMISES,
    }
    assert errors[HandoffField.STAKEHOLDERS].startswith("Line 1:")
    assert errors[HandoffField.PROMISES].startswith("Line 1:")


def test_failed_validation_writes_nothing(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    submit(session, playbooks)
    before = row_counts(session)
    assert before["onboarding"] == 1
    bad_forms = [
        handoff_form(company_name="Globex", arr="abc"),
        handoff_form(company_name="ACME manufacturing inc"),
        handoff_form(
            company_name="",
            arr="-5",
            segment="gold",
            go_live_target=TODAY,
            stakeholders="x | y | z",
        ),
    ]
    for form in bad_forms:
        with pytest.raises(HandoffInvalid):
            validate(session, playbooks, form)
    session.commit()  # whatever validation might have left pending would be written now
    assert row_counts(session) == before
    with db.session() as other:
        assert row_counts(other) == before


def test_two_different_arabic_named_customers_can_both_be_onboarded(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    submit(session, playbooks, handoff_form(company_name="شركة أكمي"))
    plan = validate(session, playbooks, handoff_form(company_name="مصنع النور"))
    assert plan.form.company_name == "مصنع النور"


def test_arr_too_large_to_store_is_a_validation_error(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    errors = errors_of(session, playbooks, handoff_form(arr="$2,000,000M"))
    assert set(errors) == {HandoffField.ARR}


def test_arr_of_thirty_digits_is_a_validation_error(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    errors = errors_of(session, playbooks, handoff_form(arr="1" * 30))
    assert set(errors) == {HandoffField.ARR}


# --- create_onboarding -------------------------------------------------------------------------


def test_create_onboarding_writes_the_whole_plan(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    created = submit(session, playbooks, view_id="VHANDOFF1")
    mid_market = playbooks.get("mid_market")
    assert mid_market is not None
    with reloaded(db, created.id) as (fresh, onboarding):
        assert row_counts(fresh) == {
            "onboarding": 1,
            "phase": 8,
            "milestone": 9,
            "checklist_item": len(mid_market.checklist) + len(mid_market.gate),
            "stakeholder": 6,
            "success_criterion": 3,
            "commitment": 7,  # 3 promises from the sale, 4 handoff timing commitments
            "risk": 3,
            "blocker": 0,
            "activity_entry": 1,
            "outbox_message": 0,
            "hypercare_issue": 0,
            "alert_state": 0,
            "job_run": 0,
            "submitted_view": 0,
            "seen_request": 0,
            "slack_access": 0,
            "health_check": 0,
            "onboarding_rollup": 1,  # its milestone figures, for the metrics
            "gate_review": 0,
            "feedback_response": 0,
            "integration": 3,  # SAP ERP (S/4HANA), Salesforce, Okta SSO (SAML)
            "training_session": 0,
            "change_request": 0,
            "usage_record": 0,
            "conversation_message": 0,
            "escalation": 0,
            "user_setting": 0,
        }
        # The plan's size at the handoff, which approved change requests are measured against.
        assert onboarding.baseline_plan_items == 9 + len(mid_market.checklist) + len(
            mid_market.gate
        )
        assert onboarding.company_name == "Acme Manufacturing"
        assert onboarding.company_key == "acme manufacturing"
        assert onboarding.arr == Decimal("95000.00")
        assert onboarding.start_date == ACME_START
        assert (onboarding.segment, onboarding.playbook) == ("Mid-Market", "mid_market")
        assert onboarding.status == OnboardingStatus.ACTIVE
        assert (onboarding.csm_user_id, onboarding.ae_user_id, onboarding.created_by) == (
            CSM,
            AE,
            AE,
        )
        assert onboarding.customer_channel_id == "C0ACME"
        assert onboarding.website == "https://acme-mfg.example"
        assert onboarding.systems == "SAP ERP (S/4HANA), Salesforce"
        assert onboarding.sso == "Okta SSO (SAML)"
        assert onboarding.handoff_view_id == "VHANDOFF1"
        assert onboarding.created_at == NOW
        assert onboarding.last_activity_at == NOW
        assert onboarding.acknowledged_at is None
        assert onboarding.target_first_value_date == d("2026-11-16")
        assert onboarding.target_go_live_date == d("2026-12-24")

        assert [p.key for p in onboarding.phases] == [p.key for p in mid_market.phases]
        assert [p.name for p in onboarding.phases][:2] == ["Handoff", "Kickoff"]

        expected_items = [(c.phase, c.text, c.owner, False) for c in mid_market.checklist] + [
            ("go_live", f"[{g.group}] {g.text}", g.owner, True) for g in mid_market.gate
        ]
        assert [
            (i.phase_key, i.text, i.owner_role, i.is_gate) for i in onboarding.checklist_items
        ] == expected_items
        assert (
            "go_live",
            "[technical] SSO/authentication functioning",
            "technical_lead",
            True,
        ) in expected_items
        assert all(i.done_at is None for i in onboarding.checklist_items)

        assert [
            (s.name, s.title, s.role, s.slack_user_id, s.email) for s in onboarding.stakeholders
        ] == [
            (
                "Dana Whitfield",
                "VP Operations",
                StakeholderRole.EXECUTIVE_SPONSOR,
                None,
                "dana.whitfield@acme-mfg.example",
            ),
            (
                "Priya Raman",
                "Operations Excellence Manager",
                StakeholderRole.CHAMPION,
                "U0PRIYA",
                None,
            ),
            (
                "Marcus Lee",
                "IT Director",
                StakeholderRole.TECHNICAL_LEAD,
                None,
                "marcus.lee@acme-mfg.example",
            ),
            (
                "Tom Becker",
                "Plant Manager, Dayton",
                StakeholderRole.END_USER_CHAMPION,
                None,
                "tom.becker@acme-mfg.example",
            ),
            (
                "Rosa Alvarez",
                "Plant Manager, Monterrey",
                StakeholderRole.END_USER_CHAMPION,
                None,
                "rosa.alvarez@acme-mfg.example",
            ),
            (
                "Jin Park",
                "Plant Manager, Busan",
                StakeholderRole.END_USER_CHAMPION,
                "U0JINPARK",
                None,
            ),
        ]
        assert [(c.text, c.target_date) for c in onboarding.success_criteria] == [
            ("Cut production-order entry time from 12 to 4 minutes", d("2027-01-29")),
            (
                "Reduce inventory mismatches between SAP and the plant floor by 50% "
                "(by 2027-02-26)",
                d("2027-02-26"),
            ),
            ("3 plants running the new work-order flow daily", None),
        ]
        assert [
            (c.text, c.due_date, c.owner_user_id, c.status) for c in onboarding.commitments
        ] == [
            ("SAP work-order sync connector delivered", d("2026-12-18"), CSM, "open"),
            # no date given: due at go-live
            (
                "Weekly status call with the VP Operations during the pilot",
                d("2026-12-24"),
                CSM,
                "open",
            ),
            ("On-site admin training at the Dayton plant", d("2027-01-15"), CSM, "open"),
            # The handoff's own timing (tests/services/test_handoff_timing.py has the rules).
            ("Handoff document complete (within 24 hours of close)", d("2026-11-03"), AE, "done"),
            (
                "Warm introduction: the AE introduces the CSM to the customer (within 24 hours "
                "of close)",
                d("2026-11-03"),
                AE,
                "open",
            ),
            (
                "Internal handoff meeting held: AE, CSM, SE and CS leader (within 48 hours of "
                "close)",
                d("2026-11-04"),
                AE,
                "open",
            ),
            (
                "First CS contact with the customer (within 48 hours of the handoff)",
                d("2026-11-04"),
                CSM,
                "open",
            ),
        ]
        assert [(r.text, r.severity) for r in onboarding.risks] == [
            ("IT team stretched by a parallel SAP S/4HANA upgrade", Severity.HIGH),
            ("Plant managers skeptical after a failed MES rollout in 2024", Severity.MEDIUM),
            ("Budget owner may change in Q1", Severity.LOW),
        ]
        [entry] = onboarding.activity
        assert (entry.actor_user_id, entry.action, entry.created_at) == (
            AE,
            "handoff_submitted",
            NOW,
        )
        assert entry.created_at.tzinfo is not None
        assert entry.detail == "Handoff submitted (Mid-Market, score 100/100)"


def test_same_view_submitted_twice_writes_nothing_new(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    plan = validate(session, playbooks, handoff_form())
    first = create_onboarding(session, plan, actor=AE, now=NOW, view_id="VHANDOFF1")
    before = row_counts(session)
    with pytest.raises(DuplicateHandoff) as caught:
        create_onboarding(session, plan, actor=AE, now=LATER, view_id="VHANDOFF1")
    assert caught.value.onboarding is not None
    assert caught.value.onboarding.id == first.id
    assert row_counts(session) == before


def test_a_concurrent_handoff_of_the_same_company_writes_nothing(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    """Two AEs validate at the same time (both pass), then both submit: one transaction wins,
    the other writes no row at all and points at the winner."""
    plan_a = validate(session, playbooks, handoff_form())
    plan_b = validate(session, playbooks, handoff_form(company_name="ACME Manufacturing LLC"))
    winner = create_onboarding(session, plan_a, actor=AE, now=NOW, view_id="VIEW_A")
    session.commit()  # the winner's edge commits
    before = row_counts(session)
    with pytest.raises(DuplicateHandoff) as caught:
        create_onboarding(session, plan_b, actor="UAE2", now=LATER, view_id="VIEW_B")
    assert caught.value.onboarding is not None
    assert caught.value.onboarding.id == winner.id
    with db.session() as other:
        assert row_counts(other) == before


def test_full_handoff_scores_100(session: Session, playbooks: PlaybookLibrary) -> None:
    plan = validate(session, playbooks, handoff_form())
    assert (plan.quality_score, plan.missing) == (100, [])
    onboarding = create_onboarding(session, plan, actor=AE, now=NOW, view_id=None)
    assert (onboarding.handoff_score, onboarding.handoff_missing) == (100, [])


SINGLE = "Dana Whitfield | VP Operations | Executive sponsor | dana@acme.io"


@pytest.mark.parametrize(
    ("overrides", "score", "missing"),
    [
        (
            {"stakeholders": SINGLE},
            70,
            [
                "Project lead (champion) not identified",
                "Technical lead not identified",
                "Fewer than 2 stakeholders: the onboarding is single-threaded",
            ],
        ),
        (
            {
                "stakeholders": SINGLE.replace("Executive sponsor", "champion") + "\n"
                "Marcus Lee | IT Director | technical lead | marcus@acme.io"
            },
            90,
            ["Executive sponsor not identified"],
        ),
        (
            {"success_criteria": "Happier plant managers\nCut entry time to 4 minutes"},
            90,
            ["Some success criteria have no measurable target"],
        ),
        ({"promises": ""}, 90, ["Promises made during the sale not listed"]),
        ({"systems": "", "sso": " ", "data_migration": ""}, 90, ["Technical context not captured"]),
        (
            {"why_bought": "", "out_of_scope": ""},
            80,
            ["Why they bought not recorded", "Out of scope not stated"],
        ),
        (
            {
                "stakeholders": "",
                "success_criteria": "",
                "promises": "",
                "systems": "",
                "sso": "",
                "data_migration": "",
                "why_bought": "",
                "out_of_scope": "",
            },
            10,
            None,  # everything but "criteria measurable", which has nothing to judge
        ),
    ],
)
def test_quality_score_drops_with_what_is_missing(
    session: Session,
    playbooks: PlaybookLibrary,
    overrides: dict,
    score: int,
    missing: list[str] | None,
) -> None:
    plan = validate(session, playbooks, handoff_form(**overrides))
    assert plan.quality_score == score
    if missing is not None:
        assert plan.missing == missing
    else:
        assert len(plan.missing) == 9
    onboarding = create_onboarding(session, plan, actor=AE, now=NOW, view_id=None)
    assert onboarding.handoff_score == score
    assert onboarding.activity[0].detail.endswith(f"score {score}/100)")


def test_quality_without_success_criteria_says_so(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    plan = validate(session, playbooks, handoff_form(success_criteria=""))
    assert "No success criteria documented" in plan.missing
    assert plan.quality_score < 100


def test_no_success_criteria_is_one_missing_item(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    plan = validate(session, playbooks, handoff_form(success_criteria=""))
    assert (plan.quality_score, plan.missing) == (90, ["No success criteria documented"])


# --- acknowledge_handoff -----------------------------------------------------------------------


def test_only_the_csm_may_acknowledge(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    for someone in (AE, "UCSM2", "UOTHER"):
        with pytest.raises(NotAllowed) as caught:
            acknowledge_handoff(session, onboarding.id, someone, now=LATER)
        assert refusal_text(caught.value) == (
            "Only the receiving CSM (<@UCSM>) can acknowledge this handoff."
        )
    with reloaded(db, onboarding.id) as (_, stored):
        assert stored.acknowledged_at is None
        assert [e.action for e in stored.activity] == ["handoff_submitted"]
        handoff = next(m for m in stored.milestones if m.key == "handoff")
        assert handoff.status == MilestoneStatus.PENDING
        assert handoff.completed_by is None


def test_acknowledge_unknown_onboarding(session: Session) -> None:
    with pytest.raises(NotFound, match="#999999"):
        acknowledge_handoff(session, 999999, CSM, now=LATER)


def test_csm_acknowledges_once(db: Database, session: Session, playbooks: PlaybookLibrary) -> None:
    created = submit(session, playbooks)
    onboarding, newly = acknowledge_handoff(session, created.id, CSM, now=LATER)
    session.commit()  # the edge commits
    assert newly is True
    assert onboarding.id == created.id

    with reloaded(db, created.id) as (fresh, stored):
        assert (stored.acknowledged_at, stored.acknowledged_by) == (LATER, CSM)
        assert stored.last_activity_at == LATER
        handoff = next(m for m in stored.milestones if m.key == "handoff")
        assert handoff.status == MilestoneStatus.COMPLETE
        assert handoff.completed_by == CSM
        assert handoff.completed_on == d("2026-11-03")
        assert handoff.completed_at == LATER
        others = [m for m in stored.milestones if m.key != "handoff"]
        assert all(m.status == MilestoneStatus.PENDING for m in others)
        assert [(e.actor_user_id, e.action, e.created_at) for e in stored.activity] == [
            (AE, "handoff_submitted", NOW),
            (CSM, "handoff_acknowledged", LATER),
            (CSM, "milestone_completed", LATER),
        ]
        assert stored.activity[2].data == {"milestone": "handoff"}

    again, newly = acknowledge_handoff(session, created.id, CSM, now=LATER + timedelta(hours=2))
    session.commit()  # the edge commits
    assert newly is False
    assert again.id == created.id
    with reloaded(db, created.id) as (fresh, stored):
        assert len(stored.activity) == 3
        assert stored.acknowledged_at == LATER
        handoff = next(m for m in stored.milestones if m.key == "handoff")
        assert handoff.completed_at == LATER
        assert fresh.scalar(select(func.count()).select_from(ActivityEntry)) == 3
        assert (
            fresh.scalar(
                select(func.count())
                .select_from(Milestone)
                .where(Milestone.status == MilestoneStatus.COMPLETE)
            )
            == 1
        )


# --- text survives as typed --------------------------------------------------------------------


def test_special_text_survives_a_round_trip(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    company = "شركة أكمي 🚀"
    why = "<!channel> they need it *now* :rocket: 🎉 — لأن النظام القديم بطيء"
    constraints = "Line one <!here>\n  indented line two ✅\n<#C0123|general> & <b>not html</b>"
    form = handoff_form(
        company_name=f"  {company}  ",
        industry="صناعة 🏭",
        why_bought=why,
        constraints=constraints,
        stakeholders=(
            "محمد الأحمد 👷 | مدير العمليات | executive sponsor | <@U0MOHAMMED>\n"
            "José Núñez | Director de TI | technical lead | jose.nunez@acme.example"
        ),
        success_criteria="<!channel> 50% أسرع 🚀 | 2027-01-29",
        promises="Connector for <!everyone> 🔌 | 2026-12-18",
        risks="high: <!channel> sponsor leaving 😬",
    )
    created = submit(session, playbooks, form)
    with reloaded(db, created.id) as (_, stored):
        assert stored.company_name == company
        assert stored.industry == "صناعة 🏭"
        assert stored.why_bought == why
        assert stored.constraints == constraints
        assert [(s.name, s.title) for s in stored.stakeholders] == [
            ("محمد الأحمد 👷", "مدير العمليات"),
            ("José Núñez", "Director de TI"),
        ]
        assert [c.text for c in stored.success_criteria] == ["<!channel> 50% أسرع 🚀"]
        promises = [c.text for c in stored.commitments if not c.timing_key]
        assert promises == ["Connector for <!everyone> 🔌"]
        assert [(r.text, r.severity) for r in stored.risks] == [
            ("<!channel> sponsor leaving 😬", Severity.HIGH)
        ]
