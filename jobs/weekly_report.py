"""`weekly-report`: on the report day from its local time (templates/weekly_report.yml), each
open onboarding's weekly status report, customer-safe in its customer channel and in full
internally (bot/services/weekly_report.py). One pass per time zone and day; a week is reported
once (its outbox key carries the week), so a late or repeated run posts nothing twice."""

from __future__ import annotations

from bot.services.health import health_rules
from bot.services.weekly_report import (
    due_onboardings,
    load_weekly_report_config,
    queue_weekly_report,
)
from jobs.context import JobContext, JobResult, claim_daily_passes, release_daily_passes

NAME = "weekly-report"


def run_weekly_report(ctx: JobContext) -> JobResult:
    config = load_weekly_report_config(ctx.settings.templates_dir)
    passes = claim_daily_passes(ctx, NAME, due_at=config.post_at, owner=NAME)
    result = JobResult()
    try:
        for day_pass in passes:
            if day_pass.day.weekday() != config.weekday_number:
                continue
            with ctx.db.session() as session:
                ids = due_onboardings(session, day_pass.zone, ctx.settings.tz)
            for onboarding_id in ids:  # one transaction each: one bad row stops no other
                with ctx.db.transaction() as session:
                    result.queued += queue_weekly_report(
                        session,
                        onboarding_id,
                        day_pass.day,
                        now=ctx.now,
                        config=config,
                        rules=health_rules(ctx.settings),
                    )
    except Exception:
        release_daily_passes(ctx, passes)  # the next tick tries again; queued weeks stay
        raise
    return result
