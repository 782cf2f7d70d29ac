"""A change request: scope asked for after the handoff (`/onboard change`), decided by the
CSM, the AE or an admin: approved (possibly adding a milestone or a checklist item to the plan)
or deferred to the parking lot, which the transition report lists."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow
from bot.models.onboarding import onboarding_fk


class ChangeStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DEFERRED = "deferred"


class ChangeRequest(Base):
    """Numbered per onboarding (CR-1, CR-2...). No mapped relationship: the rows are read by
    query, and deleting the onboarding deletes them (ON DELETE CASCADE)."""

    __tablename__ = "change_request"
    __table_args__ = (UniqueConstraint("onboarding_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = onboarding_fk()
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=ChangeStatus.OPEN)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    # What an approval added to the plan: "milestone" or "checklist" and its text ("" for none).
    added_kind: Mapped[str] = mapped_column(String(20), default="")
    added_text: Mapped[str] = mapped_column(Text, default="")
