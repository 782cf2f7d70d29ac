"""`/onboard list`: the open onboardings in a scope, most urgent first."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.models import Blocker, Milestone, MilestoneStatus, Onboarding, OnboardingStatus, Phase
from bot.services.status import AT_RISK_DAYS


class ListScope(enum.StrEnum):
    MINE = "mine"
    AT_RISK = "at-risk"
    OVERDUE = "overdue"
    ALL = "all"


@dataclass(frozen=True)
class ListEntry:
    onboarding_id: int
    company_name: str
    segment: str
    csm_user_id: str
    phase: str
    done: int
    total: int
    next_milestone: str | None
    next_due: date | None
    overdue: int
    open_blockers: int

    def days_left(self, today: date) -> int | None:
        return None if self.next_due is None else (self.next_due - today).days

    def is_at_risk(self, today: date) -> bool:
        left = self.days_left(today)
        return bool(
            self.overdue or self.open_blockers or (left is not None and left <= AT_RISK_DAYS)
        )


@dataclass(frozen=True)
class OnboardingList:
    """One page of a scope's list: `entries` from `offset` on, of `total` in the scope."""

    entries: list[ListEntry]
    offset: int
    total: int


DONE = (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)


def list_onboardings(
    session: Session,
    scope: ListScope,
    user_id: str,
    today: date,
    offset: int = 0,
    limit: int | None = None,
) -> OnboardingList:
    """Open onboardings in `scope`, most urgent first (overdue, blocked, then next due): the
    `limit` from `offset` on. Counted in the database, five statements whatever the size: a
    CSM's 500 onboardings are 500 rows, not 500 objects with their 4,500 milestones."""
    scoped = select(Onboarding.id).where(Onboarding.status != OnboardingStatus.CLOSED)
    if scope == ListScope.MINE:
        scoped = scoped.where(
            or_(Onboarding.csm_user_id == user_id, Onboarding.ae_user_id == user_id)
        )
    ids = scoped.scalar_subquery()
    entries = _entries(session, ids, today)
    if scope == ListScope.OVERDUE:
        entries = [e for e in entries if e.overdue]
    elif scope == ListScope.AT_RISK:
        entries = [e for e in entries if e.is_at_risk(today)]
    entries.sort(
        key=lambda e: (-e.overdue, -e.open_blockers, e.next_due or date.max, e.company_name.lower())
    )
    end = None if limit is None else offset + limit
    return OnboardingList(_named_phases(session, entries[offset:end]), offset, len(entries))


def _entries(session: Session, ids: Any, today: date) -> list[ListEntry]:
    """Every onboarding of `ids` with its counts; `phase` still the next milestone's phase key."""
    not_done = Milestone.status.not_in(DONE)
    counts = {
        row.onboarding_id: row
        for row in session.execute(
            select(
                Milestone.onboarding_id,
                func.count().label("total"),
                func.sum(case((not_done, 0), else_=1)).label("done"),
                func.sum(case((and_(not_done, Milestone.due_date < today), 1), else_=0)).label(
                    "overdue"
                ),
            )
            .where(Milestone.onboarding_id.in_(ids))
            .group_by(Milestone.onboarding_id)
        )
    }
    nxt = _next_pending(session, ids)
    blockers = {
        onboarding_id: count
        for onboarding_id, count in session.execute(
            select(Blocker.onboarding_id, func.count())
            .where(Blocker.onboarding_id.in_(ids), Blocker.resolved_at.is_(None))
            .group_by(Blocker.onboarding_id)
        )
    }
    rows = session.execute(
        select(
            Onboarding.id, Onboarding.company_name, Onboarding.segment, Onboarding.csm_user_id
        ).where(Onboarding.id.in_(ids))
    )
    entries = []
    for row in rows:
        count, pending = counts.get(row.id), nxt.get(row.id)
        entries.append(
            ListEntry(
                onboarding_id=row.id,
                company_name=row.company_name,
                segment=row.segment,
                csm_user_id=row.csm_user_id,
                phase=pending.phase_key if pending else "Done",
                done=int(count.done or 0) if count else 0,
                total=int(count.total) if count else 0,
                next_milestone=pending.name if pending else None,
                next_due=pending.due_date if pending else None,
                overdue=int(count.overdue or 0) if count else 0,
                open_blockers=blockers.get(row.id, 0),
            )
        )
    return entries


def _next_pending(session: Session, ids: Any) -> dict[int, Any]:
    """Each onboarding's open milestone due first (ties: plan order), as `next_pending`."""
    ranked = (
        select(
            Milestone.onboarding_id,
            Milestone.name,
            Milestone.phase_key,
            Milestone.due_date,
            func.row_number()
            .over(
                partition_by=Milestone.onboarding_id,
                order_by=(Milestone.due_date, Milestone.position),
            )
            .label("rank"),
        )
        .where(Milestone.onboarding_id.in_(ids), Milestone.status.not_in(DONE))
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1))
    return {row.onboarding_id: row for row in rows}


def _named_phases(session: Session, page: list[ListEntry]) -> list[ListEntry]:
    """The page's entries with their phase's name in place of its key."""
    if not page:
        return page
    names = {
        (row.onboarding_id, row.key): row.name
        for row in session.execute(
            select(Phase.onboarding_id, Phase.key, Phase.name).where(
                Phase.onboarding_id.in_([e.onboarding_id for e in page])
            )
        )
    }
    return [
        replace(e, phase=names.get((e.onboarding_id, e.phase), e.phase)) if e.next_due else e
        for e in page
    ]
