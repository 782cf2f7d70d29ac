"""`/onboard settings`: what each user chose for themselves (today: how their stall alerts
reach them). A user who never chose has the defaults and no row."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import UserSetting


@dataclass(frozen=True)
class UserSettings:
    user_id: str
    # The stall alerts of the onboardings they own come as one DM per business day.
    alert_digest: bool = False


def user_settings(session: Session, user_id: str) -> UserSettings:
    row = session.get(UserSetting, user_id)
    return UserSettings(user_id, row.alert_digest) if row else UserSettings(user_id)


def choose_alert_digest(
    session: Session, user_id: str, digest: bool, *, now: datetime
) -> UserSettings:
    """Take stall alerts as one daily digest DM (`digest`), or as each onboarding's post."""
    row = session.get(UserSetting, user_id)
    if row is None:
        row = UserSetting(user_id=user_id, alert_digest=digest, updated_at=now)
        session.add(row)
    else:
        row.alert_digest, row.updated_at = digest, now
    session.flush()
    return UserSettings(user_id, digest)


def digest_users(session: Session, among: Collection[str] | None = None) -> frozenset[str]:
    """The users who take their stall alerts as a daily digest (one query)."""
    query = select(UserSetting.user_id).where(UserSetting.alert_digest.is_(True))
    if among is not None:
        query = query.where(UserSetting.user_id.in_(list(among)))
    return frozenset(session.scalars(query))
