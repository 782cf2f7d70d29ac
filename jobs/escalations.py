"""`escalations`: at every tick, find what needs CS leadership (bot/services/escalation_triggers.py)
and tell them once per cause through the outbox (bot/services/escalations.py).

Leadership is ONBOARD_ESCALATION_CHANNEL when set and not shared with another organisation
(Slack is asked, as for alerts), else the admins of ONBOARD_ADMINS by DM, the user group
expanded with usergroups.users.list (cached 5 minutes). Slack is asked before the transaction
opens. A cause stored by another process, or queued by an earlier tick, is not told twice (the
escalation's unique cause key).
"""

from __future__ import annotations

from bot.services.escalation_triggers import find_escalations
from bot.services.escalations import Leaders, escalate, escalation_rules
from bot.services.signals import load_catalog
from bot.slack.channel_privacy import privacy_for
from bot.slack.usergroups import admins_for
from jobs.context import JobContext, JobResult

NAME = "escalations"


def leaders(ctx: JobContext) -> Leaders:
    """Who CS leadership is now: the escalation channel, unless Slack says it is shared."""
    channel = ctx.settings.escalation_channel_id
    if channel and privacy_for(ctx.settings, ctx.slack).shared(channel) is not True:
        return Leaders(channel_id=channel)
    return Leaders(admin_user_ids=tuple(admins_for(ctx.settings, ctx.slack)))


def run_escalations(ctx: JobContext) -> JobResult:
    settings = ctx.settings
    rules = escalation_rules(settings)
    catalog = load_catalog(settings.templates_dir)
    told = leaders(ctx)
    result = JobResult()
    with ctx.db.transaction() as session:
        for found in find_escalations(session, rules, catalog, ctx.now):
            notice = escalate(session, found, told, default_timezone=settings.timezone, now=ctx.now)
            if notice is None:
                result.skipped.append(
                    f"{found.cause_key} of onboarding {found.onboarding_id}: no leader to tell "
                    "(set ONBOARD_ADMINS or ONBOARD_ESCALATION_CHANNEL)"
                )
            else:
                result.queued.append(f"escalation:{notice.escalation_id}")
    return result
