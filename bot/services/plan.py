"""The living plan: the one pinned message in the customer channel that both sides read.

`build_plan_view` picks from an onboarding only what the customer may see: phases, milestones
with dates and state (status.py's `milestone_lines`, the same states `/onboard status` shows),
what is next and who owns it, and the checklist items the customer's side owns. Nothing internal
(ARR, risks, health, detractors, handoff score, blocker reasons, our own checklist) is read, so the
plan is safe in a channel shared with the customer whatever the channel is.
Rendering is bot/slack/plan_views.py; queueing it is bot/services/plan_refresh.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from bot.models import Onboarding, StakeholderRole
from bot.services.status import MilestoneState, milestone_lines, next_pending

CUSTOMER_STEPS_MAX = 5

# Checklist owners on the customer's side, and the stakeholder role that names them.
CUSTOMER_OWNERS: dict[str, StakeholderRole | None] = {
    "customer": None,
    "champion": StakeholderRole.CHAMPION,
    "sponsor": StakeholderRole.EXECUTIVE_SPONSOR,
    "technical_lead": StakeholderRole.TECHNICAL_LEAD,
}
OWNER_LABELS = {
    "customer": "your team",
    "champion": "your project lead",
    "sponsor": "your executive sponsor",
    "technical_lead": "your technical lead",
}

PLAN_EAGER = (
    Onboarding.phases,
    Onboarding.milestones,
    Onboarding.blockers,
    Onboarding.checklist_items,
    Onboarding.stakeholders,
)


class PhaseState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class PlanMilestone:
    name: str
    due_date: date
    state: MilestoneState
    completed_on: date | None
    first_value: bool
    go_live: bool


@dataclass(frozen=True)
class PlanPhase:
    name: str
    state: PhaseState
    milestones: list[PlanMilestone]


@dataclass(frozen=True)
class CustomerStep:
    text: str
    owner_label: str  # "your technical lead", or the stakeholder's name
    owner_user_id: str | None  # mention them when we know their Slack user


@dataclass(frozen=True)
class PlanView:
    """What the customer channel's plan shows; every field is safe for a shared channel."""

    onboarding_id: int
    company_name: str
    status: str
    csm_user_id: str
    start_date: date
    first_value_target: date | None
    go_live_target: date | None
    hypercare_ends_on: date | None
    done: int
    total: int
    phases: list[PlanPhase]
    next_milestone: PlanMilestone | None
    next_owner_user_id: str
    customer_steps: list[CustomerStep]


def _owner(onboarding: Onboarding, role_key: str) -> tuple[str, str | None]:
    role = CUSTOMER_OWNERS[role_key]
    person = next(
        (
            s
            for s in onboarding.stakeholders
            if role is not None and s.role == role and s.departed_at is None
        ),
        None,
    )
    if person is None:
        return OWNER_LABELS[role_key], None
    return person.name, person.slack_user_id


def build_plan_view(onboarding: Onboarding, today: date) -> PlanView:
    """The plan on `today` from one loaded onboarding (PLAN_EAGER relationships; no queries)."""
    lines = {line.milestone_id: line for line in milestone_lines(onboarding, today)}
    nxt = next_pending(onboarding)
    milestones: dict[str, list[PlanMilestone]] = {}
    next_view = None
    for m in onboarding.milestones:
        line = lines[m.id]
        view = PlanMilestone(
            m.name, m.due_date, line.state, m.completed_on, m.is_first_value, m.is_go_live
        )
        milestones.setdefault(m.phase_key, []).append(view)
        if m is nxt:
            next_view = view
    phases = []
    for phase in onboarding.phases:
        own = milestones.get(phase.key, [])
        if nxt is not None and nxt.phase_key == phase.key:
            state = PhaseState.CURRENT
        elif own and all(p.state in (MilestoneState.COMPLETE, MilestoneState.WAIVED) for p in own):
            state = PhaseState.DONE
        else:
            state = PhaseState.UPCOMING
        phases.append(PlanPhase(phase.name, state, own))
    current_phase = nxt.phase_key if nxt else None
    steps = []
    for item in onboarding.checklist_items:
        if (
            item.done_at is None
            and item.phase_key == current_phase
            and (item.owner_role in CUSTOMER_OWNERS)
        ):
            label, user_id = _owner(onboarding, item.owner_role)
            steps.append(CustomerStep(item.text, label, user_id))
    return PlanView(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        status=onboarding.status,
        csm_user_id=onboarding.csm_user_id,
        start_date=onboarding.start_date,
        first_value_target=onboarding.target_first_value_date,
        go_live_target=onboarding.target_go_live_date,
        hypercare_ends_on=onboarding.hypercare_ends_on,
        done=sum(1 for m in onboarding.milestones if m.is_done),
        total=len(onboarding.milestones),
        phases=phases,
        next_milestone=next_view,
        next_owner_user_id=onboarding.csm_user_id,
        customer_steps=steps[:CUSTOMER_STEPS_MAX],
    )
