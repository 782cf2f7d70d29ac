"""The scan: every open onboarding's facts with a constant number of queries (one per table,
each ordered by onboarding id and streamed in chunks), merged in memory. 100,000 onboardings
never sit in memory at once, and no onboarding costs a query of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.models import (
    Blocker,
    Commitment,
    HypercareIssue,
    Integration,
    IntegrationStatus,
    Milestone,
    Onboarding,
    Stakeholder,
    StakeholderRole,
    TrainingSession,
    UTCDateTime,
)
from bot.services.health import ranked_checks
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.detection import Signal, detect
from bot.services.signals.facts import (
    DONE_STATUSES,
    KICKOFF_MILESTONE,
    OPEN_STATUSES,
    BlockerRow,
    ChampionRow,
    CommitmentRow,
    Facts,
    HealthRow,
    IntegrationRow,
    IssueRow,
    MilestoneRow,
    OnboardingRow,
    StakeholderCount,
    TrainingRow,
)
from bot.services.training import attendance_thresholds

STREAM_CHUNK = 2000

Row = TypeVar("Row", bound=tuple)


def _open_ids() -> Select[tuple[int]]:
    return select(Onboarding.id).where(Onboarding.status.in_(OPEN_STATUSES))


def stream_rows(session: Session, statement: Select, chunk: int) -> Iterator[Any]:
    """Rows of `statement` fetched `chunk` at a time (a server-side cursor on PostgreSQL)."""
    result = session.execute(statement.execution_options(yield_per=chunk))
    for partition in result.partitions():
        yield from partition


class Aligned:
    """Walks a stream ordered by onboarding id in step with the onboardings."""

    def __init__(self, rows: Iterator[Any], make: Callable[[Any], Any]) -> None:
        self._rows = rows
        self._make = make
        self._head: Any = next(rows, None)

    def take(self, onboarding_id: int) -> list[Any]:
        taken: list[Any] = []
        while self._head is not None and self._head[0] <= onboarding_id:
            if self._head[0] == onboarding_id:
                taken.append(self._make(self._head))
            self._head = next(self._rows, None)
        return taken


def scan_statements(settings: Settings, now: datetime) -> dict[str, Select]:
    """The queries of a scan, one per table. Bounds are generous (a day of time-zone slack on
    each side); the detector applies the exact thresholds in each onboarding's zone."""
    open_ids = _open_ids()
    latest_today = (now + timedelta(days=1)).date()
    shortest_response = min(
        (sla[0] for sla in settings.hypercare_sla.values()), default=timedelta()
    )
    return {
        "onboardings": _onboardings(),
        "milestones": _late_milestones(open_ids, latest_today),
        "blockers": _old_blockers(open_ids, now - timedelta(days=settings.blocker_max_days - 1)),
        "stakeholders": _stakeholder_counts(open_ids),
        "champions": _quiet_champions(
            open_ids, now - timedelta(days=settings.champion_contact_days - 1)
        ),
        "commitments": _overdue_commitments(open_ids, latest_today),
        "issues": _open_issues(open_ids, now - shortest_response),
        "health": ranked_checks(open_ids, 1),
        "integrations": _failing_integrations(open_ids),
        "training": _low_training(open_ids, settings),
    }


def _onboardings() -> Select:
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


def _late_milestones(open_ids: Select[tuple[int]], latest_today: date) -> Select:
    """Open milestones that may be late, and the kickoff until it is held."""
    return (
        select(
            Milestone.onboarding_id, Milestone.id, Milestone.key, Milestone.name, Milestone.due_date
        )
        .where(
            Milestone.onboarding_id.in_(open_ids),
            Milestone.status.not_in(DONE_STATUSES),
            (Milestone.due_date < latest_today) | (Milestone.key == KICKOFF_MILESTONE),
        )
        .order_by(Milestone.onboarding_id, Milestone.due_date, Milestone.id)
    )


def _old_blockers(open_ids: Select[tuple[int]], opened_before: datetime) -> Select:
    return (
        select(
            Blocker.onboarding_id,
            Blocker.id,
            Blocker.reason,
            Blocker.owner_user_id,
            Blocker.opened_at,
        )
        .where(
            Blocker.onboarding_id.in_(open_ids),
            Blocker.resolved_at.is_(None),
            Blocker.opened_at < opened_before,
        )
        .order_by(Blocker.onboarding_id, Blocker.id)
    )


def _stakeholder_counts(open_ids: Select[tuple[int]]) -> Select:
    """Per onboarding: the stakeholders who have not departed, and the last departure."""
    departed_at = type_coerce(func.max(Stakeholder.departed_at), UTCDateTime())
    return (
        select(
            Stakeholder.onboarding_id,
            func.sum(case((Stakeholder.departed_at.is_(None), 1), else_=0)),
            departed_at,
        )
        .where(Stakeholder.onboarding_id.in_(open_ids))
        .group_by(Stakeholder.onboarding_id)
        .order_by(Stakeholder.onboarding_id)
    )


