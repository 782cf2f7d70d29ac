"""Celebrations: a completed milestone, told to the customer channel with how it went.

One post per (onboarding, milestone, completion date): the outbox key carries them, so Undo and
redo on the same day celebrate once, and the job and the `done` command queueing the same
completion agree. Undo withdraws a celebration that has not gone out yet; the job only looks at
milestones that are complete when it runs, so a milestone undone before then is never
celebrated. Where: the customer channel; without one, the onboarding's internal channel (the team
still sees the win); without either, nowhere (reported as skipped). The content is safe for a
channel shared with the customer (names, dates and durations only), so it never needs to know.

Go-live is not celebrated: it completes only through the readiness gate, which queues the go-live
post (bot/services/go_live_post.py) in the transaction that completes the milestone, and that
post is the one announcement of the event; a celebration too would be a second post for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from bot.models import Milestone, MilestoneStatus, Onboarding, OutboxMessage, OutboxStatus
from bot.playbooks import PlaybookLibrary
from bot.services.outbox import Post, enqueue, outbox_key, post_data

CELEBRATION_KIND = "celebration"
# A milestone completed longer ago than this is not celebrated any more (nor sent late).
CELEBRATION_WINDOW = timedelta(days=2)
WITHDRAWN = "withdrawn: the milestone was reopened before the celebration went out"


@dataclass(frozen=True)
class Celebration:
    onboarding_id: int
    company_name: str
    channel_id: str | None
    milestone_key: str
    milestone_name: str
    completed_by: str | None
    completed_at: datetime
    completed_on: date
    due_date: date
    start_date: date
    first_value: bool
    target_first_value_days: int | None

    @property
    def key(self) -> str:
        return celebration_key(self.onboarding_id, self.milestone_key, self.completed_on)

    @property
    def days_vs_plan(self) -> int:
        """Negative: that many days early; positive: late."""
        return (self.completed_on - self.due_date).days

    @property
    def days_since_start(self) -> int:
        """For first value: the time to first value, in days since the contract start."""
        return (self.completed_on - self.start_date).days

    @property
    def expires_at(self) -> datetime:
        return self.completed_at + CELEBRATION_WINDOW


def celebration_key(onboarding_id: int, milestone_key: str, completed_on: date) -> str:
    return outbox_key(CELEBRATION_KIND, onboarding_id, milestone_key, completed_on.isoformat())


def target_first_value_days(onboarding: Onboarding, playbooks: PlaybookLibrary) -> int | None:
    """The playbook's target; the onboarding's own target date when the playbook is gone."""
    playbook = playbooks.get(onboarding.playbook)
    if playbook is not None:
        return playbook.target_first_value_days
    if onboarding.target_first_value_date is None:
        return None
    return (onboarding.target_first_value_date - onboarding.start_date).days


def celebration_for(milestone: Milestone, playbooks: PlaybookLibrary) -> Celebration | None:
    """The celebration of a completed milestone; None when it is not complete (or waived), and
    for go-live, which the gate's go-live post announces."""
    if (
        milestone.status != MilestoneStatus.COMPLETE
        or milestone.completed_at is None
        or milestone.completed_on is None
        or milestone.is_go_live
    ):
        return None
    onboarding = milestone.onboarding
    return Celebration(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        channel_id=onboarding.customer_channel_id or onboarding.internal_channel_id,
        milestone_key=milestone.key,
        milestone_name=milestone.name,
        completed_by=milestone.completed_by,
        completed_at=milestone.completed_at,
        completed_on=milestone.completed_on,
        due_date=milestone.due_date,
        start_date=onboarding.start_date,
        first_value=milestone.is_first_value,
        target_first_value_days=(
            target_first_value_days(onboarding, playbooks) if milestone.is_first_value else None
        ),
    )


def due_celebrations(
    session: Session, playbooks: PlaybookLibrary, *, now: datetime
) -> list[Celebration]:
    """Milestones complete now and completed within CELEBRATION_WINDOW (one query)."""
    milestones = session.scalars(
        select(Milestone)
        .where(
            Milestone.status == MilestoneStatus.COMPLETE,
            Milestone.completed_at >= now - CELEBRATION_WINDOW,
            Milestone.completed_at <= now,
        )
        .options(joinedload(Milestone.onboarding))
        .order_by(Milestone.completed_at, Milestone.id)
    )
    return [c for m in milestones if (c := celebration_for(m, playbooks)) is not None]


def celebration_post(celebration: Celebration) -> Post | None:
    if not celebration.channel_id:
        return None
    return Post(
        key=celebration.key,
        kind=CELEBRATION_KIND,
        channel=celebration.channel_id,
        data=post_data(celebration),
        onboarding_id=celebration.onboarding_id,
        expires_at=celebration.expires_at,
    )


def queue_celebration(session: Session, celebration: Celebration, *, now: datetime) -> bool:
    """Queue it unless it was queued before; a withdrawn one (Undo, then redo the same day)
    is queued again. True when this call queued it."""
    post = celebration_post(celebration)
    if post is None or now >= celebration.expires_at:
        return False
    if enqueue(session, post, now=now):
        return True
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == post.key)
    ).one_or_none()
    if row is None or row.status != OutboxStatus.SKIPPED or row.last_error != WITHDRAWN:
        return False
    row.status, row.last_error, row.next_attempt_at = OutboxStatus.PENDING, "", now
    row.payload, row.channel, row.expires_at = post.payload, post.channel, post.expires_at
    return True


def withdraw_celebration(session: Session, milestone: Milestone, *, now: datetime) -> bool:
    """Undo: a celebration of this completion that has not gone out (nor is going out right
    now, under a sender's lease) is skipped. Call before clearing `completed_on`."""
    if milestone.completed_on is None:
        return False
    key = celebration_key(milestone.onboarding_id, milestone.key, milestone.completed_on)
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key == key,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .values(status=OutboxStatus.SKIPPED, last_error=WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def queue_milestone_celebration(
    session: Session, milestone_id: int, playbooks: PlaybookLibrary, *, now: datetime
) -> bool:
    """Right after `done`: queue the celebration now, so it goes out promptly; the
    `celebrations` job queues anything this missed."""
    milestone = session.get(Milestone, milestone_id)
    celebration = celebration_for(milestone, playbooks) if milestone else None
    return celebration is not None and queue_celebration(session, celebration, now=now)
