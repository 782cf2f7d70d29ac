"""`digest`: Mondays from 09:00 in each CSM's own time zone, each CSM with open onboardings gets
their book by DM (bot/services/digest.py); once per ISO week, skipped after that Monday.

The zone is the CSM's Slack profile zone (bot/slack/user_zones.py: users.info `tz`, asked at
most once a day per CSM and process), asked only from Sunday evening to Tuesday noon UTC, when a
digest can be due somewhere. ONBOARD_TIMEZONE stands in when Slack gives none, when there is no
Slack to ask (no client, no bot token), and when the question fails: then the digest still goes
out, and Slack is asked again a little later.
"""

from __future__ import annotations

from bot.calendar import ZoneOf
from bot.services.digest import DIGEST_KIND, digest_csms, due_books, may_be_due
from bot.services.outbox import Post, enqueue, post_data
from bot.slack.user_zones import zones_for
from jobs.context import JobContext, JobResult

NAME = "digest"


def csm_zones(ctx: JobContext) -> ZoneOf:
    """Each CSM's zone for this run: Slack's, else ONBOARD_TIMEZONE (also with nobody to ask)."""
    zones = zones_for(ctx.settings, ctx.slack)
    if zones is None:
        return lambda _csm: ctx.settings.tz
    return zones.zone_of(ctx.now, ctx.settings.tz)


def run_digest(ctx: JobContext, zone_of: ZoneOf | None = None) -> JobResult:
    if not may_be_due(ctx.now):
        return JobResult()
    with ctx.db.session() as session:
        csms = digest_csms(session)
    zone_of = zone_of or csm_zones(ctx)
    zones = {csm: zone_of(csm) for csm in csms}  # Slack is asked with no session open
    result = JobResult()
    with ctx.db.transaction() as session:
        for due, book in due_books(session, ctx.now, zones):
            post = Post(
                key=due.key,
                kind=DIGEST_KIND,
                channel=book.csm_user_id,
                data=post_data(book),
                expires_at=due.expires_at,
            )
            if enqueue(session, post, now=ctx.now):
                result.queued.append(post.key)
    return result


