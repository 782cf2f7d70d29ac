"""`plan`: keep every customer channel's pinned plan current (bot/services/plan_refresh.py).

Commands refresh the plan right after they change an onboarding; this job is the catch-all for
every other change (another feature's, or one whose refresh a crash interrupted) and for the day
a milestone turns due soon or overdue. A plan whose rendered content is unchanged queues nothing,
so running it every tick costs renders, not Slack calls.
"""

from __future__ import annotations

from bot.services.plan_refresh import refresh_plans
from jobs.context import JobContext, JobResult

NAME = "plan"


def run_plan(ctx: JobContext) -> JobResult:
    with ctx.db.transaction() as session:
        queued = refresh_plans(session, now=ctx.now, default_tz=ctx.settings.tz)
    return JobResult(queued=queued)


