"""Replanning (service level): dates move under the intake's rules, the first plan stays as the
baseline, the replan is in the timeline, stale "milestone late" alerts clear, and the customer's
notice carries names and dates only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, AlertState, Milestone, Onboarding, OutboxMessage
from bot.services.errors import NotAllowed
from bot.services.replan import (
    REPLAN_NOTICE_KIND,
    ReplanField,
    ReplanInvalid,
    ReplanRequest,
    milestone_field,
    open_replan_form,
    replan,
)
from bot.services.status import load_status
from bot.slack.refusals import refusal_text
from bot.slack.renderers import render_post
from bot.slack.status_sections import replan_text
from tests.factories import CSM
from tests.services.test_hypercare import make_onboarding

TODAY = date(2026, 12, 1)  # a Tuesday: Technical setup (due Thu Nov 12) is late
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CHRISTMAS = date(2026, 12, 25)


def milestones(session: Session, onboarding: Onboarding) -> dict[str, Milestone]:
    session.expire_all()
    rows = session.scalars(select(Milestone).where(Milestone.onboarding_id == onboarding.id))
    return {m.key: m for m in rows}


def late_alert(session: Session, onboarding: Onboarding, milestone: Milestone) -> AlertState:
    alert = AlertState(
        onboarding_id=onboarding.id,
        signal="milestone_late",
        subject=f"milestone:{milestone.id}",
        state="milestone_missed",
        severity="high",
        since=NOW,
        first_seen_at=NOW,
        last_seen_at=NOW,
    )
    session.add(alert)
    session.commit()
    return alert


def run(  # type: ignore[no-untyped-def]
    session: Session,
    onboarding: Onboarding,
    asked: ReplanRequest,
    actor: str = CSM,
    holidays: frozenset[date] = frozenset({CHRISTMAS}),
):
    change = replan(
        session,
        onboarding.id,
        asked,
        actor,
        admins=(),
        holidays=holidays,
        today=TODAY,
        now=NOW,
    )
    session.commit()
    return change


def test_replan_moves_shifts_keeps_the_baseline_and_clears_the_late_alert(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    before = milestones(session, onboarding)
    setup = before["technical_setup"]
    alert = late_alert(session, onboarding, setup)
    form = open_replan_form(session, onboarding.id, CSM, admins=())
    assert [m.name for m in form.milestones][:2] == ["Handoff complete", "Kickoff held"]
    assert form.go_live == date(2026, 12, 24)

    change = run(
        session,
        onboarding,
        ReplanRequest(
            dates={setup.id: date(2026, 12, 3)},  # Thu Nov 12 -> Thu Dec 3: 15 business days
            go_live=date(2027, 1, 14),
            reason="IT team on the SAP upgrade until December",
            shift_later=True,
        ),
        holidays=frozenset(),
    )

    after = milestones(session, onboarding)
    assert after["technical_setup"].due_date == date(2026, 12, 3)
    assert after["first_value"].due_date == date(2026, 12, 7)  # Mon Nov 16 + 15
    assert after["go_live"].due_date == date(2027, 1, 14)  # Thu Dec 24 + 15
    assert after["kickoff"].due_date == date(2026, 11, 5)  # before the move: unchanged
    assert after["technical_setup"].baseline_due_date == date(2026, 11, 12)
    assert change.count == 1 and not change.customer_told
    assert change.moves[0].business_days == 15

    entry = session.scalars(select(ActivityEntry).where(ActivityEntry.action == "replanned")).one()
    assert entry.actor_user_id == CSM
    assert "Technical setup complete Nov 12 → Dec 3 (+15 business days)" in entry.detail
    assert "IT team on the SAP upgrade" in entry.detail
    session.refresh(alert)
    assert alert.cleared_at is not None

    # The second replan keeps the first plan as the baseline.
    run(session, onboarding, ReplanRequest(dates={}, go_live=date(2027, 1, 21), reason="Pilot"))
    card = load_status(session, onboarding.id, TODAY)
    assert card.replan is not None
    assert replan_text(card.replan) == "_replanned 2x · go-live +20 business days_"
    assert session.get(Onboarding, onboarding.id).baseline_go_live_date == date(2026, 12, 24)


@pytest.mark.parametrize(
    ("key", "picked", "says"),
    [
        ("training", date(2026, 12, 12), "weekend"),
        ("training", CHRISTMAS, "holiday"),
        ("go_live", date(2027, 1, 15), "Friday go-live"),
    ],
)
def test_dates_the_rules_refuse_are_errors_on_their_field_and_change_nothing(  # type: ignore[no-untyped-def]
    session, playbooks, key, picked, says
) -> None:
    onboarding = make_onboarding(session, playbooks)
    target = milestones(session, onboarding)[key]
    with pytest.raises(ReplanInvalid) as invalid:
        run(session, onboarding, ReplanRequest(dates={target.id: picked}, go_live=None, reason="x"))
    assert says in invalid.value.errors[milestone_field(target.id)]
    session.rollback()
    assert milestones(session, onboarding)[key].due_date == target.due_date
    assert (
        session.scalars(select(ActivityEntry).where(ActivityEntry.action == "replanned")).all()
        == []
    )


def test_a_friday_go_live_target_and_a_missing_reason_are_refused(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    with pytest.raises(ReplanInvalid) as invalid:
        run(session, onboarding, ReplanRequest(dates={}, go_live=date(2027, 1, 15), reason=" "))
    assert "Friday" in invalid.value.errors[ReplanField.GO_LIVE]
    assert "Say why" in invalid.value.errors[ReplanField.REASON]


def test_only_the_csm_ae_or_an_admin_may_replan(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    with pytest.raises(NotAllowed) as refused:
        open_replan_form(session, onboarding.id, "UOTHER", admins=())
    assert "<@UCSM>" in refusal_text(refused.value)
    with pytest.raises(NotAllowed):
        run(session, onboarding, ReplanRequest({}, date(2027, 1, 14), "x"), actor="UOTHER")
    replan(
        session,
        onboarding.id,
        ReplanRequest({}, date(2027, 1, 14), "x"),
        "UADMIN",
        admins={"UADMIN"},
        holidays=(),
        today=TODAY,
        now=NOW,
    )


def test_the_customer_notice_has_names_and_dates_escaped_and_no_reason(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, "<!channel> Corp")
    asked = ReplanRequest({}, date(2027, 1, 14), "ARR at risk: renewal talk", tell_customer=True)
    assert run(session, onboarding, asked).customer_told
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == REPLAN_NOTICE_KIND)
    ).one()
    assert row.channel == "C0ACME"
    rendered = render_post(row.kind, row.payload)
    text = str(rendered.blocks) + rendered.text
    assert "&lt;!channel&gt; Corp" in text and "<!channel>" not in text
    assert "Go-live target" in text and "Jan 14" in text
    assert "renewal" not in text and "ARR" not in text
