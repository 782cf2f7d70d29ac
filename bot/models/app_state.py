"""The app's own bookkeeping, about no onboarding: replay guards, Slack access, job claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class SubmittedView(Base):
    """A modal submission that changed something, by Slack view id, committed with the change:
    the same modal delivered again (a double click, Slack retrying) finds it and changes
    nothing, in any process. For modals whose rows have no view id of their own."""

    __tablename__ = "submitted_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    view_id: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime]


class SeenRequest(Base):
    """A verified Slack request by its signature, kept for the 5 minutes in which Slack's
    timestamp check would still accept it: the same request sent again (a replay, or a proxy
    resending it) is recognised in any process and acted on once."""

    __tablename__ = "seen_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class SlackAccess(Base):
    """Whether Onboard may call Slack's Web API. Suspended when the app is uninstalled or its
    bot token revoked (the app_uninstalled / tokens_revoked events, or Slack answering
    token_revoked, invalid_auth or account_inactive), until a call proves the token works.
    One row (id 1), made on first use; no row means access was never suspended."""

    __tablename__ = "slack_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    suspended_at: Mapped[datetime | None]  # None: access works
    reason: Mapped[str] = mapped_column(String(60), default="")
    resumed_at: Mapped[datetime | None]


class JobRun(Base):
    """One run of a scheduled job for one period, claimed by exactly one process.

    The unique (job, period) row is how several `onboard serve` processes agree on who runs
    the 09:00 sync: the first insert wins, the others see the conflict and stand down.
    """

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    detail: Mapped[str] = mapped_column(Text, default="")
