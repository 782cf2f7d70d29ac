"""hypercare-sync: the daily hypercare sync, every business day at 09:00 local.

Due for an onboarding in hypercare when its local wall-clock time (`Onboarding.timezone`, else
ONBOARD_TIMEZONE) is 09:00 or later on a business day, and go-live came before that 09:00 (the
go-live day itself has no sync when the launch was later in the morning). Two posts per day,
both keyed by the local date: the parent (day N of hypercare, the headline numbers) and the
detail as a reply in its thread. They expire at the end of that local day, so after downtime
yesterday's sync is skipped, not sent late.

Where: the customer channel; without one, the internal channel; without that, the CSM's DM.
The content is customer-safe wherever it goes (see bot/slack/hypercare_sync_views.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.calendar import is_business_day, local_midnight, time_zone
from bot.models import Onboarding, OnboardingStatus
from bot.services.hypercare import (
    SYNC_DETAIL_KIND,
    SYNC_KIND,
    SYNC_TIME,
    HypercareSync,
    build_sync,
)
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from jobs.context import JobContext, JobResult

NAME = SYNC_KIND


def sync_keys(onboarding_id: int, period: str) -> tuple[str, str]:
    """The outbox keys of one day's parent post and its thread reply."""
    return (
        outbox_key(NAME, onboarding_id, "parent", period),
        outbox_key(NAME, onboarding_id, "detail", period),
    )


def destination(onboarding: Onboarding) -> str:
    return (
        onboarding.customer_channel_id or onboarding.internal_channel_id or onboarding.csm_user_id
    )


def _not_due(onboarding: Onboarding, now: datetime, zone: tzinfo) -> str | None:
    """Why no sync is due at `now`, or None when it is."""
    local = now.astimezone(zone)
    if not is_business_day(local.date()):
        return f"{local:%A} is not a business day"
    sync_at = datetime.combine(local.date(), SYNC_TIME, tzinfo=zone)
    if now < sync_at:
        return f"before {SYNC_TIME:%H:%M} local ({local:%H:%M} {local:%Z})"
    if onboarding.go_live_at is not None and onboarding.go_live_at > sync_at:
        return "went live after today's sync time"
    return None


def _posts(onboarding: Onboarding, sync: HypercareSync, zone: tzinfo) -> tuple[Post, Post]:
    """The parent post and its thread reply, both carrying the sync; gone at local midnight."""
    parent_key, detail_key = sync_keys(onboarding.id, sync.day.isoformat())
    channel = destination(onboarding)
    expires = local_midnight(sync.day + timedelta(days=1), zone)
    data = post_data(sync)
    parent = Post(
        key=parent_key,
        kind=SYNC_KIND,
        channel=channel,
        data=data,
        onboarding_id=onboarding.id,
        expires_at=expires,
    )
    detail = Post(
        key=detail_key,
        kind=SYNC_DETAIL_KIND,
        channel=channel,
        data=data,
        onboarding_id=onboarding.id,
        thread_of=parent_key,
        expires_at=expires,
    )
    return parent, detail


def hypercare_sync(ctx: JobContext) -> JobResult:
    result = JobResult()
    with ctx.db.session() as session:
        onboardings = session.scalars(
            select(Onboarding)
            .where(Onboarding.status == OnboardingStatus.HYPERCARE)
            .options(selectinload(Onboarding.hypercare_issues))
            .order_by(Onboarding.id)
        ).all()
        for onboarding in onboardings:
            zone = time_zone(onboarding.timezone, ctx.settings.tz)
            reason = _not_due(onboarding, ctx.now, zone)
            if reason:
                result.skipped.append(f"{NAME}:{onboarding.id}: {reason}")
                continue
            sync = build_sync(onboarding, ctx.now, ctx.settings, zone)
            for post in _posts(onboarding, sync, zone):
                if enqueue(session, post, now=ctx.now):
                    result.queued.append(post.key)
                else:
                    result.skipped.append(f"{post.key}: already queued")
            session.commit()  # one onboarding at a time: a later failure keeps these queued
    return result
