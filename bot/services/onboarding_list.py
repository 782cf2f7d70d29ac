"""`/onboard list`: the open onboardings in a scope, most urgent first."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.models import Onboarding, OnboardingStatus
from bot.services.status import AT_RISK_DAYS, next_pending


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


def _list_entry(onboarding: Onboarding, today: date) -> ListEntry:
    nxt = next_pending(onboarding)
    phases = {p.key: p.name for p in onboarding.phases}
    return ListEntry(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        segment=onboarding.segment,
        csm_user_id=onboarding.csm_user_id,
        phase=phases.get(nxt.phase_key, nxt.phase_key) if nxt else "Done",
        done=sum(1 for m in onboarding.milestones if m.is_done),
        total=len(onboarding.milestones),
        next_milestone=nxt.name if nxt else None,
        next_due=nxt.due_date if nxt else None,
        overdue=sum(1 for m in onboarding.milestones if not m.is_done and m.due_date < today),
        open_blockers=sum(1 for b in onboarding.blockers if b.resolved_at is None),
    )


def list_onboardings(
    session: Session, scope: ListScope, user_id: str, today: date
) -> list[ListEntry]:
    """Open onboardings in `scope`, most urgent first: overdue, blocked, then next due."""
    query = select(Onboarding).where(Onboarding.status != OnboardingStatus.CLOSED)
    if scope == ListScope.MINE:
        query = query.where(
            or_(Onboarding.csm_user_id == user_id, Onboarding.ae_user_id == user_id)
        )
    rows = session.scalars(
        query.options(
            selectinload(Onboarding.milestones),
            selectinload(Onboarding.phases),
            selectinload(Onboarding.blockers),
        )
    )
    entries = [_list_entry(o, today) for o in rows]
    if scope == ListScope.OVERDUE:
        entries = [e for e in entries if e.overdue]
    elif scope == ListScope.AT_RISK:
        entries = [e for e in entries if e.is_at_risk(today)]
    return sorted(
        entries,
        key=lambda e: (
            -e.overdue,
            -e.open_blockers,
            e.next_due or date.max,
            e.company_name.lower(),
        ),
    )
