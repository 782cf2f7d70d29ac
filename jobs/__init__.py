"""Scheduled jobs, thin: each detects through bot/ services and queues posts in the outbox.

Every job is a function of `JobContext.now` (jobs/context.py) that queues what is due at that
moment and not yet queued (the outbox key carries the period), so running it twice, late, or
from two processes posts nothing twice. `JOBS` names each job under its CLI name; a new job is
one module here and one line below.
"""

from __future__ import annotations

from jobs import (
    celebrations,
    digest,
    escalations,
    feedback,
    hypercare_sync,
    journey,
    launch_messages,
    leaders_digest,
    plan,
    reviews,
    stall_alerts,
    weekly_report,
)
from jobs.context import Job

JOBS: dict[str, Job] = {
    celebrations.NAME: celebrations.run_celebrations,
    digest.NAME: digest.run_digest,
    escalations.NAME: escalations.run_escalations,
    feedback.NAME: feedback.run_feedback,
    hypercare_sync.NAME: hypercare_sync.hypercare_sync,
    journey.NAME: journey.run_journey,
    launch_messages.NAME: launch_messages.run_launch_messages,
    leaders_digest.NAME: leaders_digest.run_leaders_digest,
    plan.NAME: plan.run_plan,
    reviews.NAME: reviews.run_reviews,
    stall_alerts.NAME: stall_alerts.stall_alerts,
    weekly_report.NAME: weekly_report.run_weekly_report,
}
