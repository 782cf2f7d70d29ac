"""A rollback after go-live (one of the go-live post's rollback triggers happened, and the
customer went back to the old way): recorded in the activity log with what happened, and its
post-mortem asked for within POST_MORTEM_HOURS as a commitment owned by the CSM, due two days
later (the commitments' past-due signal chases it). Refused before go-live: nothing to roll back.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.models import Commitment, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import truncate

POST_MORTEM_HOURS = 48
WHAT_MAX = 500
ROLLBACK_ACTION = "rolled_back"


@dataclass(frozen=True)
class RollbackRecorded:
    onboarding_id: int
    company_name: str
    what_happened: str
    post_mortem_due: date
    owner_user_id: str


def record_rollback(
    session: Session,
    onboarding_id: int,
    what_happened: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    default_tz: tzinfo,
) -> RollbackRecorded:
    what = truncate(" ".join(what_happened.split()), WHAT_MAX)
    if not what:
        raise Conflict("Say what happened, like `/onboard rollback acme data loss in the sync`.")
    onboarding = get_onboarding(session, onboarding_id, Onboarding.commitments)
    ensure_can_change(onboarding, actor, admins)
    if onboarding.go_live_at is None:
        raise Conflict(
            f"{onboarding.company_name} has not gone live: there is nothing to roll back."
        )
    local = now.astimezone(time_zone(onboarding.timezone, default_tz))
    due = (local + timedelta(hours=POST_MORTEM_HOURS)).date()
    onboarding.commitments.append(
        Commitment(
            text=truncate(f"Rollback post-mortem (within {POST_MORTEM_HOURS} hours): {what}", 1000),
            due_date=due,
            owner_user_id=onboarding.csm_user_id,
        )
    )
    record_activity(session, onboarding, actor, ROLLBACK_ACTION, f"Rolled back: {what}", now=now)
    session.flush()
    return RollbackRecorded(
        onboarding.id, onboarding.company_name, what, due, onboarding.csm_user_id
    )
