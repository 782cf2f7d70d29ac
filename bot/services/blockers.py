"""Blockers: who is blocked on what since when, and resolving them (the edge commits)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Blocker, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import count, truncate

REASON_MAX = 1000


@dataclass(frozen=True)
class BlockerChange:
    onboarding_id: int
    company_name: str
    blocker_id: int
    reason: str
    owner_user_id: str
    open_count: int


def open_blockers(onboarding: Onboarding) -> list[Blocker]:
    return [b for b in onboarding.blockers if b.resolved_at is None]


def _result(onboarding: Onboarding, blocker: Blocker) -> BlockerChange:
    return BlockerChange(
        onboarding.id,
        onboarding.company_name,
        blocker.id,
        blocker.reason,
        blocker.owner_user_id,
        len(open_blockers(onboarding)),
    )


def add_blocker(
    session: Session,
    onboarding_id: int,
    reason: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    owner_user_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> BlockerChange:
    """Open a blocker owned by `owner_user_id` (the actor when not given); `data` goes into
    its activity entry (e.g. the permalink of the Slack message it was logged from)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Conflict("Say what the blocker is, like `/onboard block acme waiting on SSO`.")
    onboarding = get_onboarding(session, onboarding_id, Onboarding.blockers)
    ensure_can_change(onboarding, actor, admins)
    blocker = Blocker(
        reason=truncate(reason, REASON_MAX),
        owner_user_id=owner_user_id or actor,
        opened_at=now,
        opened_by=actor,
    )
    onboarding.blockers.append(blocker)
    record_activity(
        session,
        onboarding,
        actor,
        "blocker_added",
        f"Blocked: {blocker.reason}",
        now=now,
        data=data,
    )
    session.flush()  # the blocker's id
    return _result(onboarding, blocker)


def resolve_blocker(
    session: Session,
    onboarding_id: int,
    number: int | None,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> BlockerChange:
    """Resolve open blocker `number` (1-based, as the status card lists them); the only one
    when `number` is None."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.blockers)
    ensure_can_change(onboarding, actor, admins)
    blocker = _pick(onboarding, number)
    blocker.resolved_at = now
    blocker.resolved_by = actor
    record_activity(
        session, onboarding, actor, "blocker_resolved", f"Unblocked: {blocker.reason}", now=now
    )
    return _result(onboarding, blocker)


def _pick(onboarding: Onboarding, number: int | None) -> Blocker:
    """Open blocker `number` (1-based), or the only one when `number` is None."""
    current = open_blockers(onboarding)
    company = onboarding.company_name
    if not current:
        raise NotFound(
            "This onboarding has no open blockers.", template="blockers_none_open", company=company
        )
    if number is None and len(current) > 1:
        raise Conflict(
            f"This onboarding has {len(current)} open blockers; say which by number.",
            template="blockers_which",
            company=company,
            reasons=[b.reason for b in current],
        )
    index = 1 if number is None else number
    if not 1 <= index <= len(current):
        raise NotFound(
            f"This onboarding has {count(len(current), 'open blocker')}; "
            f"there is no number {index}.",
            template="blockers_no_such",
            company=company,
            open_count=len(current),
            number=index,
        )
    return current[index - 1]


def link_customer_channel(
    session: Session,
    onboarding_id: int,
    channel_id: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> str:
    """Link the customer channel; returns the company name."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    onboarding.customer_channel_id = channel_id
    record_activity(
        session,
        onboarding,
        actor,
        "customer_channel_linked",
        f"Customer channel <#{channel_id}> linked",
        now=now,
    )
    return onboarding.company_name