def _quiet_champions(open_ids: Select[tuple[int]], contact_before: datetime) -> Select:
    """Champions who departed or were last contacted before `contact_before`."""
    return (
        select(
            Stakeholder.onboarding_id,
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.departed_at,
            Stakeholder.last_contact_at,
        )
        .where(
            Stakeholder.onboarding_id.in_(open_ids),
            Stakeholder.role == StakeholderRole.CHAMPION,
            Stakeholder.departed_at.is_not(None) | (Stakeholder.last_contact_at < contact_before),
        )
        .order_by(Stakeholder.onboarding_id, Stakeholder.id)
    )


def _overdue_commitments(open_ids: Select[tuple[int]], latest_today: date) -> Select:
    return (
        select(
            Commitment.onboarding_id,
            Commitment.id,
            Commitment.text,
            Commitment.due_date,
            Commitment.owner_user_id,
        )
        .where(
            Commitment.onboarding_id.in_(open_ids),
            Commitment.status == "open",
            Commitment.due_date < latest_today,
        )
        .order_by(Commitment.onboarding_id, Commitment.id)
    )


def _open_issues(open_ids: Select[tuple[int]], opened_before: datetime) -> Select:
    """Open hypercare issues old enough to have missed the shortest response time."""
    return (
        select(
            HypercareIssue.onboarding_id,
            HypercareIssue.id,
            HypercareIssue.number,
            HypercareIssue.severity,
            HypercareIssue.title,
            HypercareIssue.opened_at,
            HypercareIssue.first_response_at,
        )
        .where(
            HypercareIssue.onboarding_id.in_(open_ids),
            HypercareIssue.resolved_at.is_(None),
            HypercareIssue.opened_at < opened_before,
        )
        .order_by(HypercareIssue.onboarding_id, HypercareIssue.number)
    )


def _failing_integrations(open_ids: Select[tuple[int]]) -> Select:
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
            Integration.onboarding_id.in_(open_ids),
            Integration.status == IntegrationStatus.FAILING,
        )
        .order_by(Integration.onboarding_id, Integration.id)
    )


def _low_training(open_ids: Select[tuple[int]], settings: Settings) -> Select:
    """Delivered sessions below the highest threshold of any track, of tracks with no delivered
    session at or above it (the detector applies each track's own threshold)."""
    highest = max(attendance_thresholds(settings.templates_dir).values(), default=Decimal(1))
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
            TrainingSession.onboarding_id.in_(open_ids),
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


def scan(
    session: Session, settings: Settings, now: datetime, *, chunk: int = STREAM_CHUNK
) -> Iterator[Facts]:
    """The facts of every open onboarding in id order: 10 queries whatever their number."""
    statements = scan_statements(settings, now)
    streams = {name: stream_rows(session, s, chunk) for name, s in statements.items()}
    aligned = {
        "milestones": Aligned(streams["milestones"], lambda r: MilestoneRow(*r)),
        "blockers": Aligned(streams["blockers"], lambda r: BlockerRow(*r)),
        "stakeholders": Aligned(streams["stakeholders"], lambda r: StakeholderCount(*r)),
        "champions": Aligned(streams["champions"], lambda r: ChampionRow(*r)),
        "commitments": Aligned(streams["commitments"], lambda r: CommitmentRow(*r)),
        "issues": Aligned(streams["issues"], lambda r: IssueRow(*r)),
        "health": Aligned(streams["health"], lambda r: HealthRow(*r)),
        "integrations": Aligned(streams["integrations"], lambda r: IntegrationRow(*r)),
        "training": Aligned(streams["training"], lambda r: TrainingRow(*r)),
    }
    for row in streams["onboardings"]:
        onboarding = OnboardingRow(*row)
        counts = aligned["stakeholders"].take(onboarding.id)
        yield Facts(
            onboarding,
            milestones=aligned["milestones"].take(onboarding.id),
            blockers=aligned["blockers"].take(onboarding.id),
            stakeholders=counts[0] if counts else None,
            champions=aligned["champions"].take(onboarding.id),
            commitments=aligned["commitments"].take(onboarding.id),
            issues=aligned["issues"].take(onboarding.id),
            health=next(iter(aligned["health"].take(onboarding.id)), None),
            integrations=aligned["integrations"].take(onboarding.id),
            training=aligned["training"].take(onboarding.id),
        )


def detect_all(
    session: Session, settings: Settings, catalog: SignalCatalog, now: datetime
) -> Iterator[tuple[OnboardingRow, list[Signal]]]:
    """Every open onboarding with its signals (possibly none), streamed."""
    for facts in scan(session, settings, now):
        yield facts.onboarding, detect(facts, settings, catalog, now)
