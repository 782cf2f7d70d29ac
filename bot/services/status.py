"""The status of an onboarding as one typed card (the book sorted by urgency is in
bot/services/onboarding_list.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import (
    ActivityEntry,
    Milestone,
    MilestoneStatus,
    Onboarding,
)
from bot.playbooks import PlaybookLibrary, UsageDef
from bot.services.changes import open_change_count
from bot.services.conversations import ConversationSummary, conversation_summary
from bot.services.health import HealthRules, HealthSummary, default_health_rules, latest_health
from bot.services.kickoff import is_kickoff
from bot.services.milestones import MilestoneFlow, pending_flow
from bot.services.onboardings import get_onboarding
from bot.services.replan import ReplanSummary, replan_summary
from bot.services.status_stakeholders import StakeholderSummary, stakeholder_summary
from bot.services.timeline import PINNED_ACTION
from bot.services.usage_adoption import AdoptionSummary, load_adoption

AT_RISK_DAYS = 2
GATE_OVERRIDDEN_ACTION = "gate_overridden"  # bot/services/gate.py
NEXT_ITEMS_MAX = 5
ACTIVITY_MAX = 5
TIMELINE_MAX = 5
DEFAULT_MIN_STAKEHOLDERS = Settings.min_stakeholders  # ONBOARD_MIN_STAKEHOLDERS


class MilestoneState(enum.StrEnum):
    COMPLETE = "complete"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OVERDUE = "overdue"
    BLOCKED = "blocked"
    WAIVED = "waived"


@dataclass(frozen=True)
class MilestoneLine:
    milestone_id: int
    name: str
    due_date: date
    state: MilestoneState
    completed_on: date | None
    days_left: int  # negative when overdue
    flow: MilestoneFlow | None = None  # the flow that still has to complete it, not `done`


@dataclass(frozen=True)
class Target:
    label: str
    due: date | None
    reached_on: date | None
    days_left: int | None  # negative: days over


@dataclass(frozen=True)
class BlockerLine:
    number: int
    reason: str
    owner_user_id: str
    since: datetime
    age_days: int


@dataclass(frozen=True)
class CommitmentLine:
    text: str
    due_date: date | None
    owner_user_id: str | None


@dataclass(frozen=True)
class ActivityLine:
    actor_user_id: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class TimelineLine:
    """A Slack message pinned with :pushpin: (text raw: escape it where it is shown)."""

    author_user_id: str
    text: str
    permalink: str
    at: datetime


@dataclass(frozen=True)
class GateOverride:
    """An admin took the onboarding live despite NO answers on the readiness gate."""

    by_user_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class KickoffAgreed:
    """What was agreed at the kickoff (bot/services/kickoff.py). Customer-facing: the
    customer's own first-value definition and the cadence and escalation path agreed with them."""

    planned: bool  # the plan has a kickoff milestone
    held: bool  # it is done (or waived), or agreements were stored without one
    first_value: str
    cadence: str
    escalation: str


@dataclass(frozen=True)
class StatusCard:
    onboarding_id: int
    company_name: str
    segment: str
    status: str
    csm_user_id: str
    ae_user_id: str
    customer_channel_id: str | None
    phase: str
    done: int
    total: int
    day_number: int
    targets: list[Target]
    milestones: list[MilestoneLine]
    blockers: list[BlockerLine]
    commitments: list[CommitmentLine]
    next_items: list[str]
    activity: list[ActivityLine]
    timeline: list[TimelineLine]
    kickoff: KickoffAgreed
    # Mixed: the view leaves sentiment, power/interest, contact and detractors out when shared.
    stakeholders: StakeholderSummary
    # Internal only: never shown in a channel shared with another organisation.
    arr: Decimal
    handoff_score: int
    health: str
    risks: list[tuple[str, str]]
    gate_override: GateOverride | None = None  # internal too: the reason may name problems
    # The latest weekly health check (score, status, trend), when there is one. Internal.
    health_check: HealthSummary | None = None
    replan: ReplanSummary | None = None  # how often the plan moved, and go-live against baseline
    # Product usage, when there is any. Internal unless the playbook lets the customer see it.
    adoption: AdoptionSummary | None = None
    adoption_shared: bool = False
    # The customer's last message and since when they wait on us (internal); None: no channel.
    conversation: ConversationSummary | None = None
    open_changes: int = 0  # change requests logged and not yet approved or deferred

    @property
    def pending_milestones(self) -> list[MilestoneLine]:
        return [
            m
            for m in self.milestones
            if m.state not in (MilestoneState.COMPLETE, MilestoneState.WAIVED)
        ]

    @property
    def markable_milestones(self) -> list[MilestoneLine]:
        """The pending milestones *Mark milestone done* may complete (not a flow's)."""
        return [m for m in self.pending_milestones if m.flow is None]


