"""Slack access: suspended while the app is uninstalled or its bot token revoked, resumed once
the token is seen to work again.

While access is suspended nothing calls the Web API on Onboard's own initiative (the outbox
sender, the scheduled jobs), and every queued post is parked: still pending, no attempt counted.
When access resumes, a parked post keeps the time it had left when access was lost: its expiry
moves on by the length of the suspension, so a suspension never expires a post away.

None of these commit; the caller does, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import insert_unless_exists
from bot.models import OutboxMessage, OutboxStatus, SlackAccess

ROW_ID = 1


@dataclass(frozen=True)
class Suspension:
    since: datetime
    reason: str  # app_uninstalled, tokens_revoked, or the Slack error that said so


def suspension(session: Session) -> Suspension | None:
    """The current suspension, or None when Onboard may call Slack."""
    row = session.get(SlackAccess, ROW_ID, populate_existing=True)
    if row is None or row.suspended_at is None:
        return None
    return Suspension(row.suspended_at, row.reason)


def suspend(session: Session, reason: str, *, now: datetime) -> bool:
    """Suspend access for `reason`; True when this call suspended it (False: it already was,
    and the first reason and moment stand)."""
    insert_unless_exists(session, SlackAccess, {"id": ROW_ID, "reason": ""})
    result = session.execute(
        update(SlackAccess)
        .where(SlackAccess.id == ROW_ID, SlackAccess.suspended_at.is_(None))
        .values(suspended_at=now, reason=reason[:60])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def resume(session: Session, *, now: datetime) -> Suspension | None:
    """End the suspension and give parked posts their time back; the suspension that ended,
    or None when access was not suspended (or another process resumed it first)."""
    current = suspension(session)
    if current is None:
        return None
    result = session.execute(
        update(SlackAccess)
        .where(SlackAccess.id == ROW_ID, SlackAccess.suspended_at == current.since)
        .values(suspended_at=None, resumed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    _extend_parked(session, since=current.since, by=now - current.since)
    return current


def _extend_parked(session: Session, *, since: datetime, by: timedelta) -> None:
    parked = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at >= since,
        )
    )
    for message in parked:
        if message.expires_at is not None:
            message.expires_at = message.expires_at + by
