"""The activity log: every change to an onboarding, attributed and timestamped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.models import ActivityEntry, Onboarding


def record_activity(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    action: str,
    detail: str = "",
    *,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> ActivityEntry:
    """Add an entry and mark the onboarding as active."""
    entry = ActivityEntry(
        actor_user_id=actor, action=action, detail=detail, data=data or {}, created_at=now
    )
    onboarding.activity.append(entry)
    onboarding.last_activity_at = now
    onboarding.updated_at = now
    session.add(entry)
    return entry