def _milestone_state(m: Milestone, today: date, blocked: bool) -> MilestoneState:
    if m.status == MilestoneStatus.COMPLETE:
        return MilestoneState.COMPLETE
    if m.status == MilestoneStatus.WAIVED:
        return MilestoneState.WAIVED
    if m.status == MilestoneStatus.BLOCKED or blocked:
        return MilestoneState.BLOCKED
    left = (m.due_date - today).days
    if left < 0:
        return MilestoneState.OVERDUE
    return MilestoneState.AT_RISK if left <= AT_RISK_DAYS else MilestoneState.ON_TRACK


def next_pending(onboarding: Onboarding) -> Milestone | None:
    """The open milestone due first (ties: plan order); None when all are done."""
    pending = [m for m in onboarding.milestones if not m.is_done]
    return min(pending, key=lambda m: (m.due_date, m.position)) if pending else None


def _target(label: str, due: date | None, reached: datetime | None, today: date) -> Target:
    return Target(
        label,
        due,
        reached.date() if reached else None,
        None if due is None or reached else (due - today).days,
    )


def milestone_lines(onboarding: Onboarding, today: date) -> list[MilestoneLine]:
    """Each milestone's state on `today`; an open blocker blocks the next pending one.

    Reads `onboarding.milestones` and `onboarding.blockers` only (the living plan uses it too)."""
    blocked = any(b.resolved_at is None for b in onboarding.blockers)
    nxt = next_pending(onboarding)
    return [
        MilestoneLine(
            m.id,
            m.name,
            m.due_date,
            _milestone_state(m, today, blocked and m is nxt),
            m.completed_on,
            (m.due_date - today).days,
            pending_flow(m),
        )
        for m in onboarding.milestones
    ]


def _latest(onboarding: Onboarding, *, pinned: bool) -> list[ActivityEntry]:
    """Newest first: the messages pinned from Slack, or every other change."""
    return sorted(
        (a for a in onboarding.activity if (a.action == PINNED_ACTION) == pinned),
        key=lambda a: (a.created_at, a.id),
        reverse=True,
    )


def _kickoff_agreed(onboarding: Onboarding) -> KickoffAgreed:
    kickoff = [m for m in onboarding.milestones if is_kickoff(m)]
    values = (
        onboarding.first_value_definition.strip(),
        onboarding.meeting_cadence.strip(),
        onboarding.escalation_path.strip(),
    )
    held = any(m.is_done for m in kickoff) if kickoff else any(values)
    return KickoffAgreed(bool(kickoff), held, *values)


def _schedule_colour(open_blockers: int, states: set[MilestoneState]) -> str:
    if open_blockers or MilestoneState.OVERDUE in states:
        return "red"
    return "yellow" if MilestoneState.AT_RISK in states else "green"


def _next_items(onboarding: Onboarding, phase_key: str | None) -> list[str]:
    """The open checklist items of the current phase (any open ones when it has none)."""
    items = [c for c in onboarding.checklist_items if c.done_at is None]
    texts = [c.text for c in items if c.phase_key == phase_key] or [c.text for c in items]
    return texts[:NEXT_ITEMS_MAX]


def _blocker_lines(onboarding: Onboarding, today: date) -> list[BlockerLine]:
    open_blockers = [b for b in onboarding.blockers if b.resolved_at is None]
    return [
        BlockerLine(i, b.reason, b.owner_user_id, b.opened_at, (today - b.opened_at.date()).days)
        for i, b in enumerate(open_blockers, start=1)
    ]


def _activity_lines(onboarding: Onboarding) -> list[ActivityLine]:
    return [
        ActivityLine(a.actor_user_id, a.detail, a.created_at)
        for a in _latest(onboarding, pinned=False)[:ACTIVITY_MAX]
    ]


def _timeline_lines(onboarding: Onboarding) -> list[TimelineLine]:
    return [
        TimelineLine(a.data.get("author", ""), a.detail, a.data.get("permalink", ""), a.created_at)
        for a in _latest(onboarding, pinned=True)[:TIMELINE_MAX]
    ]


