"""An onboarding and what belongs to it: one module, because every part and its onboarding
refer to each other (`onboarding.milestones`, `milestone.onboarding`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, utcnow
from bot.models.enums import IntegrationStatus, MilestoneStatus, OnboardingStatus, Severity
from bot.models.handoff import HandoffFacts


def onboarding_fk(*, index: bool = False) -> Mapped[int]:
    """The column that ties a part to its onboarding; deleting the onboarding deletes it."""
    return mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"), index=index)


def _parts(order_by: str) -> Any:
    """One of the onboarding's collections of parts, which live and die with it."""
    return relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by=order_by
    )


class Onboarding(HandoffFacts, Base):
    __tablename__ = "onboarding"
    __table_args__ = (
        # One open onboarding per company; closed ones may repeat (a renewal re-onboards).
        Index(
            "uq_onboarding_open_company",
            "company_key",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    # When the deal closed (the handoff asks; the handoff's timing commitments count from it).
    deal_closed_on: Mapped[date | None] = mapped_column(Date)
    segment: Mapped[str] = mapped_column(String(40))
    playbook: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default=OnboardingStatus.ACTIVE)
    csm_user_id: Mapped[str] = mapped_column(String(32), index=True)  # `/onboard list mine`
    ae_user_id: Mapped[str] = mapped_column(String(32), index=True)
    # Indexed: every message event in a channel asks which onboarding it belongs to.
    customer_channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    internal_channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    first_value_at: Mapped[datetime | None]
    go_live_at: Mapped[datetime | None]
    hypercare_ends_on: Mapped[date | None] = mapped_column(Date)
    hypercare_exited_at: Mapped[datetime | None]
    # Agreed at the kickoff (`done <customer> kickoff` asks for them); first value needs the first.
    first_value_definition: Mapped[str] = mapped_column(Text, default="")
    meeting_cadence: Mapped[str] = mapped_column(Text, default="")
    escalation_path: Mapped[str] = mapped_column(Text, default="")
    # The transition (`/onboard close`): lessons learned and who carries the account on.
    lessons_learned: Mapped[str] = mapped_column(Text, default="")
    ongoing_csm_user_id: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phases: Mapped[list[Phase]] = _parts("Phase.position")
    milestones: Mapped[list[Milestone]] = _parts("Milestone.position")
    checklist_items: Mapped[list[ChecklistItem]] = _parts("ChecklistItem.position")
    stakeholders: Mapped[list[Stakeholder]] = _parts("Stakeholder.id")
    success_criteria: Mapped[list[SuccessCriterion]] = _parts("SuccessCriterion.id")
    commitments: Mapped[list[Commitment]] = _parts("Commitment.id")
    risks: Mapped[list[Risk]] = _parts("Risk.id")
    blockers: Mapped[list[Blocker]] = _parts("Blocker.id")
    hypercare_issues: Mapped[list[HypercareIssue]] = _parts("HypercareIssue.number")
    alerts: Mapped[list[AlertState]] = _parts("AlertState.id")
    health_checks: Mapped[list[HealthCheck]] = _parts("HealthCheck.id")
    gate_reviews: Mapped[list[GateReview]] = _parts("GateReview.id")
    feedback: Mapped[list[FeedbackResponse]] = _parts("FeedbackResponse.id")
    integrations: Mapped[list[Integration]] = _parts("Integration.id")
    training_sessions: Mapped[list[TrainingSession]] = _parts("TrainingSession.id")
    activity: Mapped[list[ActivityEntry]] = _parts("ActivityEntry.id")

    @property
    def is_open(self) -> bool:
        return self.status != OnboardingStatus.CLOSED


class Phase(Base):
    __tablename__ = "phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    onboarding: Mapped[Onboarding] = relationship(back_populates="phases")


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_due", "onboarding_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    phase_key: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
    baseline_due_date: Mapped[date | None] = mapped_column(Date)  # the first plan's due date
    is_first_value: Mapped[bool] = mapped_column(default=False)
    is_go_live: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=MilestoneStatus.PENDING)
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(32))
    onboarding: Mapped[Onboarding] = relationship(back_populates="milestones")

    @property
    def is_done(self) -> bool:
        return self.status in (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)


class ChecklistItem(Base):
    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    position: Mapped[int]
    phase_key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(String(500))
    owner_role: Mapped[str] = mapped_column(String(40))
    is_gate: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))
    onboarding: Mapped[Onboarding] = relationship(back_populates="checklist_items")


class Stakeholder(Base):
    __tablename__ = "stakeholder"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(40))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    departed_at: Mapped[datetime | None]
    last_contact_at: Mapped[datetime | None]
    # The stakeholder map: power and interest (high / low), sentiment (champion .. detractor).
    power: Mapped[str] = mapped_column(String(10), default="")
    interest: Mapped[str] = mapped_column(String(10), default="")
    sentiment: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    onboarding: Mapped[Onboarding] = relationship(back_populates="stakeholders")


class SuccessCriterion(Base):
    __tablename__ = "success_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    text: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date)
    met_at: Mapped[datetime | None]
    met_by: Mapped[str | None] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text, default="")
    # The customer's own definition of first value: first value is reached when this is met.
    is_first_value: Mapped[bool] = mapped_column(default=False)
    onboarding: Mapped[Onboarding] = relationship(back_populates="success_criteria")


