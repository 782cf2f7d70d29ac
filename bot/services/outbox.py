"""The outbox: every scheduled or automatic post is a row first, delivered by the sender.

A post is identified by its idempotency key, `kind:onboarding:subject:period`. Inserting a key
that exists does nothing (on-conflict-do-nothing, on SQLite and PostgreSQL alike), so two
processes running the same job, or one job run twice, queue the post once.

A post stores what it says, not how it looks: its `kind` and its `data` (a service's dataclass,
dumped to JSON with `post_data`). The sender asks bot/slack/renderers.py for the renderer of the
kind and builds the blocks and text when it sends, so services never hold Slack markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import insert_unless_exists
from bot.models import OutboxMessage, OutboxStatus


def outbox_key(kind: str, onboarding_id: int | None, subject: str = "", period: str = "") -> str:
    return f"{kind}:{onboarding_id or '-'}:{subject}:{period}"


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def post_data(fact: Any) -> dict[str, Any]:
    """A dataclass as the JSON the outbox stores (dates as ISO strings, enums as values)."""
    return _adapter(type(fact)).dump_python(fact, mode="json")


def fact_of(kind: type[Any], data: Any) -> Any:
    """The dataclass back from what `post_data` stored (raises pydantic's ValidationError)."""
    return _adapter(kind).validate_python(data)


@dataclass(frozen=True)
class Post:
    """A message to deliver. `channel` is a channel id, or a user id for a direct message.

    `data` is what the renderer of `kind` needs (see `post_data`). `text` and `blocks` are the
    older, pre-rendered form, still delivered as they are for rows queued before rendering
    moved to send time.
    """

    key: str
    kind: str
    channel: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    onboarding_id: int | None = None
    # The key of the post this one replies to, in its thread; sent after it.
    thread_of: str | None = None
    # Past this moment the post is no longer useful and is skipped, not sent late.
    expires_at: datetime | None = None
    # Pin the message once it is posted (the living plan).
    pin: bool = False
    # Internal data (alerts): the sender re-checks, right before posting, that the channel is
    # not shared with another organisation; it may have become shared since this was queued.
    internal: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        if self.data is not None:
            return {"data": self.data, "pin": self.pin, "internal": self.internal}
        return {
            "text": self.text,
            "blocks": self.blocks,
            "pin": self.pin,
            "internal": self.internal,
        }


def _values(post: Post, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": post.key,
        "kind": post.kind,
        "onboarding_id": post.onboarding_id,
        "channel": post.channel,
        "payload": post.payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "thread_of": post.thread_of,
        "expires_at": post.expires_at,
        "last_error": "",
        "created_at": now,
    }


def enqueue(session: Session, post: Post, *, now: datetime) -> bool:
    """Queue `post` unless its key was queued before; True when this call queued it."""
    return insert_unless_exists(session, OutboxMessage, _values(post, now)) is not None


def enqueue_many(session: Session, posts: list[Post], *, now: datetime) -> set[str]:
    """Queue each post unless its key was queued before, in one multi-row INSERT ... ON
    CONFLICT DO NOTHING (a job with thousands of posts due at once); the keys this call
    queued."""
    if not posts:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(OutboxMessage)
        .on_conflict_do_nothing()
        .returning(OutboxMessage.idempotency_key)
    )
    return set(session.scalars(statement, [_values(post, now) for post in posts]))


def enqueue_update(session: Session, post: Post, *, now: datetime) -> OutboxMessage:
    """Queue `post`, or new content for the message its key already names.

    The sender edits a message that was posted (it keeps the Slack `ts`) instead of posting
    again: this is how the living plan changes in place.
    """
    enqueue(session, post, now=now)
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == post.key).with_for_update()
    ).one()
    if message.payload != post.payload or message.channel != post.channel:
        if message.channel != post.channel:
            message.ts = None  # a message cannot move channels: post it in the new one
        message.payload = post.payload
        message.channel = post.channel
        message.status = OutboxStatus.PENDING
        # A fresh retry budget, but never forget that an earlier post may have reached Slack
        # (attempts > 0 without a ts): the sender then looks in the channel before posting.
        message.attempts = 0 if message.ts or not message.attempts else 1
        message.next_attempt_at = now
        message.last_error = ""
    return message


# --------------------------------------------------------------------------------------------
# Delivery bookkeeping, used by the sender (bot/slack/sender.py). A row is claimed with a lease
# before anything is sent: the conditional UPDATE below succeeds for exactly one process (on
# PostgreSQL the second updater waits for the first to commit, then re-checks the WHERE clause
# and matches nothing; SQLite has a single writer). None of these commit: the sender commits
# each step, before it talks to Slack.
# --------------------------------------------------------------------------------------------


def due_messages(session: Session, *, now: datetime, limit: int = 500) -> list[OutboxMessage]:
    """Pending rows whose time has come and that no live lease holds, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(
    session: Session, message_id: int, *, owner: str, now: datetime, lease: timedelta
) -> OutboxMessage | None:
    """Take the row for `owner` until `now + lease` and count the attempt; None if taken.

    The attempt is counted before anything is sent, so `attempts > 0` without a `ts` means
    "a post may have reached Slack": the sender looks in the channel before posting again.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _locked(session: Session, message_id: int, owner: str) -> OutboxMessage | None:
    """The row, write-locked, if `owner` still holds its lease (PostgreSQL row lock; on SQLite
    the UPDATE takes the database write lock until commit)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
        .values(lease_owner=owner)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def renew(
    session: Session, message_id: int, *, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Extend the lease right before a call to Slack; False when the lease was lost."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def record_ts(
    session: Session, message_id: int, *, owner: str, channel: str, ts: str | None
) -> bool:
    """Remember the Slack ts of the posted message (None: it is gone, post again).

    Recorded as soon as Slack answers, before pins or the final status, so a retry edits the
    message instead of posting a second one. Not recorded when the row moved to another
    channel meanwhile (our message is in the old one).
    """
    message = _locked(session, message_id, owner)
    if message is None or message.channel != channel:
        return False
    message.ts = ts
    return True


def finish_sent(
    session: Session,
    message_id: int,
    *,
    owner: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Mark the row sent, unless new content arrived while it was in flight (enqueue_update):
    then it stays pending, due now, and the next pass edits the message in place."""
    message = _locked(session, message_id, owner)
    if message is None:
        return False
    message.lease_owner = None
    message.lease_until = None
    message.last_error = ""
    if message.channel == channel and message.payload == payload:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        return True
    message.next_attempt_at = now
    return False


def release(
    session: Session,
    message_id: int,
    *,
    owner: str,
    next_attempt_at: datetime,
    error: str = "",
    attempts: int | None = None,
) -> bool:
    """Give the row back, due again at `next_attempt_at`. `attempts` restores the count when
    nothing was sent (a 429, a thread parent still pending)."""
    message = _locked(session, message_id, owner)
    if message is None:
        return False
    message.lease_owner = None
    message.lease_until = None
    message.next_attempt_at = next_attempt_at
    if error:
        message.last_error = error
    if attempts is not None:
        message.attempts = attempts
    return True


def settle(
    session: Session, message_id: int, *, owner: str, status: OutboxStatus, error: str
) -> bool:
    """End the row as failed or skipped, with the reason."""
    message = _locked(session, message_id, owner)
    if message is None:
        return False
    message.status = status
    message.last_error = error
    message.lease_owner = None
    message.lease_until = None
    return True


def message_by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).one_or_none()