def _targets(onboarding: Onboarding, today: date) -> list[Target]:
    return [
        _target(
            "First value", onboarding.target_first_value_date, onboarding.first_value_at, today
        ),
        _target("Go-live", onboarding.target_go_live_date, onboarding.go_live_at, today),
    ]


def build_status_card(
    onboarding: Onboarding,
    today: date,
    health_check: HealthSummary | None = None,
    *,
    min_stakeholders: int = DEFAULT_MIN_STAKEHOLDERS,
) -> StatusCard:
    """Everything `status` shows, computed from one loaded onboarding (no queries)."""
    nxt = next_pending(onboarding)
    lines = milestone_lines(onboarding, today)
    phase_key = nxt.phase_key if nxt else None
    phases = {p.key: p.name for p in onboarding.phases}
    blockers = _blocker_lines(onboarding, today)
    return StatusCard(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        segment=onboarding.segment,
        status=onboarding.status,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        customer_channel_id=onboarding.customer_channel_id,
        phase=phases.get(phase_key, phase_key) if phase_key else "Done",
        done=sum(1 for m in onboarding.milestones if m.is_done),
        total=len(onboarding.milestones),
        day_number=(today - onboarding.start_date).days + 1,
        targets=_targets(onboarding, today),
        milestones=lines,
        blockers=blockers,
        commitments=[
            CommitmentLine(c.text, c.due_date, c.owner_user_id)
            for c in onboarding.commitments
            if c.status == "open"
        ],
        next_items=_next_items(onboarding, phase_key),
        activity=_activity_lines(onboarding),
        timeline=_timeline_lines(onboarding),
        kickoff=_kickoff_agreed(onboarding),
        stakeholders=stakeholder_summary(onboarding, today, min_stakeholders),
        arr=onboarding.arr,
        handoff_score=onboarding.handoff_score,
        health=_schedule_colour(len(blockers), {line.state for line in lines}),
        risks=[(r.severity, r.text) for r in onboarding.risks],
        gate_override=_gate_override(onboarding),
        health_check=health_check,
        replan=replan_summary(onboarding),
        open_changes=open_change_count(onboarding),
    )


def _gate_override(onboarding: Onboarding) -> GateOverride | None:
    """The latest override of the readiness gate (None when the gate was passed, or never),
    from the activity log that is loaded anyway (bot/services/gate.py writes the reason there
    as well as on its GateReview), so the card costs no extra query."""
    entry = max(
        (a for a in onboarding.activity if a.action == GATE_OVERRIDDEN_ACTION),
        key=lambda a: (a.created_at, a.id),
        default=None,
    )
    if entry is None:
        return None
    return GateOverride(entry.actor_user_id, str(entry.data.get("reason", "")), entry.created_at)


def load_status(
    session: Session,
    onboarding_id: int,
    today: date,
    health_rules: HealthRules | None = None,
    *,
    min_stakeholders: int = DEFAULT_MIN_STAKEHOLDERS,
    playbooks: PlaybookLibrary | None = None,
) -> StatusCard:
    """One query for the onboarding, one per relationship whatever their sizes, and one for
    the latest health check (its status named by `health_rules`, default templates/health.yml).
    The kickoff agreements are columns of the onboarding and the stakeholder summary reads the
    stakeholders loaded here anyway: neither costs a query. Fewer than `min_stakeholders`
    present stakeholders flags the card single-threaded (ONBOARD_MIN_STAKEHOLDERS). One more
    reads the latest usage records, counted against the playbook's core features, and one the
    customer's side of the conversation when the onboarding has a channel."""
    onboarding = get_onboarding(
        session,
        onboarding_id,
        Onboarding.phases,
        Onboarding.milestones,
        Onboarding.checklist_items,
        Onboarding.stakeholders,
        Onboarding.commitments,
        Onboarding.risks,
        Onboarding.blockers,
        Onboarding.activity,
    )
    rules = health_rules or default_health_rules()
    health_check = latest_health(session, [onboarding.id], rules).get(onboarding.id)
    card = build_status_card(onboarding, today, health_check, min_stakeholders=min_stakeholders)
    playbook = playbooks.get(onboarding.playbook) if playbooks is not None else None
    usage = playbook.usage if playbook is not None else UsageDef()
    adoption = load_adoption(session, onboarding.id, usage.core_features)
    has_channel = onboarding.customer_channel_id or onboarding.internal_channel_id
    return replace(
        card,
        adoption=adoption,
        adoption_shared=usage.share_with_customer,
        conversation=conversation_summary(session, onboarding.id) if has_channel else None,
    )
