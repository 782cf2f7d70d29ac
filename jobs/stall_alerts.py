"""`stall-alerts`: once per business day at or after 09:00 local, tell each onboarding's team
what is stalling, one grouped message per onboarding, through the outbox; for a CSM who chose
the digest (`/onboard settings`), one DM with all their onboardings' alerts instead.

Local means the onboarding's time zone, else ONBOARD_TIMEZONE; the period of a post is that
local date, and it expires at the end of it (after downtime yesterday's alert is not sent late;
its signals are still there and are told on the next run). Running the job again the same day
queues nothing new: notified alerts are not due again, and the outbox key
`alert:<onboarding>:<channel>:<local date>` is queued once. An alert that appears later the
same day waits for the next business day's message rather than being lost or doubled.

Clock -> detector (bot/services/signals/) -> bookkeeping (bot/services/alert_states.py) ->
outbox (an `alert` post: its AlertGroup, rendered by bot/slack/alert_views.py when sent). The
detection reads with a constant number of queries and writes in chunks of CHUNK onboardings,
each chunk one transaction: alert states and the posts that tell them commit together. The
digest CSMs' onboardings are kept until the scan ends and written in one transaction with
their digests (`alert-digest:-:<csm>:<zone>:<local date>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy.orm import Session

from bot.calendar import is_business_day, local_midnight, time_zone
from bot.services.alert_states import (
    AlertRow,
    Change,
    alert_rows_statement,
    chunked,
    clear_closed,
    insert_new,
    reconcile,
    save_changes,
)
from bot.services.alerts import (
    ALERT_KIND,
    DIGEST_KIND,
    AlertDigest,
    AlertGroup,
    AlertItem,
    ChannelPrivacy,
    Destination,
    route,
    worst_first,
)
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.signals import (
    Aligned,
    OnboardingRow,
    Rules,
    SignalCatalog,
    detect,
    scan,
    stream_rows,
)
from bot.services.user_settings import digest_users
from bot.slack.alert_views import load_checked_catalog
from bot.slack.channel_privacy import privacy_for
from bot.text import count
from jobs.context import JobContext, JobResult, claim_daily_passes, release_daily_passes

NAME = "stall-alerts"
PASS_JOB = "stall-alerts:daily-pass"
DUE_AT = time(9, 0)
CHUNK = 500


@dataclass
class _Work:
    onboarding: OnboardingRow
    period: date
    changes: list[Change]
    destination: Destination | None = None


def due_period(onboarding: OnboardingRow, ctx: JobContext) -> date | None:
    """The local date whose alert is due now, or None before 09:00 or off a business day."""
    local = ctx.now.astimezone(time_zone(onboarding.timezone, ctx.settings.timezone))
    if is_business_day(local.date()) and local.time() >= DUE_AT:
        return local.date()
    return None


def stall_alerts(ctx: JobContext) -> JobResult:
    """Scan once per time zone and local day: the scheduler ticks every few minutes, and a
    full scan of the book each tick would find nothing new until tomorrow's 09:00."""
    passes = claim_daily_passes(ctx, PASS_JOB, due_at=DUE_AT, owner=NAME)
    if not passes:
        return JobResult(skipped=["every time zone due today has had its pass"])
    try:
        return run_stall_alerts(ctx, privacy_for(ctx.settings, ctx.slack))
    except Exception:
        release_daily_passes(ctx, passes)  # the next tick tries again
        raise


def run_stall_alerts(ctx: JobContext, privacy: ChannelPrivacy, *, chunk: int = CHUNK) -> JobResult:
    settings = ctx.settings
    catalog = load_checked_catalog(settings.templates_dir)
    rules = Rules(settings, catalog, ctx.now)
    result = JobResult()
    not_due = 0
    digests: list[_Work] = []  # the alerts of CSMs who chose the digest: one DM each, at the end
    with ctx.db.session() as reader:
        digest = digest_users(reader)
        states = Aligned(stream_rows(reader, alert_rows_statement(), chunk * 4), AlertRow._make)
        for batch in chunked(scan(reader, settings, ctx.now), chunk):
            work: list[_Work] = []
            for facts in batch:
                rows = states.take(facts.onboarding.id)
                period = due_period(facts.onboarding, ctx)
                if period is None:
                    not_due += 1
                    continue
                signals = detect(facts, settings, catalog, ctx.now, rules=rules)
                changes = reconcile(
                    facts.onboarding,
                    signals,
                    rows,
                    ctx.now,
                    renotify_days=settings.renotify_days,
                    default_timezone=settings.timezone,
                    return_days=settings.alert_return_days,
                    acknowledge_days=settings.acknowledge_days,
                )
                if changes:
                    by_digest = facts.onboarding.csm_user_id in digest
                    (digests if by_digest else work).append(
                        _Work(facts.onboarding, period, changes)
                    )
            if work:
                _route(work, privacy)
                _save(ctx, work, catalog, result)
    if digests:
        _save_digests(ctx, digests, catalog, result)
    with ctx.db.transaction() as writer:
        clear_closed(writer, ctx.now)
    if not_due:
        result.skipped.append(
            f"{count(not_due, 'onboarding')} not due: before 09:00 local or not a business day"
        )
    return result


