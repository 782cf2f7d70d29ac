"""What the customer did in the product: one row per onboarding and day, sent by the product
(`POST /usage`) or imported (`onboard usage import`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class UsageRecord(Base):
    """One day of one onboarding's usage; sending the same (onboarding, day) again replaces it.
    No mapped relationship: only the usage service and the signal scan read it."""

    __tablename__ = "usage_record"
    __table_args__ = (UniqueConstraint("onboarding_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    active_users: Mapped[int]
    licensed_users: Mapped[int]
    # Feature key -> count of uses that day (what the product sends, as sent).
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
