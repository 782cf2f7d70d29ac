"""The book of onboardings: what a user owns or sold, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.models import Blocker, Milestone, Onboarding, OnboardingStatus


@dataclass(frozen=True)
class BookEntry:
    onboarding_id: int
    company_name: str
    segment: str
    csm_user_id: str
    ae_user_id: str
    phase: str
    next_milestone: str | None
    next_due: date | None
    done: int
    total: int
    open_blockers: int
    acknowledged: bool

    def days_left(self, today: date) -> int | None:
        return None if self.next_due is None else (self.next_due - today).days


def _entry(onboarding: Onboarding) -> BookEntry:
    pending: list[Milestone] = [m for m in onboarding.milestones if not m.is_done]
    nxt = min(pending, key=lambda m: (m.due_date, m.position)) if pending else None
    phase_names = {p.key: p.name for p in onboarding.phases}
    return BookEntry(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        segment=onboarding.segment,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        phase=phase_names.get(nxt.phase_key, nxt.phase_key) if nxt else "Done",
        next_milestone=nxt.name if nxt else None,
        next_due=nxt.due_date if nxt else None,
        done=len(onboarding.milestones) - len(pending),
        total=len(onboarding.milestones),
        open_blockers=sum(1 for b in onboarding.blockers if b.resolved_at is None),
        acknowledged=onboarding.acknowledged_at is not None,
    )


def book_for_user(session: Session, user_id: str, limit: int = 200) -> list[BookEntry]:
    """Open onboardings the user owns (CSM) or sold (AE), soonest next due milestone first."""
    rows = session.scalars(
        select(Onboarding)
        .where(
            Onboarding.status != OnboardingStatus.CLOSED,
            or_(Onboarding.csm_user_id == user_id, Onboarding.ae_user_id == user_id),
        )
        .options(
            selectinload(Onboarding.milestones),
            selectinload(Onboarding.phases),
            selectinload(Onboarding.blockers),
        )
        .limit(limit)
    )
    entries = [_entry(o) for o in rows]
    return sorted(entries, key=lambda e: (e.next_due or date.max, e.company_name.lower()))


@dataclass(frozen=True)
class OwnedBlocker:
    onboarding_id: int
    company_name: str
    reason: str
    since: datetime

    def age_days(self, today: date) -> int:
        return (today - self.since.date()).days


def blockers_owned_by(session: Session, user_id: str, limit: int = 200) -> list[OwnedBlocker]:
    """Open blockers the user owns on open onboardings, oldest first (one query)."""
    rows = session.execute(
        select(Blocker.onboarding_id, Onboarding.company_name, Blocker.reason, Blocker.opened_at)
        .join(Onboarding, Blocker.onboarding_id == Onboarding.id)
        .where(
            Blocker.owner_user_id == user_id,
            Blocker.resolved_at.is_(None),
            Onboarding.status != OnboardingStatus.CLOSED,
        )
        .order_by(Blocker.opened_at, Blocker.id)
        .limit(limit)
    )
    return [OwnedBlocker(*row) for row in rows]
