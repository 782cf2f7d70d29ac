"""The meeting cadence (the playbook's `check_in_every_days`: Enterprise weekly, Mid-Market
every two weeks, SMB monthly): the CSM is reminded of a check-in with the customer when that
many days passed since the last contact logged with a stakeholder (else the kickoff, else the
start). One reminder per last contact: logging the call starts the next period.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.models import Milestone, Onboarding, Stakeholder
from bot.playbooks import PlaybookLibrary
from bot.services.outbox import Post, outbox_key, post_data
from bot.services.signals import OPEN_STATUSES

CHECK_IN_KIND = "check-in"
KICKOFF = "kickoff"


@dataclass(frozen=True)
class CheckInDue:
    onboarding_id: int
    company_name: str
    every_days: int
    last_contact_on: date
    days_since: int


def _last_contacts(session: Session) -> dict[int, datetime]:
    """The latest contact logged with any stakeholder, by open onboarding: one query."""
    rows = session.execute(
        select(Stakeholder.onboarding_id, func.max(Stakeholder.last_contact_at))
        .join(Onboarding, Onboarding.id == Stakeholder.onboarding_id)
        .where(Onboarding.status.in_(OPEN_STATUSES))
        .group_by(Stakeholder.onboarding_id)
    )
    return {onboarding_id: at for onboarding_id, at in rows if at is not None}


def _kickoffs(session: Session) -> dict[int, datetime]:
    rows = session.execute(
        select(Milestone.onboarding_id, Milestone.completed_at)
        .join(Onboarding, Onboarding.id == Milestone.onboarding_id)
        .where(
            Onboarding.status.in_(OPEN_STATUSES),
            Milestone.key == KICKOFF,
            Milestone.completed_at.is_not(None),
        )
    )
    return {onboarding_id: at for onboarding_id, at in rows if at is not None}


def due_check_ins(
    session: Session,
    library: PlaybookLibrary,
    *,
    now: datetime,
    default_tz: tzinfo,
    zones: Collection[tzinfo],
) -> list[Post]:
    """The check-in reminders due at `now` in `zones` (the onboardings' time zones whose day
    has come), as posts keyed by the last contact they follow (three queries)."""
    contacts, kickoffs = _last_contacts(session), _kickoffs(session)
    rows = session.execute(
        select(
            Onboarding.id,
            Onboarding.company_name,
            Onboarding.playbook,
            Onboarding.arr,
            Onboarding.timezone,
            Onboarding.start_date,
            Onboarding.csm_user_id,
        ).where(Onboarding.status.in_(OPEN_STATUSES))
    )
    posts = []
    for row in rows:
        every = (library.get(row.playbook) or library.for_arr(row.arr)).check_in_every_days
        zone = time_zone(row.timezone, default_tz)
        if every is None or zone not in zones:
            continue
        moments = [m for m in (contacts.get(row.id), kickoffs.get(row.id)) if m is not None]
        last = max(m.astimezone(zone).date() for m in moments) if moments else row.start_date
        days = (now.astimezone(zone).date() - last).days
        if days < every:
            continue
        due = CheckInDue(row.id, row.company_name, every, last, days)
        posts.append(
            Post(
                key=outbox_key(CHECK_IN_KIND, row.id, "", last.isoformat()),
                kind=CHECK_IN_KIND,
                channel=row.csm_user_id,
                data=post_data(due),
                onboarding_id=row.id,
                internal=True,
            )
        )
    return posts
