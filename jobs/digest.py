"""`digest`: Mondays from 09:00 local (ONBOARD_TIMEZONE), each CSM with open onboardings gets
their book by DM (bot/services/digest.py); once per ISO week, skipped after that Monday."""

from __future__ import annotations

from bot.jobs import JobContext, JobResult
from bot.services.digest import (
    DIGEST_KIND,
    build_books,
    csms_without_digest,
    digest_day,
    digest_key,
    end_of_day,
)
from bot.services.outbox import Post, enqueue
from bot.slack.digest_views import build_digest_blocks, digest_text
from jobs import JOBS

NAME = "digest"


def run_digest(ctx: JobContext) -> JobResult:
    zone = ctx.settings.tz
    monday = digest_day(ctx.now, zone)
    if monday is None:
        return JobResult()
    result = JobResult()
    with ctx.db.session() as session:
        for book in build_books(session, monday, csms_without_digest(session, monday)):
            post = Post(
                key=digest_key(book.csm_user_id, monday),
                kind=DIGEST_KIND,
                channel=book.csm_user_id,
                text=digest_text(book),
                blocks=build_digest_blocks(book),
                expires_at=end_of_day(monday, zone),
            )
            if enqueue(session, post, now=ctx.now):
                result.queued.append(post.key)
        session.commit()
    return result


JOBS[NAME] = run_digest
