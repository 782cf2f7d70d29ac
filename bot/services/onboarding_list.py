"""`/onboard list`: the open onboardings in a scope, most urgent first."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, func, or_, select
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
    `limit` from `offset` on. Counted in the database, three statements whatever the size (the
    scope's counts, then the page's next milestones and phase names): a CSM's 500 onboardings
    are 500 rows, not 500 objects with their 4,500 milestones."""
    where = [Onboarding.status != OnboardingStatus.CLOSED]
    if scope == ListScope.MINE:
        where.append(or_(Onboarding.csm_user_id == user_id, Onboarding.ae_user_id == user_id))
    entries = _counted(session, where, today)
    if scope == ListScope.OVERDUE:
        entries = [e for e in entries if e.overdue]
    elif scope == ListScope.AT_RISK:
        entries = [e for e in entries if e.is_at_risk(today)]
    entries.sort(
        key=lambda e: (-e.overdue, -e.open_blockers, e.next_due or date.max, e.company_name.lower())
    )
    end = None if limit is None else offset + limit
    return OnboardingList(_with_next(session, entries[offset:end]), offset, len(entries))


def _counted(session: Session, where: list[Any], today: date) -> list[ListEntry]:
    """Each onboarding matching `where` with its counts and next due date, in one statement
    (its next milestone's name and phase are left for the page)."""
    pending = Milestone.status.not_in(DONE)
    open_blockers = (
        select(func.count())
        .where(Blocker.onboarding_id == Onboarding.id, Blocker.resolved_at.is_(None))
        .correlate(Onboarding)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Onboarding.id,
            Onboarding.company_name,
            Onboarding.segment,
            Onboarding.csm_user_id,
            func.count(Milestone.onboarding_id).label("total"),
            func.sum(case((pending, 0), else_=1)).label("done"),
            func.sum(case((and_(pending, Milestone.due_date < today), 1), else_=0)).label(
                "overdue"
            ),
            func.min(case((pending, Milestone.due_date)), type_=Date).label("next_due"),
            open_blockers.label("open_blockers"),
        )
        .outerjoin(Milestone, Milestone.onboarding_id == Onboarding.id)
        .where(*where)
        .group_by(
            Onboarding.id, Onboarding.company_name, Onboarding.segment, Onboarding.csm_user_id
        )
    )
    return [
        ListEntry(
            onboarding_id=row.id,
            company_name=row.company_name,
            segment=row.segment,
            csm_user_id=row.csm_user_id,
            phase="Done",
            done=int(row.done or 0),
            total=row.total,
            next_milestone=None,
            next_due=row.next_due,
            overdue=int(row.overdue or 0),
            open_blockers=row.open_blockers,
        )
        for row in rows
    ]


def _with_next(session: Session, page: list[ListEntry]) -> list[ListEntry]:
    """The page's entries with their next milestone (the open one due first, ties in plan
    order, as `next_pending`) and the name of its phase."""
    ids = [e.onboarding_id for e in page if e.next_due is not None]
    if not ids:
        return page
    first: dict[int, Any] = {}
    for row in session.execute(
        select(Milestone.onboarding_id, Milestone.name, Milestone.phase_key, Milestone.due_date)
        .where(Milestone.onboarding_id.in_(ids), Milestone.status.not_in(DONE))
        .order_by(Milestone.onboarding_id, Milestone.due_date.desc(), Milestone.position.desc())
    ):
        first[row.onboarding_id] = row  # the last row of each onboarding is its first due
    names = {
        (row.onboarding_id, row.key): row.name
        for row in session.execute(
            select(Phase.onboarding_id, Phase.key, Phase.name).where(Phase.onboarding_id.in_(ids))
        )
    }
    return [
        replace(
            e,
            phase=names.get((e.onboarding_id, nxt.phase_key), nxt.phase_key),
            next_milestone=nxt.name,
        )
        if (nxt := first.get(e.onboarding_id)) is not None
        else e
        for e in page
    ]
