"""`launch-messages`: business days from 09:00 local, the customer-channel launch messages that
fell due (bot/services/launch_messages.py): a week before the go-live target and a few days
after go-live. One pass per time zone and day; each message is queued once per onboarding."""

from __future__ import annotations

from datetime import time

from bot.services.launch_messages import due_launch_messages
from bot.services.outbox import enqueue_many
from jobs.context import JobContext, JobResult, claim_daily_passes, release_daily_passes

NAME = "launch-messages"
DUE_AT = time(9, 0)


def run_launch_messages(ctx: JobContext) -> JobResult:
    passes = claim_daily_passes(ctx, NAME, due_at=DUE_AT, owner=NAME)
    if not passes:
        return JobResult(skipped=["every time zone due today has had its pass"])
    try:
        with ctx.db.transaction() as session:
            posts = due_launch_messages(
                session,
                ctx.playbooks,
                now=ctx.now,
                default_tz=ctx.settings.tz,
                zones={p.zone for p in passes},
            )
            queued = enqueue_many(session, posts, now=ctx.now)
    except Exception:
        release_daily_passes(ctx, passes)  # the next tick tries again
        raise
    return JobResult(queued=[post.key for post in posts if post.key in queued])
