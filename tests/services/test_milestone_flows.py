"""Go-live, hypercare exit and transition are completed by their flows (the readiness gate,
*End hypercare*, `/onboard close`), never by `done`, the status card or Undo (service level)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, Milestone, MilestoneStatus, Onboarding, OnboardingStatus
from bot.services.errors import Conflict
from bot.services.hypercare import end_hypercare
from bot.services.milestones import (
    MilestoneFlow,
    complete_milestone_by_id,
    complete_named_milestone,
    reopen_milestone,
)
from bot.services.status import load_status
from bot.slack.refusals import refusal_text
from tests.factories import CSM
from tests.services.test_hypercare import LIVE, live, make_onboarding
from tests.services.test_transition import NOW, close, ready

NAME = "Acme Manufacturing"


def done(session: Session, onboarding: Onboarding, name: str):  # type: ignore[no-untyped-def]
    return complete_named_milestone(session, onboarding.id, name, CSM, admins=(), now=NOW)


def milestone(session: Session, onboarding: Onboarding, key: str) -> Milestone:
    session.expire_all()
    return session.scalars(
        select(Milestone).where(Milestone.onboarding_id == onboarding.id, Milestone.key == key)
    ).one()


def activity_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ActivityEntry)) or 0


GOLIVE = f"`/onboard golive {NAME}`"
REFUSALS = [
    ("go-live", "go_live", f"Go-live goes through the readiness gate: run {GOLIVE}."),
    ("hypercare exit", "hypercare_exit", "not gone live yet: go-live goes through the readiness"),
    ("transition", "transition", f"completes when *{NAME}* is closed: run `/onboard close {NAME}`"),
]


@pytest.mark.parametrize(("name", "key", "says"), REFUSALS)
def test_done_refuses_a_flow_milestone_and_changes_nothing(  # type: ignore[no-untyped-def]
    session, playbooks, name, key, says
) -> None:
    onboarding = make_onboarding(session, playbooks)
    before = activity_count(session)
    with pytest.raises(Conflict) as refused:
        done(session, onboarding, name)
    assert says in refusal_text(refused.value)
    with pytest.raises(Conflict):  # the status card's select sends the id
        complete_milestone_by_id(
            session, milestone(session, onboarding, key).id, CSM, admins=(), now=NOW
        )
    session.rollback()
    assert milestone(session, onboarding, key).status == MilestoneStatus.PENDING
    o = session.get(Onboarding, onboarding.id)
    assert o is not None and o.go_live_at is None and o.status == OnboardingStatus.ACTIVE
    assert o.hypercare_ends_on is None and o.closed_at is None
    assert activity_count(session) == before


def test_hypercare_exit_during_hypercare_points_at_the_end_hypercare_button(  # type: ignore[no-untyped-def]
    session, playbooks
) -> None:
    onboarding = live(session, playbooks)
    with pytest.raises(Conflict) as refused:
        done(session, onboarding, "hypercare exit")
    assert "press *End hypercare* on the daily hypercare sync" in refusal_text(refused.value)
    assert milestone(session, onboarding, "hypercare_exit").status == MilestoneStatus.PENDING


def test_the_flows_still_complete_their_milestones(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks)
    assert milestone(session, onboarding, "go_live").status == MilestoneStatus.COMPLETE
    onboarding = session.get(Onboarding, onboarding.id)
    end_hypercare(session, onboarding, CSM, LIVE + timedelta(days=20))
    session.commit()
    assert milestone(session, onboarding, "hypercare_exit").status == MilestoneStatus.COMPLETE
    ready(session, session.get(Onboarding, onboarding.id))
    close(session, playbooks, session.get(Onboarding, onboarding.id))
    assert milestone(session, onboarding, "transition").status == MilestoneStatus.COMPLETE


def test_go_live_is_not_undone_by_reopening_its_milestone(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks)
    go_live_id = milestone(session, onboarding, "go_live").id
    with pytest.raises(Conflict) as refused:
        reopen_milestone(session, go_live_id, CSM, admins=(), now=NOW)
    assert refusal_text(refused.value).startswith(
        f"*{NAME}* went live on Dec 16, 2026: going back out of go-live and hypercare is not a "
        "milestone undo"
    )
    session.rollback()
    o = session.get(Onboarding, onboarding.id)
    assert o is not None and o.go_live_at is not None and o.status == OnboardingStatus.HYPERCARE
    assert milestone(session, onboarding, "go_live").status == MilestoneStatus.COMPLETE


def test_hypercare_exit_and_transition_are_not_reopened_either(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks)
    end_hypercare(session, onboarding, CSM, LIVE + timedelta(days=20))
    session.commit()
    exit_id = milestone(session, onboarding, "hypercare_exit").id
    with pytest.raises(Conflict) as refused:
        reopen_milestone(session, exit_id, CSM, admins=(), now=NOW)
    assert "reopening the milestone would not restart it" in refusal_text(refused.value)
    session.rollback()
    ready(session, session.get(Onboarding, onboarding.id))
    close(session, playbooks, session.get(Onboarding, onboarding.id))
    transition_id = milestone(session, onboarding, "transition").id
    with pytest.raises(Conflict) as refused:
        reopen_milestone(session, transition_id, CSM, admins=(), now=NOW)
    assert f"`/onboard reopen {NAME} <why>` reopens the onboarding" in refusal_text(refused.value)
    session.rollback()
    assert milestone(session, onboarding, "transition").status == MilestoneStatus.COMPLETE
    assert milestone(session, onboarding, "hypercare_exit").status == MilestoneStatus.COMPLETE


def test_a_milestone_behind_its_flow_can_be_caught_up(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    """Older data: live, but the go-live milestone pending. `done` records it (the gate would
    say "already live"); a go-live milestone ticked without a go-live may be reopened."""
    onboarding = live(session, playbooks)
    go_live_row = milestone(session, onboarding, "go_live")
    go_live_row.status = MilestoneStatus.PENDING
    session.commit()
    assert done(session, onboarding, "go-live").changed
    other = make_onboarding(session, playbooks, name="Globex")
    row = milestone(session, other, "go_live")
    row.status, row.completed_on = MilestoneStatus.COMPLETE, date(2026, 12, 1)
    session.commit()
    assert reopen_milestone(session, row.id, CSM, admins=(), now=NOW).changed


def test_status_card_offers_only_what_done_may_complete(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    card = load_status(session, onboarding.id, NOW.date())
    flows = {m.name: m.flow for m in card.milestones if m.flow is not None}
    assert flows == {
        "Go-live": MilestoneFlow.GO_LIVE,
        "Hypercare exit": MilestoneFlow.HYPERCARE_EXIT,
        "Transition to ongoing CSM": MilestoneFlow.TRANSITION,
    }
    markable = {m.name for m in card.markable_milestones}
    assert markable == {m.name for m in card.pending_milestones} - set(flows)
    onboarding = live(session, playbooks, name="Globex")
    card = load_status(session, onboarding.id, NOW.date())
    assert [m.flow for m in card.milestones if m.flow] == [
        MilestoneFlow.HYPERCARE_EXIT,
        MilestoneFlow.TRANSITION,
    ]
