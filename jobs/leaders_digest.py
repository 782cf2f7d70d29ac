"""`leaders-digest`: Mondays from 09:00 in each leader's own time zone, each Onboard admin
(`ONBOARD_ADMINS`) gets the book as leaders need it by DM (bot/services/leaders_digest.py); once
per ISO week, skipped after that Monday. `ONBOARD_LEADERS_DIGEST=off` turns it off.

Zones as for the CSM digest (jobs/digest.py: Slack's profile zone, else ONBOARD_TIMEZONE). The
admins' user group is expanded with usergroups.users.list (cached 5 minutes per workspace) when
there is a Slack client or a bot token to make one; without, only the listed user ids get it.
"""

from __future__ import annotations

from bot.calendar import ZoneOf
from bot.services.digest import may_be_due
from bot.services.leaders_digest import LEADERS_DIGEST_KIND, due_leaders, leaders_book
from bot.services.metrics import ttfv_targets
from bot.services.outbox import Post, enqueue, post_data
from bot.slack.usergroups import admins_for
from jobs.context import JobContext, JobResult
from jobs.digest import csm_zones

NAME = "leaders-digest"


def run_leaders_digest(ctx: JobContext, zone_of: ZoneOf | None = None) -> JobResult:
    settings = ctx.settings
    if not settings.leaders_digest or not may_be_due(ctx.now):
        return JobResult()
    if not settings.admin_user_ids and not settings.admin_usergroup_id:
        return JobResult(skipped=["leaders-digest: no ONBOARD_ADMINS, nobody to send it to"])
    zone_of = zone_of or csm_zones(ctx)
    # Slack is asked (the admins' group, their zones) with no session open.
    zones = {leader: zone_of(leader) for leader in sorted(set(admins_for(settings, ctx.slack)))}
    result = JobResult()
    with ctx.db.transaction() as session:
        due = due_leaders(session, ctx.now, zones)
        books = {
            monday: post_data(leaders_book(session, monday, ttfv_targets(ctx.playbooks)))
            for monday in {d.monday for d in due}
        }
        for d in due:
            post = Post(
                key=d.key,
                kind=LEADERS_DIGEST_KIND,
                channel=d.leader_user_id,  # a DM: internal figures go to the admin alone
                data=books[d.monday],
                expires_at=d.expires_at,
            )
            if enqueue(session, post, now=ctx.now):
                result.queued.append(post.key)
    return result


