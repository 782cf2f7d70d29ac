"""The outbox: every scheduled or automatic post is a row first, delivered by the sender.

A post is identified by its idempotency key, `kind:onboarding:subject:period`. Inserting a key
that exists does nothing (on-conflict-do-nothing, on SQLite and PostgreSQL alike), so two
processes running the same job, or one job run twice, queue the post once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import OutboxMessage, OutboxStatus


def outbox_key(kind: str, onboarding_id: int | None, subject: str = "", period: str = "") -> str:
    return f"{kind}:{onboarding_id or '-'}:{subject}:{period}"


@dataclass(frozen=True)
class Post:
    """A message to deliver. `channel` is a channel id, or a user id for a direct message."""

    key: str
    kind: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    onboarding_id: int | None = None
    # The key of the post this one replies to, in its thread; sent after it.
    thread_of: str | None = None
    # Past this moment the post is no longer useful and is skipped, not sent late.
    expires_at: datetime | None = None
    # Pin the message once it is posted (the living plan).
    pin: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks, "pin": self.pin}


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


def _insert(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(OutboxMessage)


def enqueue(session: Session, post: Post, *, now: datetime) -> bool:
    """Queue `post` unless its key was queued before; True when this call queued it."""
    statement = (
        _insert(session)
        .values(**_values(post, now))
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar() is not None


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
        message.attempts = 0
        message.next_attempt_at = now
        message.last_error = ""
    return message
