"""Launch messages in the customer channel (the playbook's `launch_messages`): one
`before_business_days` business days before the go-live target (what to expect on the day, who
to contact) and one `after_days` days after go-live (how it is going, where to get help).

Each is queued once per onboarding (its outbox key has no period), by the `launch-messages`
job on its day or at the next daily pass after it: the one before only while the go-live target
is still ahead and the customer is not live yet, the one after for up to LATE_AT_MOST after its
day. Only names, dates and the CSM: nothing internal, safe in a channel shared with the
customer. Onboardings without a customer channel get neither.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.calendar import local_midnight, shift_business_days, time_zone
from bot.models import Onboarding, OnboardingStatus
from bot.playbooks import Playbook, PlaybookLibrary
from bot.services.outbox import Post, outbox_key, post_data

LAUNCH_BEFORE_KIND = "launch-before"
LAUNCH_AFTER_KIND = "launch-after"
LATE_AT_MOST = timedelta(days=7)  # "how is it going" later than this reads oddly


@dataclass(frozen=True)
class LaunchMessage:
    """What both launch messages say: customer-safe facts only."""

    onboarding_id: int
    company_name: str
    go_live_on: date  # the target (before) or the day it went live (after)
    csm_user_id: str
    hypercare_business_days: int
    days: int  # from the day it was queued: until the target (before), since go-live (after)


def due_launch_messages(
    session: Session,
    library: PlaybookLibrary,
    *,
    now: datetime,
    default_tz: tzinfo,
    zones: Collection[tzinfo],
) -> list[Post]:
    """The launch messages due at `now` for onboardings in `zones` (the time zones whose daily
    pass this is); the outbox drops those already queued."""
    posts: list[Post] = []
    for onboarding in _candidates(session):
        zone = time_zone(onboarding.timezone, default_tz)
        if zone not in zones:
            continue
        playbook = library.get(onboarding.playbook) or library.for_arr(onboarding.arr)
        post = launch_post(onboarding, playbook, now.astimezone(zone).date(), zone)
        if post is not None:
            posts.append(post)
    return posts


def _candidates(session: Session) -> list[Onboarding]:
    return list(
        session.scalars(
            select(Onboarding)
            .where(
                Onboarding.status != OnboardingStatus.CLOSED,
                Onboarding.customer_channel_id.is_not(None),
            )
            .options(selectinload(Onboarding.milestones))
            .order_by(Onboarding.id)
        )
    )


def launch_post(
    onboarding: Onboarding, playbook: Playbook, today: date, zone: tzinfo
) -> Post | None:
    """The launch message due today for this onboarding, if one is."""
    schedule = playbook.launch_messages
    if onboarding.go_live_at is None:
        target = next((m.due_date for m in onboarding.milestones if m.is_go_live), None)
        if schedule.before_business_days is None or target is None:
            return None
        send_on = shift_business_days(target, -schedule.before_business_days)
        if not send_on <= today < target:
            return None
        post = _post(LAUNCH_BEFORE_KIND, onboarding, playbook, target, (target - today).days)
        return replace(post, expires_at=local_midnight(target, zone))  # never on or after the day
    if schedule.after_days is None:
        return None
    live_on = onboarding.go_live_at.astimezone(zone).date()
    send_on = live_on + timedelta(days=schedule.after_days)
    if not send_on <= today <= send_on + LATE_AT_MOST:
        return None
    return _post(LAUNCH_AFTER_KIND, onboarding, playbook, live_on, (today - live_on).days)


def _post(
    kind: str, onboarding: Onboarding, playbook: Playbook, go_live_on: date, days: int
) -> Post:
    assert onboarding.customer_channel_id is not None
    message = LaunchMessage(
        onboarding.id,
        onboarding.company_name,
        go_live_on,
        onboarding.csm_user_id,
        playbook.hypercare_business_days,
        days,
    )
    return Post(
        key=outbox_key(kind, onboarding.id),
        kind=kind,
        channel=onboarding.customer_channel_id,
        data=post_data(message),
        onboarding_id=onboarding.id,
    )
