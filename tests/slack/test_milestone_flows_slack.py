"""Over signed HTTP: `done` and Undo leave go-live, hypercare exit and transition to their
flows, and the status card offers them no *Mark milestone done* option."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.models import ActivityEntry, Milestone, MilestoneStatus, Onboarding, OnboardingStatus
from bot.services.hypercare import go_live
from bot.slack.ids import StatusId
from tests.factories import CSM
from tests.services.test_hypercare import LIVE
from tests.slack.test_gate_slack import seed
from tests.slack.test_status_slack import reply


def test_done_go_live_replies_how_and_changes_nothing(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(ActivityEntry))
    slack.command("done acme go-live", user_id="UCSM")
    refusal = reply(fake_slack, "readiness gate")
    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"] == (
        "Go-live goes through the readiness gate: run `/onboard golive Acme Manufacturing`."
    )
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding is not None and onboarding.go_live_at is None
        assert onboarding.status == OnboardingStatus.ACTIVE
        assert session.scalars(select(Milestone.status).where(Milestone.is_go_live)).one() == (
            MilestoneStatus.PENDING
        )
        assert session.scalar(select(func.count()).select_from(ActivityEntry)) == before


def test_status_card_names_the_flows_instead(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("status acme", user_id="UCSM")
    card = reply(fake_slack, "Milestones")
    [select_] = [
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == StatusId.DONE_SELECT
    ]
    options = {o["text"]["text"] for o in select_["options"]}
    assert "Kickoff held" in options
    assert not options & {"Go-live", "Hypercare exit", "Transition to ongoing CSM"}
    hints = json.dumps(card["blocks"][-1])
    assert "Go-live: `/onboard golive Acme Manufacturing` (the readiness gate)" in hints
    assert "Hypercare exit: *End hypercare* on the daily hypercare sync" in hints
    assert "Transition to ongoing CSM: `/onboard close Acme Manufacturing`" in hints


def test_undo_on_the_go_live_milestone_is_refused(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding is not None
        go_live(session, onboarding, CSM, LIVE, playbooks.get(onboarding.playbook))
        session.commit()
        milestone_id = session.scalars(select(Milestone.id).where(Milestone.is_go_live)).one()
    slack.block_action(StatusId.UNDO_DONE, str(milestone_id), user_id="UCSM", channel_id="C0G")
    assert "not a milestone undo" in json.dumps(reply(fake_slack, "went live on"))
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding is not None and onboarding.go_live_at is not None
        assert onboarding.status == OnboardingStatus.HYPERCARE
        assert session.get(Milestone, milestone_id).status == MilestoneStatus.COMPLETE  # type: ignore[union-attr]
