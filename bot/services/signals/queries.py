"""The queries of the scan (bot/services/signals/scan.py): one per table over every open
onboarding, each returning rows keyed by onboarding id (the first column) and ordered by it.

Bounds are generous (a day of time-zone slack on each side); the detector applies the exact
thresholds in each onboarding's zone. Each query selects only the columns its fact row holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, case, func, select, type_coerce
from sqlalchemy.orm import aliased

from bot.config import Settings
from bot.models import (
    Blocker,
    Commitment,
    HypercareIssue,
    Integration,
    IntegrationStatus,
    Milestone,
    Onboarding,
    OnboardingRollup,
    Stakeholder,
    StakeholderRole,
    TrainingSession,
    UTCDateTime,
)
from bot.services.signals.facts import DONE_STATUSES, KICKOFF_MILESTONE, OPEN_STATUSES
from bot.services.training import attendance_thresholds


@dataclass(frozen=True)
class ScanWindow:
    """What a fact source's query may depend on: the settings, the clock, and the open
    onboardings (a subquery of their ids, to filter a table by)."""

    settings: Settings
    now: datetime

    @property
    def open_ids(self) -> Select[tuple[int]]:
        return select(Onboarding.id).where(Onboarding.status.in_(OPEN_STATUSES))

    @property
    def latest_today(self) -> date:
        """The latest local date anywhere on earth at `now`."""
        return (self.now + timedelta(days=1)).date()

    def days_ago(self, days: int) -> datetime:
        """`days` days before now, less a day of time-zone slack."""
        return self.now - timedelta(days=days - 1)


def open_onboardings() -> Select:
    return (
        select(
            Onboarding.id,
            Onboarding.company_name,
            Onboarding.status,
            Onboarding.playbook,
            Onboarding.csm_user_id,
            Onboarding.ae_user_id,
            Onboarding.customer_channel_id,
            Onboarding.internal_channel_id,
            Onboarding.timezone,
            Onboarding.start_date,
            Onboarding.last_activity_at,
            Onboarding.created_at,
        )
        .where(Onboarding.status.in_(OPEN_STATUSES))
        .order_by(Onboarding.id)
    )


def late_milestones(w: ScanWindow) -> Select:
    """Open milestones that may be late, and the kickoff until it is held."""
    return (
        select(
            Milestone.onboarding_id, Milestone.id, Milestone.key, Milestone.name, Milestone.due_date
        )
        .where(
            Milestone.onboarding_id.in_(w.open_ids),
            Milestone.status.not_in(DONE_STATUSES),
            (Milestone.due_date < w.latest_today) | (Milestone.key == KICKOFF_MILESTONE),
        )
        .order_by(Milestone.onboarding_id, Milestone.due_date, Milestone.id)
    )


def old_blockers(w: ScanWindow) -> Select:
    return (
        select(
            Blocker.onboarding_id,
            Blocker.id,
            Blocker.reason,
            Blocker.owner_user_id,
            Blocker.opened_at,
        )
        .where(
            Blocker.onboarding_id.in_(w.open_ids),
            Blocker.resolved_at.is_(None),
            Blocker.opened_at < w.days_ago(w.settings.blocker_max_days),
        )
        .order_by(Blocker.onboarding_id, Blocker.id)
    )


def stakeholder_counts(w: ScanWindow) -> Select:
    """Per onboarding: the stakeholders who have not departed, and the last departure."""
    departed_at = type_coerce(func.max(Stakeholder.departed_at), UTCDateTime())
    return (
        select(
            Stakeholder.onboarding_id,
            func.sum(case((Stakeholder.departed_at.is_(None), 1), else_=0)),
            departed_at,
        )
        .where(Stakeholder.onboarding_id.in_(w.open_ids))
        .group_by(Stakeholder.onboarding_id)
        .order_by(Stakeholder.onboarding_id)
    )


def quiet_champions(w: ScanWindow) -> Select:
    """Champions who departed or have not been contacted for ONBOARD_CHAMPION_CONTACT_DAYS."""
    contact_before = w.days_ago(w.settings.champion_contact_days)
    return (
        select(
            Stakeholder.onboarding_id,
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.departed_at,
            Stakeholder.last_contact_at,
        )
        .where(
            Stakeholder.onboarding_id.in_(w.open_ids),
            Stakeholder.role == StakeholderRole.CHAMPION,
            Stakeholder.departed_at.is_not(None) | (Stakeholder.last_contact_at < contact_before),
        )
        .order_by(Stakeholder.onboarding_id, Stakeholder.id)
    )


def overdue_commitments(w: ScanWindow) -> Select:
    return (
        select(
            Commitment.onboarding_id,
            Commitment.id,
            Commitment.text,
            Commitment.due_date,
            Commitment.owner_user_id,
        )
        .where(
            Commitment.onboarding_id.in_(w.open_ids),
            Commitment.status == "open",
            Commitment.due_date < w.latest_today,
        )
        .order_by(Commitment.onboarding_id, Commitment.id)
    )


def open_issues(w: ScanWindow) -> Select:
    """Open hypercare issues old enough to have missed the shortest response time."""
    sla = w.settings.hypercare_sla.values()
    opened_before = w.now - min((response for response, _ in sla), default=timedelta())
    return (
        select(
            HypercareIssue.onboarding_id,
            HypercareIssue.id,
            HypercareIssue.number,
            HypercareIssue.severity,
            HypercareIssue.title,
            HypercareIssue.opened_at,
            HypercareIssue.first_response_at,
            HypercareIssue.resolved_at,  # None: for the SLA clock
        )
        .where(
            HypercareIssue.onboarding_id.in_(w.open_ids),
            HypercareIssue.resolved_at.is_(None),
            HypercareIssue.opened_at < opened_before,
        )
        .order_by(HypercareIssue.onboarding_id, HypercareIssue.number)
    )


def failing_integrations(w: ScanWindow) -> Select:
    return (
        select(
            Integration.onboarding_id,
            Integration.id,
            Integration.name,
            Integration.owner_user_id,
            Integration.config_notes,
            Integration.updated_at,
        )
        .where(
            Integration.onboarding_id.in_(w.open_ids),
            Integration.status == IntegrationStatus.FAILING,
        )
        .order_by(Integration.onboarding_id, Integration.id)
    )


def low_training(w: ScanWindow) -> Select:
    """Delivered sessions below the highest threshold of any track, of tracks with no delivered
    session at or above it (the detector applies each track's own threshold)."""
    highest = max(attendance_thresholds(w.settings.templates_dir).values(), default=Decimal(1))
    other = aliased(TrainingSession)
    delivered = TrainingSession.delivered_at.is_not(None) & TrainingSession.attended.is_not(None)
    return (
        select(
            TrainingSession.onboarding_id,
            TrainingSession.id,
            TrainingSession.track,
            TrainingSession.invited,
            TrainingSession.attended,
            TrainingSession.delivered_at,
        )
        .where(
            TrainingSession.onboarding_id.in_(w.open_ids),
            delivered,
            TrainingSession.invited > 0,
            TrainingSession.attended < TrainingSession.invited * float(highest),
            ~select(other.id)
            .where(
                other.onboarding_id == TrainingSession.onboarding_id,
                other.track == TrainingSession.track,
                other.delivered_at.is_not(None),
                other.invited > 0,
                other.attended >= other.invited * float(highest),
            )
            .exists(),
        )
        .order_by(TrainingSession.onboarding_id, TrainingSession.id)
    )


def latest_health(w: ScanWindow) -> Select:
    """The latest weekly health check of each open onboarding that has one, as its rollup row
    keeps it (bot/rollup.py, written in the flush that records a check): one row per onboarding
    by primary key, where ranking every check took a third of the scan's database time."""
    r = OnboardingRollup
    return (
        select(r.onboarding_id, r.health_checked_at, r.health_score, r.health_status)
        .where(r.onboarding_id.in_(w.open_ids), r.health_checked_at.is_not(None))
        .order_by(r.onboarding_id)
    )
