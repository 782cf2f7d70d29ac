"""`journey`: the tech-touch journey of SMB and Self-Serve onboardings (the playbook's `journey:`),
one step at a time, from 09:00 local on business days, through the outbox.

For each open onboarding on a playbook with a journey, the current step (bot/services/journey.py:
the latest whose send day has come, until the next one's) is queued once, under the key
`journey:<onboarding>:<step>:` (no period: a step is never sent twice), if its behaviour
condition holds; otherwise it is reported in `skipped` and looked at again at the next daily
pass, until the next step takes over. Where: the customer channel, else the CSM's DM with a note.

The book is scanned once per time zone and local business day (a claimed daily pass, as
stall-alerts does: bot/jobs.claim_daily_passes), in a constant number of queries. Between
passes each tick looks only at onboardings created in the last day, so one created after its
zone's 09:00 pass gets its welcome at once rather than tomorrow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import is_business_day, time_zone
from bot.models import Onboarding, OnboardingStatus
from bot.playbooks import Playbook
from bot.services.journey import (
    SEND_AT,
    DueStep,
    JourneyRow,
    condition_failure,
    current_step,
    done_milestones,
    journey_playbooks,
    open_rows,
    queued_keys,
    step_post,
    usage_started,
)
from bot.services.outbox import enqueue_many
from bot.text import count
from jobs.context import JobContext, JobResult, claim_daily_passes, release_daily_passes

NAME = "journey"
PASS_JOB = "journey:daily-pass"
# Onboardings this recent are looked at on every tick, not only at their zone's daily pass.
CATCH_UP = timedelta(days=1)
CHUNK = 500  # posts per INSERT


def run_journey(ctx: JobContext) -> JobResult:
    books = journey_playbooks(ctx.playbooks)
    if not books:
        return JobResult(skipped=["no playbook has a journey"])
    passes = claim_daily_passes(
        ctx,
        PASS_JOB,
        due_at=SEND_AT,
        owner=NAME,
        zone_names=lambda session: _zone_names(session, books),
    )
    try:
        return queue_due_steps(ctx, books, {str(p.zone) for p in passes})
    except Exception:
        release_daily_passes(ctx, passes)  # the next tick tries again
        raise


def _zone_names(session: Session, books: dict[str, Playbook]) -> Iterable[str | None]:
    return session.scalars(
        select(Onboarding.timezone)
        .where(Onboarding.status != OnboardingStatus.CLOSED, Onboarding.playbook.in_(list(books)))
        .distinct()
    )


def queue_due_steps(ctx: JobContext, books: dict[str, Playbook], zones: set[str]) -> JobResult:
    """Queue the current step of each onboarding in a passed zone (or created lately)."""
    result = JobResult()
    with ctx.db.transaction() as session:
        rows = {row.id: row for row in open_rows(session, books, created_since=ctx.now - CATCH_UP)}
        if zones:
            rows.update((row.id, row) for row in open_rows(session, books))
        due, not_due = _current_steps(ctx, books, rows.values(), zones)
        queued = queued_keys(session, [step.row.id for step in due])
        pending = [step for step in due if step.key not in queued]
        conditions = {key for step in pending for key in step.step.conditions}
        done = done_milestones(session, [step.row.id for step in pending], conditions)
        asks_usage = [step.row.id for step in pending if step.step.only_if_usage]
        used = usage_started(session, asks_usage)
        posts = []
        for step in pending:
            reason = condition_failure(step.step, done.get(step.row.id, set()), step.row.id in used)
            if reason:
                result.skipped.append(f"{step.key}: {reason}")
            else:
                posts.append(step_post(step))
        for chunk in range(0, len(posts), CHUNK):
            queued = enqueue_many(session, posts[chunk : chunk + CHUNK], now=ctx.now)
            result.queued.extend(
                post.key for post in posts[chunk : chunk + CHUNK] if post.key in queued
            )
    if len(due) > len(pending):
        result.skipped.append(f"{count(len(due) - len(pending), 'current step')} already queued")
    if not_due:
        result.skipped.append(
            f"{count(not_due, 'onboarding')} with nothing due: before their first step, "
            "before 09:00 local or not a business day"
        )
    return result


def _current_steps(
    ctx: JobContext, books: dict[str, Playbook], rows: Iterable[JourneyRow], zones: set[str]
) -> tuple[list[DueStep], int]:
    """The current step of each row whose zone was passed now (or that is recent); and how
    many had none due."""
    due: list[DueStep] = []
    not_due = 0
    for row in rows:
        zone = time_zone(row.timezone, ctx.settings.timezone)
        local = ctx.now.astimezone(zone)
        if str(zone) not in zones and row.created_at < ctx.now - CATCH_UP:
            continue  # its zone's pass has not come (or was done): tomorrow
        step = None
        if is_business_day(local.date()) and local.time() >= SEND_AT:
            step = current_step(row, books[row.playbook], ctx.now, zone)
        if step is None:
            not_due += 1
        else:
            due.append(step)
    return due, not_due
