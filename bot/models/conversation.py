"""Who said something when in an onboarding's channels: metadata only, never a message's text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.onboarding import onboarding_fk


class ConversationMessage(Base):
    """One counted message in an onboarding's customer or internal channel (bot/services/
    conversations.py decides what counts and which side spoke). No mapped relationship: only
    the conversation signals, the status card and the digest read it, with SQL of their own.

    `answered_at` is when the other side first answered it (in its thread, or at the channel's
    top level); `answers_at` is when the earliest message it answered was sent (a reply's
    reply time is `sent_at - answers_at`)."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", name="uq_conversation_message_channel_ts"),
        # The scan and the card: one onboarding's messages of one side, by time.
        Index("ix_conversation_message_scan", "onboarding_id", "side", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))  # Slack's message id in its channel
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # its thread; None: top level
    sent_at: Mapped[datetime]
    side: Mapped[str] = mapped_column(String(8))  # "customer" or "team"
    kind: Mapped[str] = mapped_column(String(8))  # "question" or "reply"
    answers_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
