"""Keeping the living plan current: one outbox key per onboarding, edited in place.

`refresh_plans` queues the plan with `enqueue_update`: the sender posts it once, pins it, and
edits it in place (chat.update with the stored ts) when its content changes; it posts it again
only if someone deleted it. The post's data is the `PlanView` (bot/slack/plan_views.py renders
it), which holds what the message shows and nothing else, so the data changes when the message
would. Unchanged content queues nothing, so a refresh is cheap and can run as often as anyone
likes: right after a command changed an onboarding (`refresh_plan`), and from the `plan` job,
which catches every other change (whoever made it, whatever crashed before the refresh) and the
day a milestone turns due soon or overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.calendar import time_zone
from bot.models import Milestone, MilestoneStatus, Onboarding, OnboardingStatus, OutboxMessage
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue_update, outbox_key, post_data
from bot.services.plan import PLAN_EAGER, build_plan_view
from bot.services.status import AT_RISK_DAYS

PLAN_KIND = "plan"
# A closed onboarding's plan gets its final update for this long after closing.
CLOSED_REFRESH = timedelta(days=7)
# How far back the job looks for changes and for milestones turning due soon or overdue.
CHANGE_LOOKBACK = timedelta(days=1)
CALENDAR_LOOKBACK = timedelta(days=2)
BATCH = 500


def plan_key(onboarding_id: int) -> str:
    return outbox_key(PLAN_KIND, onboarding_id)


def plan_post(onboarding: Onboarding, today: date) -> Post | None:
    """The plan as a pinned post for the customer channel; None without a channel."""
    if not onboarding.customer_channel_id:
        return None
    return Post(
        key=plan_key(onboarding.id),
        kind=PLAN_KIND,
        channel=onboarding.customer_channel_id,
        data=post_data(build_plan_view(onboarding, today)),
        onboarding_id=onboarding.id,
        pin=True,
    )


def _queue(
    session: Session,
    onboardings: Iterable[Onboarding],
    current: dict[str, OutboxMessage],
    *,
    now: datetime,
    default_tz: tzinfo,
) -> list[str]:
    queued = []
    for onboarding in onboardings:
        post = plan_post(
            onboarding, now.astimezone(time_zone(onboarding.timezone, default_tz)).date()
        )
        if post is None:
            continue
        row = current.get(post.key)
        if row is not None and row.payload == post.payload and row.channel == post.channel:
            continue  # the channel already shows (or is about to show) exactly this
        enqueue_update(session, post, now=now)
        queued.append(post.key)
    return queued


def _rows(session: Session, keys: list[str]) -> dict[str, OutboxMessage]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys)))
    return {row.idempotency_key: row for row in rows}


def refresh_plan(
    session: Session, onboarding_id: int, *, now: datetime, default_tz: tzinfo
) -> bool:
    """Queue the plan of one onboarding if its content changed. True if queued.

    Called after a command changed the onboarding; the `plan` job catches what this misses."""
    onboarding = get_onboarding(session, onboarding_id, *PLAN_EAGER)
    queued = _queue(
        session,
        [onboarding],
        _rows(session, [plan_key(onboarding_id)]),
        now=now,
        default_tz=default_tz,
    )
    return bool(queued)


def _candidate_ids(session: Session, now: datetime) -> list[int]:
    """Plans whose content may differ from what was queued last; the others are not loaded.

    The content is a function of the onboarding (every change to it goes through
    record_activity, which bumps `updated_at`) and of the date (a milestone turns due soon
    AT_RISK_DAYS before its due date and overdue the day after it). So: onboardings with no plan
    yet, changed within CHANGE_LOOKBACK, or with an open milestone whose state turns over within
    CALENDAR_LOOKBACK (a day of slack either side for time zones). The cost of a run follows
    recent activity, not the size of the book."""
    first = (now - CALENDAR_LOOKBACK).date() - timedelta(days=1)
    last = now.date() + timedelta(days=1)
    no_plan = ~(
        select(OutboxMessage.id)
        .where(OutboxMessage.onboarding_id == Onboarding.id, OutboxMessage.kind == PLAN_KIND)
        .exists()
    )
    turning = (
        select(Milestone.id)
        .where(
            Milestone.onboarding_id == Onboarding.id,
            Milestone.status.not_in([MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED]),
            or_(
                Milestone.due_date.between(
                    first + timedelta(AT_RISK_DAYS), last + timedelta(AT_RISK_DAYS)
                ),
                Milestone.due_date.between(first - timedelta(days=1), last - timedelta(days=1)),
            ),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Onboarding.id)
            .where(
                Onboarding.customer_channel_id.is_not(None),
                or_(
                    Onboarding.status != OnboardingStatus.CLOSED,
                    Onboarding.closed_at >= now - CLOSED_REFRESH,
                ),
                or_(Onboarding.updated_at >= now - CHANGE_LOOKBACK, no_plan, turning),
            )
            .order_by(Onboarding.id)
        )
    )


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def refresh_plans(session: Session, *, now: datetime, default_tz: tzinfo) -> list[str]:
    """Queue every plan whose content changed (open onboardings with a customer channel, and
    those closed in the last week), a batch of onboardings in memory at a time. Returns the
    keys queued.

    A crash or an outage shorter than CHANGE_LOOKBACK loses no update: the next run re-renders
    what changed meanwhile."""
    queued: list[str] = []
    for ids in _batches(_candidate_ids(session, now), BATCH):
        onboardings = session.scalars(
            select(Onboarding)
            .where(Onboarding.id.in_(ids))
            .options(*(selectinload(rel) for rel in PLAN_EAGER))
        ).all()
        current = _rows(session, [plan_key(i) for i in ids])
        queued += _queue(session, onboardings, current, now=now, default_tz=default_tz)
        session.flush()  # what was queued is written before the batch leaves memory
        session.expunge_all()
    return queued
