"""Per-onboarding figures kept for the book's metrics (written by bot/rollup.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class OnboardingRollup(Base):
    """One onboarding's milestone and health figures, kept by `bot.rollup` in the flush that
    changes them, so the book's metrics read one row per onboarding (no mapped relationship:
    nothing but SQL reads it)."""

    __tablename__ = "onboarding_rollup"

    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), primary_key=True
    )
    plan_end: Mapped[date | None] = mapped_column(Date)  # the latest milestone due date
    milestones: Mapped[int] = mapped_column(default=0)
    milestones_done: Mapped[int] = mapped_column(default=0)  # complete or waived
    milestones_completed: Mapped[int] = mapped_column(default=0)  # complete, with a date
    milestones_on_time: Mapped[int] = mapped_column(default=0)  # ... on or before due
    # The same against the baseline (each milestone's first due date: bot/services/replan.py).
    baseline_plan_end: Mapped[date | None] = mapped_column(Date)
    milestones_on_time_baseline: Mapped[int] = mapped_column(default=0)
    milestone_stage: Mapped[int] = mapped_column(default=0)  # furthest funnel stage done
    health_status: Mapped[str | None] = mapped_column(String(20))  # the latest check's
    health_score: Mapped[int | None]
    health_checked_at: Mapped[datetime | None]
