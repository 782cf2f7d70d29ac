"""Change requests (service level): logged and numbered, the CSM's card queued and edited in
place, approved with a milestone or a checklist item added to the plan (the addition's fields
checked), deferred to the parking lot the close report lists, decided once, only by the CSM,
the AE or an admin; the status card counts the open ones."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, ChangeRequest, ChecklistItem, Milestone, OutboxMessage
from bot.services.changes import (
    CHANGE_CARD_KIND,
    AddKind,
    ApprovalRequest,
    ChangeField,
    ChangeInvalid,
    approval_form,
    approve_change,
    defer_change,
    log_change,
    parking_lot,
)
from bot.services.close_report import REPORT_RELATIONS, ReportRequest, build_report
from bot.services.errors import Conflict, NotAllowed
from bot.services.onboardings import get_onboarding
from bot.services.status import load_status
from bot.slack.close_report_views import build_report_blocks
from bot.slack.refusals import refusal_text
from bot.slack.renderers import render_post
from tests.factories import AE, CSM
from tests.services.test_hypercare import make_onboarding

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
CHRISTMAS = date(2026, 12, 25)


def log(session: Session, onboarding_id: int, text: str, actor: str = "UOTHER") -> int:
    card = log_change(session, onboarding_id, text, actor, now=NOW)
    session.commit()
    return card.change_id


def approve(session: Session, change_id: int, asked: ApprovalRequest, actor: str = CSM):  # type: ignore[no-untyped-def]
    card = approve_change(
        session, change_id, asked, actor, admins=(), holidays={CHRISTMAS}, now=NOW
    )
    session.commit()
    return card


def card_message(session: Session, number: int) -> OutboxMessage:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"%:cr-{number}:%"))
    ).one()


def test_logging_numbers_records_and_sends_the_csm_a_card(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    first = log(session, onboarding.id, "  SSO for the   contractors' portal ")
    second = log(session, onboarding.id, "A second plant in Lyon")
    rows = session.scalars(select(ChangeRequest).order_by(ChangeRequest.number)).all()
    assert [(r.number, r.text, r.status) for r in rows] == [
        (1, "SSO for the contractors' portal", "open"),
        (2, "A second plant in Lyon", "open"),
    ]
    assert [r.id for r in rows] == [first, second]
    entry = session.scalars(select(ActivityEntry).filter_by(action="change_requested")).first()
    assert entry is not None and entry.actor_user_id == "UOTHER"
    assert entry.detail == "Change request CR-1: SSO for the contractors' portal"
    message = card_message(session, 1)
    assert (message.kind, message.channel) == (CHANGE_CARD_KIND, CSM)  # the CSM's DM
    rendered = render_post(message.kind, message.payload)
    actions = next(b for b in rendered.blocks if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == ["change-approve", "change-defer"]
    with pytest.raises(Conflict) as refused:
        log_change(session, onboarding.id, "   ", "UOTHER", now=NOW)
    assert "/onboard change <customer> <what>" in refusal_text(refused.value)
    assert load_status(session, onboarding.id, TODAY).open_changes == 2


def test_approving_with_a_milestone_adds_it_in_plan_order(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    change_id = log(session, onboarding.id, "Integrate the MES at the second plant")
    form = approval_form(session, change_id, CSM, admins=())
    assert form.card.number == 1 and form.phases and form.current_phase
    card = approve(
        session,
        change_id,
        ApprovalRequest(AddKind.MILESTONE, " MES  integration live ", date(2026, 12, 10), None),
    )
    assert (card.status, card.decided_by, card.added_kind) == ("approved", CSM, "milestone")
    plan = session.scalars(
        select(Milestone)
        .where(Milestone.onboarding_id == onboarding.id)
        .order_by(Milestone.position)
    ).all()
    added = next(m for m in plan if m.name == "MES integration live")
    assert (added.key, added.due_date, added.phase_key) == (
        "change_1",
        date(2026, 12, 10),
        form.current_phase,
    )
    dues = [m.due_date for m in plan]
    assert dues == sorted(dues) and len({m.position for m in plan}) == len(plan)
    entry = session.scalars(select(ActivityEntry).filter_by(action="change_approved")).one()
    assert "added the milestone MES integration live" in entry.detail
    rendered = render_post(CHANGE_CARD_KIND, card_message(session, 1).payload)
    text = str(rendered.blocks)
    assert "Approved by" in text and "MES integration live" in text and "actions" not in text
    assert load_status(session, onboarding.id, TODAY).open_changes == 0
    with pytest.raises(Conflict) as again:
        defer_change(session, change_id, CSM, admins=(), now=NOW)
    assert "was already approved by" in refusal_text(again.value)


def test_approving_with_a_checklist_item(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    change_id = log(session, onboarding.id, "Export to the BI team weekly")
    approve(session, change_id, ApprovalRequest(AddKind.CHECKLIST, "Weekly BI export set up"), AE)
    items = session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.onboarding_id == onboarding.id)
        .order_by(ChecklistItem.position)
    ).all()
    assert items[-1].text == "Weekly BI export set up" and items[-1].owner_role == "csm"
    assert len({i.position for i in items}) == len(items)


@pytest.mark.parametrize(
    ("asked", "field", "says"),
    [
        (ApprovalRequest(AddKind.MILESTONE, "", date(2026, 12, 10)), ChangeField.TEXT, "Name"),
        (ApprovalRequest(AddKind.MILESTONE, "MES", None), ChangeField.DUE, "due date"),
        (ApprovalRequest(AddKind.MILESTONE, "MES", date(2026, 12, 12)), ChangeField.DUE, "weekend"),
        (ApprovalRequest(AddKind.MILESTONE, "MES", CHRISTMAS), ChangeField.DUE, "holiday"),
        (
            ApprovalRequest(AddKind.MILESTONE, "x" * 121, date(2026, 12, 10)),
            ChangeField.TEXT,
            "121",
        ),
        (
            ApprovalRequest(AddKind.CHECKLIST, "Item", None, "no-such-phase"),
            ChangeField.PHASE,
            "phases",
        ),
    ],
)
def test_an_addition_the_rules_refuse_changes_nothing(
    session, playbooks, asked, field, says
) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    change_id = log(session, onboarding.id, "MES")
    with pytest.raises(ChangeInvalid) as refused:
        approve(session, change_id, asked)
    assert says in refused.value.errors[field]
    session.rollback()
    assert session.get(ChangeRequest, change_id).status == "open"


def test_deferring_parks_it_for_the_close_report(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    log(session, onboarding.id, "Approved one")
    parked = log(session, onboarding.id, "Mobile app for the drivers")
    approve(session, parked - 1, ApprovalRequest())
    card = defer_change(session, parked, CSM, admins=(), now=NOW)
    session.commit()
    assert card.status == "deferred"
    assert parking_lot(session, onboarding.id) == ["CR-2: Mobile app for the drivers"]
    entry = session.scalars(select(ActivityEntry).filter_by(action="change_deferred")).one()
    assert entry.detail.startswith("Change request CR-2 deferred to the parking lot")


def test_only_the_csm_the_ae_or_an_admin_decides(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    change_id = log(session, onboarding.id, "Anything")
    with pytest.raises(NotAllowed):
        approval_form(session, change_id, "UOTHER", admins=())
    with pytest.raises(NotAllowed):
        defer_change(session, change_id, "UOTHER", admins=(), now=NOW)
    card = defer_change(session, change_id, "UADMIN", admins={"UADMIN"}, now=NOW)
    assert card.decided_by == "UADMIN"


def test_the_close_report_lists_the_parking_lot(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    parked = log(session, onboarding.id, "Mobile app for the <drivers>")
    defer_change(session, parked, CSM, admins=(), now=NOW)
    session.commit()
    row = get_onboarding(session, onboarding.id, *REPORT_RELATIONS)
    request = ReportRequest("Start the SAP work earlier.", "UNEXT", CSM, TODAY)
    report = build_report(session, row, request, playbooks)
    assert report.parking_lot == ["CR-1: Mobile app for the <drivers>"]
    text = json.dumps(build_report_blocks(report), ensure_ascii=False)
    assert "Parking lot (deferred change requests)" in text
    assert "CR-1: Mobile app for the &lt;drivers&gt;" in text
