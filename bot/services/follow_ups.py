"""What a change to an onboarding sets off: its plan, the celebration of a milestone just
completed, the feedback that fell due. Queued to the outbox in the change's own transaction,
so the change and its follow-ups commit together; the edge kicks the sender after the commit.
The `plan`, `celebrations` and `feedback` jobs catch anything this misses."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import lock_row
from bot.models import Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.celebrations import queue_milestone_celebration
from bot.services.feedback import load_feedback_config, queue_due_feedback
from bot.services.plan_refresh import refresh_plan


class Context(Protocol):
    """What the follow-ups read of the app (the handlers' `Deps` is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def playbooks(self) -> PlaybookLibrary: ...

    def now(self) -> datetime: ...


def after_change(
    session: Session,
    app: Context,
    onboarding_id: int,
    completed_milestone_id: int | None = None,
) -> None:
    """Queue the follow-ups of a change to `onboarding_id` (and of completing
    `completed_milestone_id`, when it was just completed)."""
    # Two changes to one onboarding queue some of the same outbox keys (its plan, its pulse):
    # taken in turn, never each holding one key while waiting for the other's (a deadlock on
    # PostgreSQL).
    lock_row(session, Onboarding, onboarding_id)
    now = app.now()
    if completed_milestone_id is not None:
        queue_milestone_celebration(session, completed_milestone_id, app.playbooks, now=now)
    # The pulse after kickoff or go-live, the survey at transition (queued once each).
    queue_due_feedback(
        session,
        load_feedback_config(app.settings.templates_dir),
        now=now,
        onboarding_id=onboarding_id,
    )
    refresh_plan(session, onboarding_id, now=now, default_tz=app.settings.tz)
