"""Commitments (done, dropped with a reason, new owner or due date; closed ones never signal) and
success criteria (met with evidence; the first-value milestone waits for the customer's own
first-value criterion)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.models import ActivityEntry, Commitment, Onboarding, SuccessCriterion
from bot.services.commitments import (
    CommitmentField,
    CommitmentInvalid,
    complete_commitment,
    drop_commitment,
    edit_commitment,
    load_commitments,
)
from bot.services.criteria import (
    CriterionField,
    CriterionInvalid,
    add_criterion,
    flag_first_value,
    load_criteria,
    mark_criterion_met,
)
from bot.services.errors import Conflict, NotAllowed
from bot.services.milestones import complete_milestone_by_id, complete_named_milestone
from bot.services.signals import SignalKind, detect_all, load_catalog
from bot.slack.refusals import refusal_text
from tests.factories import CSM, keep_handoff_timing
from tests.jobs.test_plan import NOW, acme

ADMINS = ("UADMIN",)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def commitments(session, onboarding_id: int) -> list[Commitment]:  # type: ignore[no-untyped-def]
    """The promises from the sale (not the handoff's own timing commitments)."""
    return list(
        session.scalars(
            select(Commitment)
            .where(Commitment.onboarding_id == onboarding_id, Commitment.timing_key.is_(None))
            .order_by(Commitment.id)
        )
    )


def overdue_subjects(session, now: datetime) -> set[str]:  # type: ignore[no-untyped-def]
    catalog = load_catalog(TEMPLATES)
    return {
        s.subject
        for _, signals in detect_all(session, Settings(), catalog, now)
        for s in signals
        if s.kind == SignalKind.COMMITMENT_OVERDUE
    }


# ---- commitments --------------------------------------------------------------------------


def test_the_list_puts_open_ones_first_by_due_date(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    listing = load_commitments(session, onboarding.id)
    dues = [c.due_date for c in listing.open]
    assert all(dues) and dues == sorted(dues)  # type: ignore[type-var]
    promises = {c.id for c in commitments(session, onboarding.id)}
    # The first promise from the sale comes after the handoff's own (intro, meeting, contact).
    sap = next(c for c in listing.open if c.commitment_id in promises)
    assert sap.text == "SAP work-order sync connector delivered" and sap.owner_user_id == CSM
    assert not sap.overdue(date(2026, 12, 18)) and sap.overdue(date(2026, 12, 19))


def test_done_and_dropped_commitments_no_longer_signal(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap, call, training = commitments(session, onboarding.id)
    late = datetime(2027, 6, 1, 12, tzinfo=UTC)  # every promise is past due by then
    keep_handoff_timing(session.get(Onboarding, onboarding.id), NOW)
    assert overdue_subjects(session, late) == {f"commitment:{c.id}" for c in (sap, call, training)}
    change = complete_commitment(session, sap.id, CSM, admins=ADMINS, now=NOW)
    assert change.changed and change.status == "done"
    with pytest.raises(CommitmentInvalid) as invalid:
        drop_commitment(session, call.id, "  ", CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {CommitmentField.REASON}
    drop_commitment(session, call.id, "Sponsor asked for monthly", CSM, admins=ADMINS, now=NOW)
    assert overdue_subjects(session, late) == {f"commitment:{training.id}"}

    session.commit()  # the edge commits
    session.expire_all()
    assert (sap.status, sap.closed_by, sap.closed_at) == ("done", CSM, NOW)
    assert (call.status, call.dropped_reason) == ("dropped", "Sponsor asked for monthly")
    again = drop_commitment(session, sap.id, "changed my mind", CSM, admins=ADMINS, now=NOW)
    assert not again.changed and session.get(Commitment, sap.id).status == "done"
    details = session.scalars(
        select(ActivityEntry.detail).where(ActivityEntry.action.like("commitment_%"))
    ).all()
    assert details == [
        "Commitment done: SAP work-order sync connector delivered",
        "Commitment dropped: Weekly status call with the VP Operations during the pilot "
        "(reason: Sponsor asked for monthly)",
    ]


def test_a_new_owner_and_due_date(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap = commitments(session, onboarding.id)[0]
    with pytest.raises(CommitmentInvalid) as invalid:
        edit_commitment(session, sap.id, None, None, CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {CommitmentField.OWNER, CommitmentField.DUE_DATE}
    later = date(2027, 1, 8)
    change = edit_commitment(session, sap.id, "USE", later, CSM, admins=ADMINS, now=NOW)
    assert change.changed
    session.commit()  # the edge commits
    session.expire_all()
    assert (sap.owner_user_id, sap.due_date) == ("USE", later)
    assert not edit_commitment(session, sap.id, "USE", later, CSM, admins=ADMINS, now=NOW).changed
    complete_commitment(session, sap.id, CSM, admins=ADMINS, now=NOW)
    with pytest.raises(CommitmentInvalid, match="already done"):
        edit_commitment(session, sap.id, "UAE", later, CSM, admins=ADMINS, now=NOW)


def test_only_the_csm_ae_or_an_admin_close_commitments(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap = commitments(session, onboarding.id)[0]
    with pytest.raises(NotAllowed):
        complete_commitment(session, sap.id, "UOTHER", admins=ADMINS, now=NOW)
    with pytest.raises(NotAllowed):
        drop_commitment(session, sap.id, "no", "UOTHER", admins=ADMINS, now=NOW)
    with pytest.raises(NotAllowed):
        edit_commitment(session, sap.id, "UX", NOW.date(), "UOTHER", admins=ADMINS, now=NOW)
    assert session.get(Commitment, sap.id).status == "open"


# ---- success criteria and first value -----------------------------------------------------


def test_mark_met_needs_evidence_and_records_who_and_when(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    first = load_criteria(session, onboarding.id).lines[0]
    with pytest.raises(CriterionInvalid) as invalid:
        mark_criterion_met(session, first.criterion_id, " ", CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {CriterionField.EVIDENCE}
    with pytest.raises(NotAllowed):
        mark_criterion_met(session, first.criterion_id, "x", "UOTHER", admins=ADMINS, now=NOW)
    change = mark_criterion_met(
        session, first.criterion_id, "Entry takes 3m40s (time study)", CSM, admins=ADMINS, now=NOW
    )
    assert change.changed
    again = mark_criterion_met(session, first.criterion_id, "other", "UAE", admins=ADMINS, now=NOW)
    assert not again.changed
    met = load_criteria(session, onboarding.id).lines[0]
    assert (met.met_at, met.met_by, met.evidence) == (NOW, CSM, "Entry takes 3m40s (time study)")


def define_first_value(session, onboarding_id: int) -> None:  # type: ignore[no-untyped-def]
    """What the kickoff records (bot/services/kickoff.py): first value is defined."""
    session.get(Onboarding, onboarding_id).first_value_definition = "First report used"
    session.commit()


def test_first_value_waits_for_the_customers_own_criterion(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    first_value = next(m for m in onboarding.milestones if m.is_first_value)
    # None flagged: the handoff's criteria are the customer's words; someone must flag one.
    with pytest.raises(Conflict) as none_flagged:
        complete_named_milestone(session, onboarding.id, "first value", CSM, admins=(), now=NOW)
    assert "none of *Acme Manufacturing*'s success criteria" in refusal_text(none_flagged.value)
    criteria = load_criteria(session, onboarding.id).lines
    flag_first_value(session, criteria[2].criterion_id, CSM, admins=ADMINS, now=NOW)
    flag_first_value(session, criteria[0].criterion_id, CSM, admins=ADMINS, now=NOW)
    flagged = [c for c in load_criteria(session, onboarding.id).lines if c.is_first_value]
    assert [c.criterion_id for c in flagged] == [criteria[0].criterion_id]  # only one at a time
    # Flagged, not met: refused with the command that fixes it, by name or by the select menu.
    with pytest.raises(Conflict) as not_met:
        complete_named_milestone(session, onboarding.id, "first value", CSM, admins=(), now=NOW)
    assert "mark the customer's first-value criterion met first" in refusal_text(not_met.value)
    with pytest.raises(Conflict) as by_id:
        complete_milestone_by_id(session, first_value.id, CSM, admins=(), now=NOW)
    assert "`/onboard criteria Acme Manufacturing`" in refusal_text(by_id.value)
    session.commit()  # the edge commits
    session.expire_all()
    assert session.get(Onboarding, onboarding.id).first_value_at is None
    mark_criterion_met(session, criteria[0].criterion_id, "4 min", CSM, admins=ADMINS, now=NOW)
    define_first_value(session, onboarding.id)
    later = NOW + timedelta(hours=1)
    change = complete_named_milestone(
        session, onboarding.id, "first value", CSM, admins=(), now=later
    )
    assert change.changed and session.get(Onboarding, onboarding.id).first_value_at == later


def test_an_onboarding_without_criteria_adds_its_first_value_criterion(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, success_criteria="")
    assert load_criteria(session, onboarding.id).lines == []
    with pytest.raises(CriterionInvalid):
        add_criterion(session, onboarding.id, " ", None, True, CSM, admins=ADMINS, now=NOW)
    change = add_criterion(
        session,
        onboarding.id,
        "First report used in the Monday meeting",
        date(2026, 11, 20),
        True,
        CSM,
        admins=ADMINS,
        now=NOW,
    )
    assert change.is_first_value
    [criterion] = session.scalars(select(SuccessCriterion)).all()
    assert criterion.is_first_value and criterion.target_date == date(2026, 11, 20)
    mark_criterion_met(session, criterion.id, "Used on Nov 16", CSM, admins=ADMINS, now=NOW)
    define_first_value(session, onboarding.id)
    complete_named_milestone(session, onboarding.id, "first value", CSM, admins=(), now=NOW)
