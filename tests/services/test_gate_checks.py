"""The go-live gate's automatic checks (playbook `gate_requires`): an unfinished pilot and open
blockers refuse go-live like a NO answer, show on the modal with their reasons, and an admin's
written override still goes live. The Acme handoff is Mid-Market (both checks on)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, Blocker, Onboarding, OnboardingStatus
from bot.playbooks import Playbook, PlaybookLibrary
from bot.services.gate import GateOutcome, open_gate
from bot.services.gate_checks import NO_OPEN_BLOCKERS, PILOT_DONE, gate_checks
from bot.slack.gate_views import build_decision_blocks, build_gate_modal, decision_text
from tests.factories import CSM, finish_pilot
from tests.services.test_gate import ADMIN, ADMINS, NOW, answers, decide
from tests.services.test_hypercare import make_onboarding


def add_blocker(session: Session, onboarding: Onboarding, reason: str) -> None:
    onboarding.blockers.append(
        Blocker(reason=reason, owner_user_id=CSM, opened_at=NOW, opened_by=CSM)
    )
    session.commit()


def without(playbook: Playbook, **requires: bool) -> Playbook:
    return playbook.model_copy(
        update={"gate_requires": playbook.gate_requires.model_copy(update=requires)}
    )


def test_pilot_not_done_refuses_go_live_with_every_answer_yes(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decision = decide(session, playbooks, onboarding, answers(onboarding))
    assert decision.outcome == GateOutcome.REFUSED and not decision.went_live
    (check,) = decision.failed_checks
    assert check.key == PILOT_DONE
    assert check.reasons == ["The milestone “Pilot success” is not done (due 2026-12-16)"]
    assert decision.blockers == []  # nothing new to chase: the milestone itself is the task
    assert "Failed automatic checks: Pilot finished (Pilot success)" in decision_text(decision)
    session.expire_all()
    assert session.get(Onboarding, onboarding.id).status != OnboardingStatus.HYPERCARE
    entry = session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "gate_refused")
    ).one()
    assert "failed: Pilot finished" in entry.detail and entry.data["failed"] == [PILOT_DONE]


def test_open_blockers_refuse_go_live_and_are_listed_with_their_reasons(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    finish_pilot(onboarding)
    add_blocker(session, onboarding, "Waiting on SAP credentials from IT")
    add_blocker(session, onboarding, "Plant firewall <blocks> the sync")
    resolved = Blocker(
        reason="Old one", owner_user_id=CSM, opened_at=NOW, opened_by=CSM, resolved_at=NOW
    )
    onboarding.blockers.append(resolved)
    session.commit()
    form = open_gate(session, onboarding.id, CSM, admins=ADMINS, playbooks=playbooks, tz=UTC)
    assert [(c.key, c.passed) for c in form.checks] == [
        (PILOT_DONE, True),
        (NO_OPEN_BLOCKERS, False),
    ]
    assert form.failed_checks[0].text == "No open blocker (2 open blockers)"
    assert form.failed_checks[0].reasons == [
        "Waiting on SAP credentials from IT",
        "Plant firewall <blocks> the sync",
    ]
    shown = str(build_gate_modal(form)["blocks"])
    assert ":x: *Failed:* No open blocker (2 open blockers)" in shown
    assert "Plant firewall &lt;blocks&gt; the sync" in shown  # user text escaped
    assert "1 automatic check failed" in shown
    decision = decide(session, playbooks, onboarding, answers(onboarding))
    assert decision.outcome == GateOutcome.REFUSED
    assert "Waiting on SAP credentials" in str(build_decision_blocks(decision))


def test_the_gate_own_no_item_blockers_are_not_counted(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    """A refusal's blockers for NO items are resolved by answering YES: no deadlock."""
    onboarding = make_onboarding(session, playbooks)
    finish_pilot(onboarding)
    session.commit()
    refused = decide(session, playbooks, onboarding, answers(onboarding, no=["SSO"]))
    assert refused.outcome == GateOutcome.REFUSED and refused.failed_checks == []
    later = datetime(2026, 12, 17, 10, tzinfo=UTC)
    passed = decide(session, playbooks, onboarding, answers(onboarding), now=later)
    assert passed.outcome == GateOutcome.PROCEED and passed.went_live


def test_admin_override_goes_live_despite_failed_checks(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    add_blocker(session, onboarding, "Waiting on SAP credentials from IT")
    decision = decide(
        session,
        playbooks,
        onboarding,
        answers(onboarding),
        actor=ADMIN,
        override_reason="Pilot ran informally at Dayton; SAP creds arrive Monday",
    )
    assert decision.outcome == GateOutcome.OVERRIDE and decision.went_live
    assert {c.key for c in decision.failed_checks} == {PILOT_DONE, NO_OPEN_BLOCKERS}
    text = decision_text(decision)
    assert "despite failed automatic checks (Pilot finished (Pilot success), No open" in text


def test_checks_follow_the_playbook(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    add_blocker(session, onboarding, "Waiting on SAP credentials from IT")
    playbook = playbooks.get("mid_market")
    assert [c.key for c in gate_checks(onboarding, without(playbook, pilot_done=False))] == [
        NO_OPEN_BLOCKERS
    ]
    off = without(playbook, pilot_done=False, no_open_blockers=False)
    assert gate_checks(onboarding, off) == []
    finish_pilot(onboarding)
    onboarding.blockers[0].resolved_at = NOW
    assert all(c.passed for c in gate_checks(onboarding, playbook))


def test_a_pilot_check_needs_a_pilot_milestone(playbooks: PlaybookLibrary) -> None:
    data = playbooks.get("mid_market").model_dump()
    data["gate_requires"] = {"pilot_done": True, "pilot_milestone": "trial"}
    with pytest.raises(ValueError, match=r"gate_requires\.pilot_milestone: unknown milestone"):
        Playbook.model_validate(data)
