"""The timeline from the conversation: Slack messages pinned into an onboarding's activity log.

In a channel linked to an onboarding (its customer or internal channel), a :pushpin: reaction
adds the message (text, author, permalink) to the log; removing the last pushpin takes it out.
The text is user data: stored raw (bounded), escaped and truncated only where it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.models import ActivityEntry, Onboarding, OnboardingStatus
from bot.services.activity import record_activity

PIN_REACTION = "pushpin"
PINNED_ACTION = "message_pinned"
TEXT_MAX = 4000


@dataclass(frozen=True)
class PinReaction:
    """Someone added or removed a :pushpin: on a message."""

    channel_id: str
    ts: str
    user_id: str


@dataclass(frozen=True)
class PinnedMessage:
    """A message as Slack returned it, ready to go into the log."""

    channel_id: str
    ts: str
    text: str
    author_user_id: str
    permalink: str


def _linked_onboarding_ids(session: Session, channel_id: str) -> list[int]:
    return list(
        session.scalars(
            select(Onboarding.id).where(
                Onboarding.status != OnboardingStatus.CLOSED,
                or_(
                    Onboarding.customer_channel_id == channel_id,
                    Onboarding.internal_channel_id == channel_id,
                ),
            )
        )
    )


def _pinned_entries(
    session: Session, onboarding_ids: list[int], channel_id: str, ts: str
) -> list[ActivityEntry]:
    return list(
        session.scalars(
            select(ActivityEntry)
            .where(
                ActivityEntry.message_channel == channel_id,
                ActivityEntry.message_ts == ts,
                ActivityEntry.onboarding_id.in_(onboarding_ids),
                ActivityEntry.action == PINNED_ACTION,
            )
            .order_by(ActivityEntry.id)
            .execution_options(populate_existing=True)
        )
    )


def _serialize_changes(session: Session, onboarding_ids: list[int], now: datetime) -> None:
    """Write to the onboardings first: a concurrent pin of the same message (two people, or
    Slack retrying the event) waits here, then sees the other's entry (SQLite and PostgreSQL)."""
    session.execute(
        update(Onboarding).where(Onboarding.id.in_(onboarding_ids)).values(updated_at=now)
    )


def _pinners(entry: ActivityEntry) -> list[str]:
    return list(entry.data.get("pinned_by", []))


def _set_pinners(entry: ActivityEntry, pinners: list[str]) -> None:
    entry.data = {**entry.data, "pinned_by": pinners}  # a new dict: JSON is not mutation-tracked


def message_wanted(session: Session, reaction: PinReaction) -> bool:
    """Whether the pinned message is to be read from Slack: an open onboarding linked to its
    channel does not have it in its log yet (the edge reads it before `pin_message`)."""
    onboarding_ids = _linked_onboarding_ids(session, reaction.channel_id)
    known = _pinned_entries(session, onboarding_ids, reaction.channel_id, reaction.ts)
    return len(known) < len(onboarding_ids)


def pin_message(
    session: Session, reaction: PinReaction, message: PinnedMessage | None, *, now: datetime
) -> list[int]:
    """Add `message` (None: Slack could not show it, or it was not wanted) to the log of each
    open onboarding linked to its channel that does not have it yet. A second pushpin on the
    same message only records who pinned it. Returns the onboardings that gained it."""
    onboarding_ids = _linked_onboarding_ids(session, reaction.channel_id)
    if not onboarding_ids:
        return []
    _serialize_changes(session, onboarding_ids, now)
    entries = _pinned_entries(session, onboarding_ids, reaction.channel_id, reaction.ts)
    for entry in entries:
        if reaction.user_id not in _pinners(entry):
            _set_pinners(entry, [*_pinners(entry), reaction.user_id])
    added = []
    if message is not None:
        have = {entry.onboarding_id for entry in entries}
        added = [i for i in onboarding_ids if i not in have]
        for onboarding_id in added:
            _add_entry(session, onboarding_id, message, reaction.user_id, now)
    return added


def _add_entry(
    session: Session, onboarding_id: int, message: PinnedMessage, actor: str, now: datetime
) -> None:
    entry = record_activity(
        session,
        session.get_one(Onboarding, onboarding_id),
        actor,
        PINNED_ACTION,
        message.text[:TEXT_MAX],
        now=now,
        data={
            "author": message.author_user_id,
            "permalink": message.permalink,
            "pinned_by": [actor],
        },
    )
    entry.message_channel = message.channel_id
    entry.message_ts = message.ts


def unpin_message(session: Session, reaction: PinReaction, *, now: datetime) -> list[int]:
    """The pusher took their pushpin off: when nobody's is left, the message leaves the log.
    Returns the onboardings it left."""
    onboarding_ids = _linked_onboarding_ids(session, reaction.channel_id)
    if not onboarding_ids or not _pinned_entries(
        session, onboarding_ids, reaction.channel_id, reaction.ts
    ):
        return []
    _serialize_changes(session, onboarding_ids, now)
    removed = []
    for entry in _pinned_entries(session, onboarding_ids, reaction.channel_id, reaction.ts):
        pinners = [user for user in _pinners(entry) if user != reaction.user_id]
        if pinners:
            _set_pinners(entry, pinners)
        else:
            removed.append(entry.onboarding_id)
            session.delete(entry)
    return removed
