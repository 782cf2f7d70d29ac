"""The outbox: posts to Slack queued in the change's transaction and delivered by the sender."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(Base):
    """A post to Slack that must go out exactly once, identified by its idempotency key."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_message_idempotency_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(40))
    onboarding_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    # Post the message once, then edit it in place: `update_key` names the message it updates.
    ts: Mapped[str | None] = mapped_column(String(32))
    thread_of: Mapped[str | None] = mapped_column(String(250))
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Past this moment the post is no longer useful (yesterday's sync): skipped, not sent late.
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
