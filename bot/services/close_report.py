"""The onboarding report `/onboard close` leaves the adoption team: read from the onboarding's
rows when it closes, nothing decided here (bot/services/transition.py closes; the Slack layer,
bot/slack/close_report_views.py, words it).

It is internal data (blockers, stakeholders, lessons): the internal channel or a DM, never a
channel shared with the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, MilestoneStatus, Onboarding, StakeholderRole
from bot.playbooks import PlaybookLibrary
from bot.services.changes import parking_lot

WAIVED_ACTION = "milestone_waived"


@dataclass(frozen=True)
class SetupLine:
    name: str
    status: str
    note: str = ""  # the waiver's reason, or the known limitations


@dataclass(frozen=True)
class TrainingLine:
    track: str
    delivered_on: date | None
    invited: int
    attended: int | None
    competency_passed: bool | None


@dataclass(frozen=True)
class MilestoneLine:
    name: str
    due_date: date
    completed_on: date | None
    waived_reason: str | None  # None: not waived

    @property
    def on_time(self) -> bool | None:
        if self.waived_reason is not None or self.completed_on is None:
            return None
        return self.completed_on <= self.due_date


@dataclass(frozen=True)
class OpenItem:
    text: str
    owner_user_id: str | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class _FirstValue:
    definition: str
    reached_on: date | None
    criteria_met: list[str]  # "text (evidence)" of the criteria met
    criteria_open: list[str]
    days: int | None  # time to value, from the contract start
    target_days: int | None


@dataclass(frozen=True)
class ReportRequest:
    """What the closer adds to the rows: the lessons, who carries on, who closed, when."""

    lessons: str
    ongoing_csm: str
    closed_by: str
    closed_on: date


@dataclass(frozen=True)
class OnboardingReport:
    onboarding_id: int
    company_name: str
    segment: str
    playbook: str
    start_date: date
    closed_on: date
    csm_user_id: str
    ae_user_id: str
    ongoing_csm_user_id: str
    closed_by: str
    internal_channel_id: str | None
    setup: list[SetupLine]
    systems: str  # the handoff's systems, when no integration was tracked
    known_limitations: list[str]
    training: list[TrainingLine]
    first_value_definition: str
    first_value_on: date | None
    first_value_criteria: list[str]  # "text (evidence)" of the criteria met
    criteria_open: list[str]
    time_to_value_days: int | None
    target_days: int | None
    milestones: list[MilestoneLine]
    open_blockers: list[OpenItem]
    open_commitments: list[OpenItem]
    stakeholders: list[str]
    lessons_learned: str
    go_live_on: date | None = None
    # Deferred change requests ("CR-2: ..."), for the adoption team's next phase.
    parking_lot: list[str] = field(default_factory=list)

    @property
    def within_target(self) -> bool | None:
        if self.time_to_value_days is None or self.target_days is None:
            return None
        return self.time_to_value_days <= self.target_days

    @property
    def on_time(self) -> tuple[int, int]:
        """(on time, completed) over the milestones completed (waived ones do not count)."""
        judged = [m.on_time for m in self.milestones if m.on_time is not None]
        return sum(1 for ok in judged if ok), len(judged)


REPORT_RELATIONS = (
    Onboarding.milestones,
    Onboarding.integrations,
    Onboarding.training_sessions,
    Onboarding.success_criteria,
    Onboarding.blockers,
    Onboarding.commitments,
    Onboarding.stakeholders,
)
"""What `build_report` reads: load these with the onboarding."""


def build_report(
    session: Session, onboarding: Onboarding, request: ReportRequest, playbooks: PlaybookLibrary
) -> OnboardingReport:
    """What the onboarding leaves the adoption team: read from the rows, nothing decided."""
    value = _first_value(onboarding, playbooks)
    return OnboardingReport(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        segment=onboarding.segment,
        playbook=onboarding.playbook,
        start_date=onboarding.start_date,
        closed_on=request.closed_on,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        ongoing_csm_user_id=request.ongoing_csm,
        closed_by=request.closed_by,
        internal_channel_id=onboarding.internal_channel_id,
        setup=_setup(onboarding),
        systems=onboarding.systems,
        known_limitations=[
            f"{i.name}: {i.known_limitations}"
            for i in onboarding.integrations
            if i.known_limitations
        ],
        training=_training(onboarding),
        first_value_definition=value.definition,
        first_value_on=value.reached_on,
        first_value_criteria=value.criteria_met,
        criteria_open=value.criteria_open,
        time_to_value_days=value.days,
        target_days=value.target_days,
        milestones=_milestones(session, onboarding),
        open_blockers=[
            OpenItem(b.reason, b.owner_user_id)
            for b in onboarding.blockers
            if b.resolved_at is None
        ],
        open_commitments=[
            OpenItem(c.text, c.owner_user_id, c.due_date)
            for c in onboarding.commitments
            if c.status == "open"
        ],
        stakeholders=_stakeholders(onboarding),
        lessons_learned=request.lessons,
        go_live_on=onboarding.go_live_at.date() if onboarding.go_live_at else None,
        parking_lot=parking_lot(session, onboarding.id),
    )


def _setup(onboarding: Onboarding) -> list[SetupLine]:
    return [
        SetupLine(
            i.name, i.status, i.waived_reason if i.status == "waived" else i.known_limitations
        )
        for i in onboarding.integrations
    ]


def _training(onboarding: Onboarding) -> list[TrainingLine]:
    return [
        TrainingLine(
            t.track,
            t.delivered_at.date() if t.delivered_at else None,
            t.invited,
            t.attended,
            t.competency_passed,
        )
        for t in onboarding.training_sessions
    ]


def _first_value(onboarding: Onboarding, playbooks: PlaybookLibrary) -> _FirstValue:
    reached_on = onboarding.first_value_at.date() if onboarding.first_value_at else None
    playbook = playbooks.get(onboarding.playbook)
    criteria = onboarding.success_criteria
    return _FirstValue(
        definition=onboarding.first_value_definition,
        reached_on=reached_on,
        criteria_met=[
            f"{c.text} ({c.evidence})" if c.evidence else c.text
            for c in criteria
            if c.met_at is not None
        ],
        criteria_open=[c.text for c in criteria if c.met_at is None],
        days=(reached_on - onboarding.start_date).days if reached_on else None,
        target_days=playbook.target_first_value_days if playbook is not None else None,
    )


def _milestones(session: Session, onboarding: Onboarding) -> list[MilestoneLine]:
    waivers = _waiver_reasons(session, onboarding.id)
    return [
        MilestoneLine(
            m.name,
            m.due_date,
            m.completed_on,
            waivers.get(m.id, "") if m.status == MilestoneStatus.WAIVED else None,
        )
        for m in onboarding.milestones
    ]


def _waiver_reasons(session: Session, onboarding_id: int) -> dict[int, str]:
    rows = session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.onboarding_id == onboarding_id, ActivityEntry.action == WAIVED_ACTION)
        .order_by(ActivityEntry.id)
    )
    return {
        int(e.data["milestone_id"]): str(e.data.get("reason", ""))
        for e in rows
        if isinstance(e.data, dict) and "milestone_id" in e.data
    }


def _stakeholders(onboarding: Onboarding) -> list[str]:
    return [
        " · ".join(
            part
            for part in (s.name, s.title, _role_label(s.role), "departed" if s.departed_at else "")
            if part
        )
        for s in onboarding.stakeholders
    ]


def _role_label(role: str) -> str:
    try:
        return StakeholderRole(role).label
    except ValueError:
        return role
