"""`feedback`: queue the customer's-voice questions due for milestones completed lately: the
pulse after kickoff and after go-live, the survey at transition (bot/services/feedback/).
Commands queue theirs right away (bot/services/follow_ups.after_change); this catches the rest."""

from __future__ import annotations

from bot.services.feedback import load_feedback_config, queue_due_feedback
from jobs.context import JobContext, JobResult

NAME = "feedback"


def run_feedback(ctx: JobContext) -> JobResult:
    config = load_feedback_config(ctx.settings.templates_dir)
    with ctx.db.transaction() as session:
        queued = queue_due_feedback(session, config, now=ctx.now)
    return JobResult(queued=queued)


