"""What each Slack user chose for themselves in `/onboard settings`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class UserSetting(Base):
    """One row per user who changed a setting; a user without a row has the defaults."""

    __tablename__ = "user_setting"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Stall alerts of the user's onboardings as one DM per business day instead of a post each.
    alert_digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
