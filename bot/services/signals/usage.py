"""The usage signals: their fact source (one aggregate query over every open onboarding) and
their rules, thresholds from each playbook's `usage:` (bot/playbooks.py UsageDef).

- No usage: no active user for `no_usage_business_days` (5) business days, counted from the
  latest of: technical setup done, the first record (whichever came first), the last day with
  an active user; up to the latest record, or a week ago when the product has reported nothing
  since (a weekly batch is not a week of idleness), or today when it never reported. Nothing
  before setup is done and no record arrived.
- Adoption behind: the latest record's active / licensed users below the target of the latest
  checkpoint reached (`adoption_targets`, days after go-live; default 60% at 30, 80% at 60).
  One alert per checkpoint, so reaching the next one while still behind is told anew.
- Usage dropping: weekly active users (the highest daily active count of a week: the 7 days
  ending yesterday, against the 7 before) down by `drop_percent` (30%) or more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from bot.calendar import business_days_between
from bot.models import Milestone, MilestoneStatus, Onboarding, UsageRecord
from bot.playbooks import PlaybookLibrary, UsageDef
from bot.services.signals.facts import OPEN_STATUSES, UsageRow
from bot.services.signals.kinds import SignalKind
from bot.services.signals.queries import ScanWindow

TECHNICAL_SETUP = "technical_setup"
WEEK = timedelta(days=7)
AddSignal = Callable[..., None]


def usage_facts(window: ScanWindow) -> Select:
    """Per open onboarding with setup done or a record: the figures of `UsageRow`, by id."""
    yesterday_end = window.now.date()  # days before this UTC date; the week ends yesterday
    week_start, previous_start = yesterday_end - WEEK, yesterday_end - 2 * WEEK
    day, active = UsageRecord.day, UsageRecord.active_users
    summary = (
        select(
            UsageRecord.onboarding_id.label("onboarding_id"),
            func.min(day).label("first_day"),
            func.max(case((active > 0, day))).label("last_active_day"),
            func.max(day).label("latest_day"),
            func.max(case((and_(day >= week_start, day < yesterday_end), active))).label("week"),
            func.max(case((and_(day >= previous_start, day < week_start), active))).label("prev"),
        )
        # Every onboarding's records, in the order of the unique (onboarding, day) index: the
        # join below keeps the open ones (a filter here costs an index search per onboarding).
        .group_by(UsageRecord.onboarding_id)
        .subquery()
    )
    latest, setup = aliased(UsageRecord), aliased(Milestone)
    return (
        select(
            Onboarding.id,
            setup.completed_on,
            Onboarding.go_live_at,
            type_coerce(summary.c.first_day, Date()),
            type_coerce(summary.c.last_active_day, Date()),
            type_coerce(summary.c.latest_day, Date()),
            latest.active_users,
            latest.licensed_users,
            summary.c.week,
            summary.c.prev,
        )
        .outerjoin(summary, summary.c.onboarding_id == Onboarding.id)
        .outerjoin(
            latest, and_(latest.onboarding_id == Onboarding.id, latest.day == summary.c.latest_day)
        )
        .outerjoin(
            setup,
            and_(
                setup.onboarding_id == Onboarding.id,
                setup.key == TECHNICAL_SETUP,
                setup.status == MilestoneStatus.COMPLETE,
            ),
        )
        .where(
            Onboarding.status.in_(OPEN_STATUSES),
            or_(summary.c.onboarding_id.is_not(None), setup.id.is_not(None)),
        )
        .order_by(Onboarding.id)
    )


@functools.cache
def usage_rules(templates_dir: Path) -> dict[str, UsageDef]:
    """Playbook key -> its usage section, read once per process (the signal scan)."""
    return {p.key: p.usage for p in PlaybookLibrary.load(templates_dir)}


def detect_usage(
    add: AddSignal,
    row: UsageRow | None,
    rules: UsageDef,
    today: date,
    local_date: Callable[[datetime], date],
    midnight: Callable[[date], datetime],
) -> None:
    """The usage signals of one onboarding, through the detector's `add`."""
    if row is None:
        return
    _no_usage(add, row, rules, today, midnight)
    _adoption_behind(add, row, rules, today, local_date)
    _dropping(add, row, rules, today, midnight)


def _no_usage(
    add: AddSignal, row: UsageRow, rules: UsageDef, today: date, midnight: Callable[..., Any]
) -> None:
    starts = [d for d in (row.setup_done_on, row.first_day) if d is not None]
    if not starts:
        return
    since = max(min(starts), row.last_active_day or min(starts))
    # Days the product has not reported yet are not idle days: a feed may lag up to a week
    # (a weekly batch); after that, silence from the product counts as no usage.
    until = today if row.latest_day is None else max(row.latest_day, today - WEEK)
    quiet = business_days_between(since, until)
    if quiet < rules.no_usage_business_days:
        return
    add(
        SignalKind.NO_USAGE,
        "usage",
        midnight(since),
        business_days=quiet,
        quiet_since=since,
        last_active=row.last_active_day,
    )


def _adoption_behind(
    add: AddSignal,
    row: UsageRow,
    rules: UsageDef,
    today: date,
    local_date: Callable[[datetime], date],
) -> None:
    if row.go_live_at is None or not row.latest_licensed or row.latest_active is None:
        return
    live_days = (today - local_date(row.go_live_at)).days
    reached = [t for t in rules.adoption_targets if live_days >= t.day]
    if not reached:
        return
    target = reached[-1]
    if row.latest_active >= row.latest_licensed * target.active_share:  # exact: Decimal
        return
    share = row.latest_active / row.latest_licensed
    add(
        SignalKind.ADOPTION_BEHIND,
        f"adoption:{target.day}",
        row.go_live_at + timedelta(days=target.day),
        percent=round(100 * share),
        target=round(100 * target.active_share),
        day=target.day,
        active=row.latest_active,
        licensed=row.latest_licensed,
        as_of=row.latest_day,
    )


def _dropping(
    add: AddSignal, row: UsageRow, rules: UsageDef, today: date, midnight: Callable[..., Any]
) -> None:
    week, previous = row.week_active, row.previous_week_active
    if week is None or not previous:
        return
    if (previous - week) * 100 < rules.drop_percent * previous:
        return
    down = round(100 * (previous - week) / previous)
    add(
        SignalKind.USAGE_DROPPING,
        "usage_drop",
        midnight(today - WEEK),
        week=week,
        previous_week=previous,
        percent_down=down,
    )
