"""`reviews`: business days from 09:00 local, the reviews after go-live and the renewal prompts
that fell due (bot/services/reviews.py), and the check-ins the meeting cadence calls for
(bot/services/check_ins.py), each by DM to its CSM. One pass per time zone and day;
each review and renewal is told once (its outbox key names the occurrence)."""

from __future__ import annotations

from datetime import time

from bot.services.check_ins import due_check_ins
from bot.services.outbox import enqueue
from bot.services.reviews import queue_due_reviews
from jobs.context import JobContext, JobResult, claim_daily_passes, release_daily_passes

NAME = "reviews"
DUE_AT = time(9, 0)


def run_reviews(ctx: JobContext) -> JobResult:
    passes = claim_daily_passes(ctx, NAME, due_at=DUE_AT, owner=NAME)
    if not passes:
        return JobResult(skipped=["every time zone due today has had its pass"])
    try:
        when = {"now": ctx.now, "default_tz": ctx.settings.tz, "zones": {p.zone for p in passes}}
        with ctx.db.transaction() as session:
            queued = queue_due_reviews(session, ctx.playbooks, **when)
            check_ins = due_check_ins(session, ctx.playbooks, **when)
            queued += [post.key for post in check_ins if enqueue(session, post, now=ctx.now)]
    except Exception:
        release_daily_passes(ctx, passes)  # the next tick tries again
        raise
    return JobResult(queued=queued)
