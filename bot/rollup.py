"""Each onboarding's rollup row: its milestone and health figures, kept current so that the
book's metrics and export read one row per onboarding instead of every milestone and health
check (at 100,000 onboardings: 100,000 rows, not 900,000 milestones plus 300,000 checks).

The figures have one definition, `figures()`, a SELECT over milestones and health checks. A
session event refreshes the onboardings a flush touched, in that same flush (so the rollup
commits or rolls back with the change), with one upsert of `figures()` for those onboardings;
`refresh()` with no ids rebuilds every row (a bulk load, a repair).

Two transactions changing milestones of one onboarding must not each write a rollup computed
without the other's change, so on PostgreSQL a flush first locks the onboarding rows it is
about to touch (in id order, before writing anything: the same order as every other writer,
which never deadlocks); the second waits and then reads the first's committed milestones.
SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, event, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.models import HealthCheck, Milestone, MilestoneStatus, Onboarding, OnboardingRollup

# Milestone keys (shared by every playbook) that complete a funnel stage, by the stage's index
# in `bot.services.metrics.FUNNEL`; a go-live milestone is stage LIVE whatever its key.
FUNNEL_MILESTONES = {
    "kickoff": 1,
    "technical_setup": 2,
    "training": 3,
    "pilot": 4,
    "go_live": 5,
    "hypercare_exit": 6,
    "transition": 6,
}
LIVE, ADOPTED = 5, 6

ROLLED_UP = (Milestone, HealthCheck)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet `condition` (SUM of a CASE: the same on both databases)."""
    return func.sum(case((condition, 1), else_=0))


def _milestones(ids: Collection[int] | None) -> Any:
    done = Milestone.status.in_((MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED))
    completed = and_(
        Milestone.status == MilestoneStatus.COMPLETE, Milestone.completed_on.is_not(None)
    )
    baseline_due = func.coalesce(Milestone.baseline_due_date, Milestone.due_date)
    stage = case(
        (Milestone.is_go_live, LIVE),
        else_=case(FUNNEL_MILESTONES, value=Milestone.key, else_=0),
    )
    query = select(
        Milestone.onboarding_id,
        func.max(Milestone.due_date).label("plan_end"),
        func.count().label("total"),
        count_if(done).label("done"),
        count_if(completed).label("completed"),
        count_if(and_(completed, Milestone.completed_on <= Milestone.due_date)).label("on_time"),
        func.max(case((done, stage), else_=0)).label("stage"),
        func.max(baseline_due).label("baseline_plan_end"),
        count_if(and_(completed, Milestone.completed_on <= baseline_due)).label("on_time_baseline"),
    ).group_by(Milestone.onboarding_id)
    if ids is not None:
        query = query.where(Milestone.onboarding_id.in_(ids))
    return query.subquery("milestones")


def _latest_health(ids: Collection[int] | None) -> Any:
    ranked = select(
        HealthCheck.onboarding_id,
        HealthCheck.status,
        HealthCheck.score,
        HealthCheck.checked_at,
        func.row_number()
        .over(
            partition_by=HealthCheck.onboarding_id,
            order_by=(HealthCheck.checked_at.desc(), HealthCheck.id.desc()),
        )
        .label("rank"),
    )
    if ids is not None:
        ranked = ranked.where(HealthCheck.onboarding_id.in_(ids))
    ranked_health = ranked.subquery("ranked_health")
    return select(ranked_health).where(ranked_health.c.rank == 1).subquery("latest_health")


COLUMNS = (
    "onboarding_id",
    "plan_end",
    "milestones",
    "milestones_done",
    "milestones_completed",
    "milestones_on_time",
    "milestone_stage",
    "health_status",
    "health_score",
    "health_checked_at",
    "baseline_plan_end",
    "milestones_on_time_baseline",
)


def figures(ids: Collection[int] | None = None) -> Any:
    """The rollup of each onboarding in `ids` (all when None), in `COLUMNS` order."""
    ms, health = _milestones(ids), _latest_health(ids)
    query = (
        select(
            Onboarding.id,
            ms.c.plan_end,
            func.coalesce(ms.c.total, 0),
            func.coalesce(ms.c.done, 0),
            func.coalesce(ms.c.completed, 0),
            func.coalesce(ms.c.on_time, 0),
            func.coalesce(ms.c.stage, 0),
            health.c.status,
            health.c.score,
            health.c.checked_at,
            ms.c.baseline_plan_end,
            func.coalesce(ms.c.on_time_baseline, 0),
        )
        .outerjoin(ms, ms.c.onboarding_id == Onboarding.id)
        .outerjoin(health, health.c.onboarding_id == Onboarding.id)
    )
    # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT (its parser's ambiguity).
    return query.where(Onboarding.id.in_(ids) if ids is not None else true())


def refresh(connection: Connection, ids: Collection[int] | None = None) -> int:
    """Write the rollup of the onboardings in `ids` (every onboarding when None); how many."""
    if ids is not None and not ids:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(OnboardingRollup).from_select(COLUMNS, figures(ids))
    result = connection.execute(
        insert.on_conflict_do_update(
            index_elements=[OnboardingRollup.onboarding_id],
            set_={name: insert.excluded[name] for name in COLUMNS[1:]},
        )
    )
    return result.rowcount


def _onboarding_id(obj: Milestone | HealthCheck) -> int | None:
    # A row added through `onboarding.milestones` has no foreign key before the flush.
    if obj.onboarding_id is not None:
        return obj.onboarding_id
    return obj.onboarding.id if obj.onboarding is not None else None


def _touched(objects: Iterable[Any]) -> set[int]:
    ids = {_onboarding_id(obj) for obj in objects if isinstance(obj, ROLLED_UP)}
    return {id_ for id_ in ids if id_ is not None}


def _changed(session: Session) -> set[int]:
    dirty = (obj for obj in session.dirty if session.is_modified(obj))
    return _touched([*session.new, *dirty, *session.deleted])


def _lock(session: Session, _context: Any, _instances: Any) -> None:
    ids = _changed(session)
    if ids and session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            select(Onboarding.id)
            .where(Onboarding.id.in_(ids))
            .order_by(Onboarding.id)
            .with_for_update(key_share=True)
        )  # fmt: skip  FOR NO KEY UPDATE: see bot.db.lock_row


def _refresh_flushed(session: Session, _context: Any) -> None:
    # Still the pre-flush new/dirty/deleted lists here, now with every foreign key set.
    refresh(session.connection(), _changed(session))


def keep_current(sessions: sessionmaker[Session]) -> None:
    """Refresh the rollup in every flush of `sessions` that changes a milestone or a check."""
    event.listen(sessions, "before_flush", _lock)
    event.listen(sessions, "after_flush", _refresh_flushed)