def _route(work: list[_Work], privacy: ChannelPrivacy) -> None:
    """Ask where each alert goes before the write transaction (it may ask Slack)."""
    for item in work:
        if any(c.notify for c in item.changes):
            item.destination = route(item.onboarding, privacy)


def _save(ctx: JobContext, work: list[_Work], catalog: SignalCatalog, result: JobResult) -> None:
    with ctx.db.transaction() as writer:
        changes = [change for item in work for change in item.changes]
        insert_new(writer, changes)
        notified: set[int] = set()
        for item in work:
            if _queue(ctx, writer, item, catalog, result):
                notified.update(c.alert_id for c in item.changes if c.notify and c.alert_id)
        save_changes(writer, changes, notified=notified)


def _group(ctx: JobContext, item: _Work, catalog: SignalCatalog) -> AlertGroup | None:
    """The onboarding's grouped alert of the day (its signals worst first), if it tells any."""
    onboarding = item.onboarding
    items = [
        AlertItem(
            change.alert_id or 0,
            change.signal,
            catalog.definition(change.signal.kind, onboarding.playbook),
            change.reason.value if change.reason else "",
        )
        for change in item.changes
        if change.notify and change.signal is not None
    ]
    if not items:
        return None
    return AlertGroup(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        timezone=time_zone(onboarding.timezone, ctx.settings.timezone),
        items=items,
        escalation_channel_id=ctx.settings.escalation_channel_id,
    )


def _queue(
    ctx: JobContext, writer: Session, item: _Work, catalog: SignalCatalog, result: JobResult
) -> bool:
    """Queue the onboarding's grouped alert; True when it was queued."""
    group = _group(ctx, item, catalog)
    destination = item.destination
    if destination is None or group is None:
        return False
    key = outbox_key(ALERT_KIND, group.onboarding_id, destination.channel, item.period.isoformat())
    post = Post(
        key=key,
        kind=ALERT_KIND,
        channel=destination.channel,
        data=post_data(group),
        onboarding_id=group.onboarding_id,
        expires_at=local_midnight(item.period + timedelta(days=1), group.timezone),
        internal=True,
    )
    return _enqueued(ctx, writer, post, result)


def _enqueued(ctx: JobContext, writer: Session, post: Post, result: JobResult) -> bool:
    if enqueue(writer, post, now=ctx.now):
        result.queued.append(post.key)
        return True
    result.skipped.append(f"{post.key}: already queued today; new signals wait for the next run")
    return False


def _save_digests(
    ctx: JobContext, work: list[_Work], catalog: SignalCatalog, result: JobResult
) -> None:
    """One DM per CSM (and time zone of their book) and day with every onboarding's alert,
    worst first; its alert states commit with it."""
    with ctx.db.transaction() as writer:
        changes = [change for item in work for change in item.changes]
        insert_new(writer, changes)
        by_csm: dict[tuple[str, str, date], list[_Work]] = {}
        for item in work:
            zone = str(time_zone(item.onboarding.timezone, ctx.settings.timezone))
            by_csm.setdefault((item.onboarding.csm_user_id, zone, item.period), []).append(item)
        notified: set[int] = set()
        for (csm, zone, period), items in by_csm.items():
            groups = [g for g in (_group(ctx, i, catalog) for i in items) if g is not None]
            if groups and _enqueued(ctx, writer, _digest_post(csm, zone, period, groups), result):
                notified.update(c.alert_id for i in items for c in i.changes if c.notify)
        save_changes(writer, changes, notified={i for i in notified if i})


def _digest_post(csm: str, zone: str, period: date, groups: list[AlertGroup]) -> Post:
    tz = groups[0].timezone
    return Post(
        key=outbox_key(DIGEST_KIND, None, f"{csm}:{zone}", period.isoformat()),
        kind=DIGEST_KIND,
        channel=csm,
        data=post_data(AlertDigest(csm, tz, worst_first(groups))),
        expires_at=local_midnight(period + timedelta(days=1), tz),
        internal=True,
    )
