"""The daily hypercare sync: what it says, computed once from one loaded onboarding.

The job (jobs/hypercare_sync.py) queues it as two posts whose data is the `HypercareSync`
below; bot/slack/hypercare_views.py words it when it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import business_days_between, shift_business_days
from bot.config import Settings
from bot.models import HypercareIssue, Onboarding
from bot.services.hypercare.sla import (
    ExitCheck,
    IssueSeverity,
    SlaClock,
    settings_exit_check,
    sla_clock,
)

SYNC_TIME = time(9, 0)
# The two posts of a day's sync (outbox kinds; both carry a `HypercareSync`).
SYNC_KIND = "hypercare-sync"
SYNC_DETAIL_KIND = "hypercare-sync-detail"


@dataclass(frozen=True)
class IssueLine:
    number: int
    severity: IssueSeverity
    title: str
    opened_at: datetime
    clock: SlaClock


@dataclass(frozen=True)
class HypercareSync:
    onboarding_id: int
    company_name: str
    csm_user_id: str
    now: datetime  # the moment the clocks below were read
    day: date  # the local date of this sync
    day_number: int  # business day of hypercare; the go-live day is day 1
    total_days: int  # planned business days
    ends_on: date | None
    since: datetime  # "since yesterday's sync": the previous business day's 09:00 local
    zone: ZoneInfo
    open_issues: list[IssueLine]  # P1 first, then by the time left on their clock
    opened_since: list[IssueLine]
    resolved_since: list[IssueLine]
    breaches: list[IssueLine]  # open issues past a response or resolution due moment
    exit: ExitCheck

    def open_by_severity(self) -> dict[IssueSeverity, list[IssueLine]]:
        grouped: dict[IssueSeverity, list[IssueLine]] = {s: [] for s in IssueSeverity}
        for line in self.open_issues:
            grouped[line.severity].append(line)
        return grouped


def previous_sync_moment(day: date, zone: ZoneInfo) -> datetime:
    """09:00 local on the business day before `day` (Friday's for a Monday)."""
    return datetime.combine(shift_business_days(day, -1), SYNC_TIME, tzinfo=zone)


def _line(issue: HypercareIssue, now: datetime, settings: Settings, zone: ZoneInfo) -> IssueLine:
    return IssueLine(
        issue.number,
        IssueSeverity(issue.severity),
        issue.title,
        issue.opened_at,
        sla_clock(issue, now, settings, zone),
    )


def build_sync(
    onboarding: Onboarding, now: datetime, settings: Settings, zone: ZoneInfo
) -> HypercareSync:
    """Everything the daily sync says at `now` (no queries beyond the loaded issues)."""
    day = now.astimezone(zone).date()
    live_at = onboarding.go_live_at or now
    live_on = live_at.astimezone(zone).date()
    since = max(previous_sync_moment(day, zone), live_at)
    lines = [_line(i, now, settings, zone) for i in onboarding.hypercare_issues]
    open_lines = sorted(
        (line for line in lines if line.clock.resolved_at is None),
        key=lambda line: (line.severity, line.clock.time_left or timedelta(0), line.number),
    )
    ends_on = onboarding.hypercare_ends_on
    return HypercareSync(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        csm_user_id=onboarding.csm_user_id,
        now=now,
        day=day,
        day_number=business_days_between(live_on, day) + 1,
        total_days=business_days_between(live_on, ends_on) if ends_on else 0,
        ends_on=ends_on,
        since=since,
        zone=zone,
        open_issues=open_lines,
        opened_since=[line for line in lines if since <= line.opened_at <= now],
        resolved_since=[
            line
            for line in lines
            if line.clock.resolved_at is not None and since <= line.clock.resolved_at <= now
        ],
        breaches=[line for line in open_lines if line.clock.breached],
        exit=settings_exit_check(onboarding, now, settings),
    )
