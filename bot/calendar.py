"""Business-day arithmetic for due dates (weekends are skipped) and the business hours that
hypercare's P3/P4 clocks run in (weekends, holidays and nights are skipped)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

FRIDAY = 4
SATURDAY = 5


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (0 gives `start` itself, moved off a weekend)."""
    current = start
    while not is_business_day(current):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -business_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count


def not_on_friday(day: date) -> date:
    """A launch day: a business day, and not a Friday, which would leave a weekend without
    support; a Friday or a weekend day moves to the next Monday."""
    day = add_business_days(day, 0)
    return day + timedelta(days=3) if day.weekday() == FRIDAY else day


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    """A business day that is none of `holidays`."""
    return is_business_day(day) and day not in holidays


def shift_business_days(day: date, days: int, holidays: Collection[date] = ()) -> date:
    """`day` moved by `days` business days (backwards when negative), skipping `holidays`."""
    step = 1 if days >= 0 else -1
    current, remaining = day, abs(days)
    while remaining > 0:
        current += timedelta(days=step)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def plan_date_problem(
    day: date, holidays: Collection[date] = (), *, go_live: bool = False
) -> str | None:
    """Why `day` cannot carry a planned date (a launch, when `go_live`); None when it can.
    The intake's rules: business days only, no holidays, no Friday launch (`not_on_friday`)."""
    if not is_business_day(day):
        return f"{day:%a %b} {day.day} is a weekend day: pick a business day."
    if day in holidays:
        return f"{day:%a %b} {day.day} is a holiday: pick another business day."
    if go_live and day.weekday() == FRIDAY:
        return "A Friday go-live leaves a weekend without support: pick Monday to Thursday."
    return None


def next_business_day(day: date) -> date:
    return add_business_days(day + timedelta(days=1), 0)


ZoneOf = Callable[[str], tzinfo]
"""A person's time zone, by Slack user id (for instance Slack's profile zone, else a default)."""


@functools.cache
def time_zone(name: str | None, default: tzinfo | str) -> tzinfo:
    """The zone called `name` (an onboarding's own), else `default` (ONBOARD_TIMEZONE).

    An unknown name falls back too, with a warning: a typo must not stop the daily jobs.
    """
    fallback = ZoneInfo(default) if isinstance(default, str) else default
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; using %s", name, fallback)
        return fallback


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The start of `day` in `tz`, in UTC (a DST day is 23 or 25 hours long)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class BusinessHours:
    """When an onboarding's business clocks run: a daily window in its own zone, on business
    days that are not holidays (ONBOARD_BUSINESS_HOURS, ONBOARD_HOLIDAYS)."""

    tz: tzinfo
    opens: time = time(9)
    closes: time = time(17)
    holidays: frozenset[date] = frozenset()

    def is_open_day(self, day: date) -> bool:
        return is_working_day(day, self.holidays)

    def next_open_day(self, day: date) -> date:
        """The first open day after `day`."""
        return shift_business_days(day, 1, self.holidays)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def add_hours(self, start: datetime, span: timedelta) -> datetime:
        """`start` plus `span` counted only while open: 4 h from Friday 16:30 is Monday 12:30."""
        local = start.astimezone(self.tz)
        day = local.date()
        cursor = max(local, self._at(day, self.opens))
        if not self.is_open_day(day) or cursor >= self._at(day, self.closes):
            day = self.next_open_day(day)
            cursor = self._at(day, self.opens)
        while True:
            left_today = self._at(day, self.closes) - cursor
            if span <= left_today:
                return (cursor + span).astimezone(UTC)
            span -= left_today
            day = self.next_open_day(day)
            cursor = self._at(day, self.opens)

    def close_of_day(self, start: datetime, days: int) -> datetime:
        """The close of the `days`-th open day after the local day of `start` ("next business
        day" is 1: a P4 logged on Friday, or on Saturday, is due at Monday's close)."""
        day = start.astimezone(self.tz).date()
        for _ in range(days):
            day = self.next_open_day(day)
        return self._at(day, self.closes).astimezone(UTC)

    @functools.cached_property
    def day_length(self) -> timedelta:
        """How long the clock runs on an open day ("1 business day" of 09:00-17:00 is 8 h)."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def open_time(self, start: datetime, end: datetime) -> timedelta:
        """How long the clock ran from `start` to `end` (0 when `end` is not later): Friday
        16:00 to Monday 10:00 is 2 h. The days between the two are whole open days or none."""
        if end <= start:
            return timedelta()
        first, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        if first == last:
            return self._open_on(first, start, end)
        edges = self._open_on(first, start, end) + self._open_on(last, start, end)
        return edges + self._open_days_between(first, last) * self.day_length

    def _open_on(self, day: date, start: datetime, end: datetime) -> timedelta:
        if not self.is_open_day(day):
            return timedelta()
        opens = max(self._at(day, self.opens), start)
        closes = min(self._at(day, self.closes), end)
        return max(closes - opens, timedelta())

    def _open_days_between(self, first: date, last: date) -> int:
        """Open days strictly between `first` and `last`, by whole weeks (the scan asks this
        for months-long spans of every open onboarding)."""
        weeks, rest = divmod((last - first).days - 1, 7)
        days = 5 * weeks + _WEEKDAYS_AFTER[first.weekday()][rest]
        if not self.holidays:
            return days
        return days - sum(1 for h in self.holidays if first < h < last and is_business_day(h))


# _WEEKDAYS_AFTER[w][n]: business days among the n days after a day of weekday w (n < 7).
_WEEKDAYS_AFTER = [
    [sum((w + i) % 7 < SATURDAY for i in range(1, n + 1)) for n in range(7)] for w in range(7)
]
