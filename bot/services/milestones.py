"""Completing and reopening milestones, found by a forgiving match on their names.

Three milestones belong to a flow that does more than tick them, so `done`, the status card
and Undo leave them to it (`MilestoneFlow`): go-live (the readiness gate sets `go_live_at` and
starts hypercare), hypercare exit (*End hypercare* runs the exit check) and the transition
(`/onboard close` runs the completion check and hands over). A flow milestone follows its flow:
it cannot be completed before the flow ran, nor reopened while the flow's effect stands. When
the two disagree (the flow ran but the milestone is pending, from data older than this rule),
`done` records it.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Milestone, MilestoneStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.celebrations import withdraw_celebration
from bot.services.errors import Conflict, NotFound
from bot.services.hypercare import HYPERCARE_EXIT_MILESTONE
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.transition import closing_completes


class MilestoneFlow(enum.StrEnum):
    """The flow that completes a milestone instead of `done` (see the module docstring)."""

    GO_LIVE = "go_live"
    HYPERCARE_EXIT = "hypercare_exit"
    TRANSITION = "transition"


def milestone_flow(milestone: Milestone) -> MilestoneFlow | None:
    if milestone.is_go_live:
        return MilestoneFlow.GO_LIVE
    if milestone.key == HYPERCARE_EXIT_MILESTONE:
        return MilestoneFlow.HYPERCARE_EXIT
    if closing_completes(milestone):
        return MilestoneFlow.TRANSITION
    return None


def _flow_ran(flow: MilestoneFlow, onboarding: Onboarding) -> bool:
    if flow == MilestoneFlow.GO_LIVE:
        return onboarding.go_live_at is not None
    if flow == MilestoneFlow.HYPERCARE_EXIT:
        return onboarding.hypercare_exited_at is not None
    return not onboarding.is_open


def pending_flow(milestone: Milestone) -> MilestoneFlow | None:
    """The flow that still has to complete `milestone`; None when `done` may complete it."""
    flow = milestone_flow(milestone)
    if flow is None or milestone.is_done or _flow_ran(flow, milestone.onboarding):
        return None
    return flow


def completion_refusal(milestone: Milestone) -> Conflict | None:
    """Why `done` may not complete `milestone`, naming the command or button that does."""
    flow = pending_flow(milestone)
    onboarding = milestone.onboarding
    if flow is None:
        return None
    went_live = onboarding.go_live_at is not None
    return Conflict(
        f"{milestone.name} completes through its own flow ({flow.value})",
        template=f"milestone_done_refused_{flow.value}",
        company=onboarding.company_name,
        went_live=went_live,
    )


def reopen_refusal(milestone: Milestone) -> Conflict | None:
    """Why Undo may not reopen a completed `milestone`: its flow's effect still stands."""
    flow = milestone_flow(milestone)
    onboarding = milestone.onboarding
    if flow is None or milestone.status != MilestoneStatus.COMPLETE:
        return None
    if not _flow_ran(flow, onboarding):
        return None
    return Conflict(
        f"{milestone.name} stays complete: its flow ({flow.value}) ran",
        template=f"milestone_undo_refused_{flow.value}",
        company=onboarding.company_name,
        completed_on=milestone.completed_on,
    )


@dataclass(frozen=True)
class MilestoneChange:
    onboarding_id: int
    company_name: str
    milestone_id: int
    milestone_name: str
    changed: bool
    first_value: bool = False


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def match_milestone(milestones: list[Milestone], query: str) -> Milestone:
    """Exact name or key, prefix, substring, then a small typo; NotFound lists the names."""
    wanted = _norm(query)
    tiers = (
        lambda m: _norm(m.name) == wanted or _norm(m.key) == wanted,
        lambda m: _norm(m.name).startswith(wanted) or _norm(m.key).startswith(wanted),
        lambda m: wanted in _norm(m.name),
    )
    found: list[Milestone] = []
    if wanted:
        for tier in tiers:
            if found := [m for m in milestones if tier(m)]:
                break
    if not found and wanted:
        names = {_norm(m.name): m for m in milestones}
        close = difflib.get_close_matches(wanted, list(names), n=2, cutoff=0.75)
        found = [names[c] for c in close[:1]]
    if not found:
        raise NotFound(
            f"no milestone matches {query!r}",
            template="milestone_not_found",
            query=query,
            names=[m.name for m in milestones],
        )
    if len(found) > 1:
        raise Conflict(
            f"{query!r} matches several milestones",
            template="milestone_ambiguous",
            query=query,
            names=[m.name for m in found],
        )
    return found[0]


def _change(onboarding: Onboarding, milestone: Milestone, changed: bool) -> MilestoneChange:
    return MilestoneChange(
        onboarding.id,
        onboarding.company_name,
        milestone.id,
        milestone.name,
        changed,
        milestone.is_first_value,
    )


def complete_named_milestone(
    session: Session,
    onboarding_id: int,
    query: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """`done <customer> <milestone>`; `changed` is False when it was already complete."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    milestone = match_milestone(onboarding.milestones, query)
    return _complete(session, onboarding, milestone, actor, now)


def complete_milestone_by_id(
    session: Session,
    milestone_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    milestone = _changeable_milestone(session, milestone_id, actor, admins)
    return _complete(session, milestone.onboarding, milestone, actor, now)


def _changeable_milestone(
    session: Session, milestone_id: int, actor: str, admins: Collection[str]
) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("That milestone no longer exists.")
    ensure_can_change(milestone.onboarding, actor, admins)
    return milestone


def _complete(
    session: Session, onboarding: Onboarding, milestone: Milestone, actor: str, now: datetime
) -> MilestoneChange:
    refusal = completion_refusal(milestone)
    if refusal is not None:
        raise refusal
    changed = complete_milestone(session, milestone, actor, now=now)
    session.flush()  # the follow-ups in this transaction read the completion
    return _change(onboarding, milestone, changed)


def reopen_milestone(
    session: Session,
    milestone_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """Undo a completion: the milestone is pending again; first value is cleared with it, and
    a celebration of it that has not gone out is withdrawn."""
    milestone = _changeable_milestone(session, milestone_id, actor, admins)
    onboarding = milestone.onboarding
    refusal = reopen_refusal(milestone)
    if refusal is not None:
        raise refusal
    if milestone.status != MilestoneStatus.COMPLETE:
        return _change(onboarding, milestone, False)
    withdraw_celebration(session, milestone, now=now)  # in this transaction: never half undone
    milestone.status = MilestoneStatus.PENDING
    milestone.completed_at = milestone.completed_on = milestone.completed_by = None
    if milestone.is_first_value and not any(
        m.is_first_value and m.is_done for m in onboarding.milestones if m is not milestone
    ):
        onboarding.first_value_at = None
    record_activity(
        session,
        onboarding,
        actor,
        "milestone_reopened",
        f"{milestone.name} reopened",
        now=now,
        data={"milestone": milestone.key},
    )
    session.flush()  # the follow-ups in this transaction read the reopened milestone
    return _change(onboarding, milestone, True)
