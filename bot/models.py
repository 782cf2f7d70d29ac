"""Typed SQLAlchemy 2 models. Timestamps are timezone-aware UTC; calendar dates are `date`."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class OnboardingStatus(enum.StrEnum):
    ACTIVE = "active"
    HYPERCARE = "hypercare"
    CLOSED = "closed"


class MilestoneStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    BLOCKED = "blocked"
    WAIVED = "waived"


class StakeholderRole(enum.StrEnum):
    EXECUTIVE_SPONSOR = "executive_sponsor"
    CHAMPION = "champion"
    TECHNICAL_LEAD = "technical_lead"
    END_USER_CHAMPION = "end_user_champion"
    DETRACTOR = "detractor"

    @property
    def label(self) -> str:
        return {
            "executive_sponsor": "Executive sponsor",
            "champion": "Project lead (champion)",
            "technical_lead": "Technical lead",
            "end_user_champion": "End-user champion",
            "detractor": "Detractor",
        }[self.value]


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Onboarding(Base):
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
    website: Mapped[str] = mapped_column(String(300), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    company_size: Mapped[str] = mapped_column(String(100), default="")
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    contract_term: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date] = mapped_column(Date)
    segment: Mapped[str] = mapped_column(String(40))
    playbook: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default=OnboardingStatus.ACTIVE)
    csm_user_id: Mapped[str] = mapped_column(String(32))
    ae_user_id: Mapped[str] = mapped_column(String(32))
    customer_channel_id: Mapped[str | None] = mapped_column(String(32))
    internal_channel_id: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    why_bought: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    systems: Mapped[str] = mapped_column(Text, default="")
    sso: Mapped[str] = mapped_column(Text, default="")
    data_migration: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")
    out_of_scope: Mapped[str] = mapped_column(Text, default="")
    hard_deadlines: Mapped[str] = mapped_column(Text, default="")
    target_first_value_date: Mapped[date | None] = mapped_column(Date)
    target_go_live_date: Mapped[date | None] = mapped_column(Date)
    handoff_score: Mapped[int] = mapped_column(Integer, default=0)
    handoff_missing: Mapped[list[str]] = mapped_column(default=list)
    # The Slack view id of the submitted handoff: a second submission of the same view is a no-op.
    handoff_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
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

    phases: Mapped[list[Phase]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Phase.position"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Milestone.position"
    )
    checklist_items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="onboarding",
        cascade="all, delete-orphan",
        order_by="ChecklistItem.position",
    )
    stakeholders: Mapped[list[Stakeholder]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Stakeholder.id"
    )
    success_criteria: Mapped[list[SuccessCriterion]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="SuccessCriterion.id"
    )
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Commitment.id"
    )
    risks: Mapped[list[Risk]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Risk.id"
    )
    blockers: Mapped[list[Blocker]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Blocker.id"
    )
    hypercare_issues: Mapped[list[HypercareIssue]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="HypercareIssue.number"
    )
    alerts: Mapped[list[AlertState]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="AlertState.id"
    )
    health_checks: Mapped[list[HealthCheck]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="HealthCheck.id"
    )
    gate_reviews: Mapped[list[GateReview]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="GateReview.id"
    )
    feedback: Mapped[list[FeedbackResponse]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="FeedbackResponse.id"
    )
    integrations: Mapped[list[Integration]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="Integration.id"
    )
    training_sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="TrainingSession.id"
    )
    activity: Mapped[list[ActivityEntry]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="ActivityEntry.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status != OnboardingStatus.CLOSED


class Phase(Base):
    __tablename__ = "phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))

    onboarding: Mapped[Onboarding] = relationship(back_populates="phases")


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_due", "onboarding_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    phase_key: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, done, dropped
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    dropped_reason: Mapped[str] = mapped_column(Text, default="")

    onboarding: Mapped[Onboarding] = relationship(back_populates="commitments")


class Risk(Base):
    __tablename__ = "risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default=Severity.MEDIUM)

    onboarding: Mapped[Onboarding] = relationship(back_populates="risks")


class Blocker(Base):
    __tablename__ = "blocker"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    actor_user_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A Slack message pinned into the timeline (:pushpin:); unpinning finds the entry by these.
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    onboarding: Mapped[Onboarding] = relationship(back_populates="activity")


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(Base):
    """A post to Slack that must go out exactly once, identified by its idempotency key."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_message_idempotency_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(40))
    onboarding_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    # Post the message once, then edit it in place: `update_key` names the message it updates.
    ts: Mapped[str | None] = mapped_column(String(32))
    thread_of: Mapped[str | None] = mapped_column(String(250))
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Past this moment the post is no longer useful (yesterday's sync): skipped, not sent late.
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class HypercareIssue(Base):
    """An issue raised during hypercare, numbered per onboarding, with SLA clocks by severity."""

    __tablename__ = "hypercare_issue"
    __table_args__ = (UniqueConstraint("onboarding_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
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
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
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


class SubmittedView(Base):
    """A modal submission that changed something, by Slack view id, committed with the change:
    the same modal delivered again (a double click, Slack retrying) finds it and changes
    nothing, in any process. For modals whose rows have no view id of their own."""

    __tablename__ = "submitted_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    view_id: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime]


class SeenRequest(Base):
    """A verified Slack request by its signature, kept for the 5 minutes in which Slack's
    timestamp check would still accept it: the same request sent again (a replay, or a proxy
    resending it) is recognised in any process and acted on once."""

    __tablename__ = "seen_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class SlackAccess(Base):
    """Whether Onboard may call Slack's Web API. Suspended when the app is uninstalled or its
    bot token revoked (the app_uninstalled / tokens_revoked events, or Slack answering
    token_revoked, invalid_auth or account_inactive), until a call proves the token works.
    One row (id 1), made on first use; no row means access was never suspended."""

    __tablename__ = "slack_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    suspended_at: Mapped[datetime | None]  # None: access works
    reason: Mapped[str] = mapped_column(String(60), default="")
    resumed_at: Mapped[datetime | None]


class JobRun(Base):
    """One run of a scheduled job for one period, claimed by exactly one process.

    The unique (job, period) row is how several `onboard serve` processes agree on who runs
    the 09:00 sync: the first insert wins, the others see the conflict and stand down.
    """

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    detail: Mapped[str] = mapped_column(Text, default="")


class HealthCheck(Base):
    """One weekly health check: the answers, the component ratings and the score they make."""

    __tablename__ = "health_check"
    __table_args__ = (Index("ix_health_check_latest", "onboarding_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
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


class OnboardingRollup(Base):
    """One onboarding's milestone and health figures, kept by `bot.rollup` in the flush that
    changes them, so the book's metrics read one row per onboarding (no mapped relationship:
    nothing but SQL reads it)."""

    __tablename__ = "onboarding_rollup"

    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), primary_key=True
    )
    plan_end: Mapped[date | None] = mapped_column(Date)  # the latest milestone due date
    milestones: Mapped[int] = mapped_column(default=0)
    milestones_done: Mapped[int] = mapped_column(default=0)  # complete or waived
    milestones_completed: Mapped[int] = mapped_column(default=0)  # complete, with a date
    milestones_on_time: Mapped[int] = mapped_column(default=0)  # ... on or before due
    milestone_stage: Mapped[int] = mapped_column(default=0)  # furthest funnel stage done
    health_status: Mapped[str | None] = mapped_column(String(20))  # the latest check's
    health_score: Mapped[int | None]
    health_checked_at: Mapped[datetime | None]


class GateReview(Base):
    """A go-live readiness decision: every gate item answered, and what was decided."""

    __tablename__ = "gate_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
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
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # pulse_kickoff, pulse_go_live, survey
    respondent: Mapped[str] = mapped_column(String(64))  # Slack user id or stakeholder email
    pulse: Mapped[int | None]
    satisfaction: Mapped[int | None]
    nps: Mapped[int | None]
    effort: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    onboarding: Mapped[Onboarding] = relationship(back_populates="feedback")


class IntegrationStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    CONFIGURING = "configuring"
    VERIFIED = "verified"  # verified end to end
    FAILING = "failing"
    WAIVED = "waived"


class Integration(Base):
    """A system named in the handoff's technical context (SAP ERP, Okta SSO...), set up and
    verified end to end before the technical-setup milestone can complete."""

    __tablename__ = "integration"
    __table_args__ = (UniqueConstraint("onboarding_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
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
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    track: Mapped[str] = mapped_column(String(60))  # the playbook's track key
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    trainer_user_id: Mapped[str | None] = mapped_column(String(32))
    invited: Mapped[int] = mapped_column(default=0)
    attended: Mapped[int | None]
    competency_passed: Mapped[bool | None]
    delivered_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    onboarding: Mapped[Onboarding] = relationship(back_populates="training_sessions")
