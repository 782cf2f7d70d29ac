"""`celebrations`: queue a celebration for every milestone completed lately and not yet
celebrated (bot/services/celebrations.py). `done` queues its own right away; this catches the
rest (completions by other paths, a refresh a crash interrupted). Go-live is left to the gate's
go-live post: one post for one event."""

from __future__ import annotations

from bot.services.celebrations import due_celebrations, queue_celebration
from jobs.context import JobContext, JobResult

NAME = "celebrations"


def run_celebrations(ctx: JobContext) -> JobResult:
    result = JobResult()
    with ctx.db.transaction() as session:
        for celebration in due_celebrations(session, ctx.playbooks, now=ctx.now):
            if not celebration.channel_id:
                result.skipped.append(f"{celebration.key}: no customer or internal channel")
            elif queue_celebration(session, celebration, now=ctx.now):
                result.queued.append(celebration.key)
    return result