class Commitment(Base):
    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, done, dropped
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    dropped_reason: Mapped[str] = mapped_column(Text, default="")
    timing_key: Mapped[str | None] = mapped_column(String(60))  # the handoff's: handoff_timing
    onboarding: Mapped[Onboarding] = relationship(back_populates="commitments")


class Risk(Base):
    __tablename__ = "risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    text: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default=Severity.MEDIUM)
    onboarding: Mapped[Onboarding] = relationship(back_populates="risks")


class Blocker(Base):
    __tablename__ = "blocker"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    reason: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    onboarding: Mapped[Onboarding] = relationship(back_populates="blockers")


class ActivityEntry(Base):
    """Who changed what, when. Every change to an onboarding writes one."""

    __tablename__ = "activity_entry"
    __table_args__ = (Index("ix_activity_entry_message", "message_channel", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    actor_user_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A Slack message pinned into the timeline (:pushpin:); unpinning finds the entry by these.
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    onboarding: Mapped[Onboarding] = relationship(back_populates="activity")


class HypercareIssue(Base):
    """An issue raised during hypercare, numbered per onboarding, with SLA clocks by severity."""

    __tablename__ = "hypercare_issue"
    __table_args__ = (UniqueConstraint("onboarding_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    number: Mapped[int]
    severity: Mapped[str] = mapped_column(String(4))  # P1..P4
    title: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(32))
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    onboarding: Mapped[Onboarding] = relationship(back_populates="hypercare_issues")


class AlertState(Base):
    """One stall signal on one subject of one onboarding: what was said, when, and its answer.

    Rows persist across runs so an unchanged signal is not re-posted before the re-notify
    interval, and acknowledge / snooze from the alert's buttons are remembered.
    """

    __tablename__ = "alert_state"
    __table_args__ = (UniqueConstraint("onboarding_id", "signal", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    signal: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")
    # What the signal looked like when last notified; a different state notifies again.
    state: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    last_notified_at: Mapped[datetime | None]
    notify_count: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    snoozed_until: Mapped[datetime | None]
    snoozed_by: Mapped[str | None] = mapped_column(String(32))
    cleared_at: Mapped[datetime | None]
    onboarding: Mapped[Onboarding] = relationship(back_populates="alerts")


class HealthCheck(Base):
    """One weekly health check: the answers, the component ratings and the score they make."""

    __tablename__ = "health_check"
    __table_args__ = (Index("ix_health_check_latest", "onboarding_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    checked_at: Mapped[datetime]
    checked_by: Mapped[str] = mapped_column(String(32))
    # {"adoption": {"question": true, ...}, ...}: the YES/NO questions by area.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"engagement": 1..5, "progress": 1..5, ...}; progress is computed, not asked.
    ratings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    no_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))  # healthy, monitor, at_risk, critical, ...
    note: Mapped[str] = mapped_column(Text, default="")
    # The modal's view id: a submission Slack delivers twice stores one check.
    view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    onboarding: Mapped[Onboarding] = relationship(back_populates="health_checks")


class GateReview(Base):
    """A go-live readiness decision: every gate item answered, and what was decided."""

    __tablename__ = "gate_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(32))
    # [{"item_id": 1, "group": "technical", "text": "...", "yes": false, "note": "..."}]
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))  # proceed, refused, override
    override_reason: Mapped[str] = mapped_column(Text, default="")
    # The modal's view id: a submission Slack delivers twice is decided once.
    view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    onboarding: Mapped[Onboarding] = relationship(back_populates="gate_reviews")


class FeedbackResponse(Base):
    """The customer's voice: a pulse (1-5) or the post-onboarding survey."""

    __tablename__ = "feedback_response"
    __table_args__ = (UniqueConstraint("onboarding_id", "kind", "respondent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    kind: Mapped[str] = mapped_column(String(30))  # pulse_kickoff, pulse_go_live, survey
    respondent: Mapped[str] = mapped_column(String(64))  # Slack user id or stakeholder email
    pulse: Mapped[int | None]
    satisfaction: Mapped[int | None]
    nps: Mapped[int | None]
    effort: Mapped[int | None]
    prepared: Mapped[bool | None]  # survey: prepared for ongoing success? reference?
    reference: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    onboarding: Mapped[Onboarding] = relationship(back_populates="feedback")


class Integration(Base):
    """A system named in the handoff's technical context (SAP ERP, Okta SSO...), set up and
    verified end to end before the technical-setup milestone can complete."""

    __tablename__ = "integration"
    __table_args__ = (UniqueConstraint("onboarding_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    name: Mapped[str] = mapped_column(String(120))
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=IntegrationStatus.NOT_STARTED)
    config_notes: Mapped[str] = mapped_column(Text, default="")
    migration_result: Mapped[str] = mapped_column(Text, default="")
    known_limitations: Mapped[str] = mapped_column(Text, default="")
    waived_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(32))
    onboarding: Mapped[Onboarding] = relationship(back_populates="integrations")


class TrainingSession(Base):
    """One training session of the plan: a track (admins, power users...), when, by whom, and
    once delivered who came."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk(index=True)
    track: Mapped[str] = mapped_column(String(60))  # the playbook's track key
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    trainer_user_id: Mapped[str | None] = mapped_column(String(32))
    invited: Mapped[int] = mapped_column(default=0)
    attended: Mapped[int | None]
    competency_passed: Mapped[bool | None]
    delivered_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    onboarding: Mapped[Onboarding] = relationship(back_populates="training_sessions")
