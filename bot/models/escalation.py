"""Escalations to CS leadership: one row per onboarding and cause, so each cause is told once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Escalation(Base):
    """A cause that needs a leader (a red health check, a champion gone without a successor, a
    high signal left unacknowledged, a go-live slipped too far), who was told and who
    acknowledged it. `cause_key` names the cause precisely (`health_red:<check id>`): a second
    insert of the same key does nothing, in any process. No mapped relationship: the
    onboarding's deletion removes its escalations by the foreign key."""

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("onboarding_id", "cause_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    cause: Mapped[str] = mapped_column(String(40))
    cause_key: Mapped[str] = mapped_column(String(120))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalated_at: Mapped[datetime]
    # Who was told: the escalation channel's id, or the user ids of the admins DMed.
    told: Mapped[list[str]] = mapped_column(default=list)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
