"""Business-day arithmetic behind every due date: weekends are skipped, launches avoid Fridays."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import (
    BusinessHours,
    add_business_days,
    business_days_between,
    is_business_day,
    next_business_day,
    not_on_friday,
)

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, d) for d in range(2, 9))


def test_week_constants_are_the_days_they_claim() -> None:
    assert [d.strftime("%a") for d in (MON, TUE, WED, THU, FRI, SAT, SUN)] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_is_business_day() -> None:
    assert [is_business_day(d) for d in (MON, TUE, WED, THU, FRI, SAT, SUN)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MON, 0, MON),
        (MON, 1, TUE),
        (MON, 4, FRI),
        (MON, 5, date(2026, 11, 9)),  # next Monday
        (THU, 1, FRI),
        (THU, 2, date(2026, 11, 9)),  # over the weekend
        (FRI, 1, date(2026, 11, 9)),
        (FRI, 5, date(2026, 11, 13)),
        (WED, 10, date(2026, 11, 18)),
        # month ends
        (date(2026, 1, 30), 1, date(2026, 2, 2)),  # Fri -> Mon across January's end
        (date(2026, 1, 29), 3, date(2026, 2, 3)),  # Thu -> Tue
        (date(2026, 2, 27), 1, date(2026, 3, 2)),  # Fri -> Mon across February's end
        (date(2026, 4, 30), 1, date(2026, 5, 1)),  # Thu -> Fri, no weekend in between
        # year ends
        (date(2025, 12, 31), 3, date(2026, 1, 5)),  # Wed -> Mon
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # Thu -> Fri (holidays are not skipped)
        (date(2027, 12, 31), 1, date(2028, 1, 3)),  # Fri -> Mon
        # a leap day is an ordinary business day
        (date(2028, 2, 28), 1, date(2028, 2, 29)),
        # long offsets: 20 business days are exactly 4 weeks
        (MON, 20, date(2026, 11, 30)),
        (MON, 70, date(2027, 2, 8)),
    ],
)
def test_add_business_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # A weekend start first moves to Monday, then counts (documented: 0 gives Monday).
        (SAT, 0, date(2026, 11, 9)),
        (SUN, 0, date(2026, 11, 9)),
        (SAT, 1, date(2026, 11, 10)),
        (SUN, 1, date(2026, 11, 10)),
        (SUN, 5, date(2026, 11, 16)),
        (date(2026, 1, 31), 1, date(2026, 2, 3)),  # Sat at January's end
        (date(2027, 1, 2), 0, date(2027, 1, 4)),  # Sat right after new year
    ],
)
def test_add_business_days_from_a_weekend(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected


def test_add_business_days_never_lands_on_a_weekend() -> None:
    start = date(2026, 1, 1)
    for offset in range(0, 60):
        for shift in range(14):
            day = add_business_days(start + timedelta(days=shift), offset)
            assert day.weekday() < 5, (start + timedelta(days=shift), offset, day)


def test_add_business_days_advances_five_per_calendar_week() -> None:
    for start in (MON, TUE, WED, THU, FRI):
        for weeks in range(1, 10):
            assert add_business_days(start, 5 * weeks) == start + timedelta(weeks=weeks)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (FRI, date(2026, 11, 9)),
        (date(2026, 1, 30), date(2026, 2, 2)),  # Friday at January's end
        (date(2027, 12, 31), date(2028, 1, 3)),  # Friday at the year's end
        (MON, MON),
        (TUE, TUE),
        (WED, WED),
        (THU, THU),
        # a weekend is no launch day either
        (SAT, date(2026, 11, 9)),
        (SUN, date(2026, 11, 9)),
        (date(2027, 1, 2), date(2027, 1, 4)),
    ],
)
def test_not_on_friday(day: date, expected: date) -> None:
    assert not_on_friday(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (MON, TUE),
        (THU, FRI),
        (FRI, date(2026, 11, 9)),
        (SAT, date(2026, 11, 9)),
        (SUN, date(2026, 11, 9)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_next_business_day(day: date, expected: date) -> None:
    assert next_business_day(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (MON, MON, 0),
        (MON, TUE, 1),
        (MON, FRI, 4),
        (FRI, SAT, 0),
        (FRI, SUN, 0),
        (FRI, date(2026, 11, 9), 1),  # Fri -> Mon
        (SAT, date(2026, 11, 9), 1),  # Sat -> Mon
        (MON, date(2026, 11, 9), 5),
        (MON, date(2026, 11, 30), 20),
        (date(2026, 1, 30), date(2026, 2, 2), 1),  # across a month end
        (date(2025, 12, 31), date(2026, 1, 5), 3),  # across a year end
    ],
)
def test_business_days_between_both_directions(start: date, end: date, expected: int) -> None:
    assert business_days_between(start, end) == expected
    assert business_days_between(end, start) == -expected


def test_business_days_between_undoes_add_business_days_from_a_weekday() -> None:
    for shift in range(14):
        start = date(2026, 1, 26) + timedelta(days=shift)
        if start.weekday() >= 5:
            continue
        for offset in range(40):
            assert business_days_between(start, add_business_days(start, offset)) == offset


def test_time_zone_falls_back_to_the_default_for_none_or_an_unknown_name() -> None:
    from zoneinfo import ZoneInfo

    from bot.calendar import local_midnight, time_zone

    assert time_zone("Asia/Tokyo", "UTC") == ZoneInfo("Asia/Tokyo")
    assert time_zone(None, "Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert time_zone("Mars/Olympus_Mons", "America/New_York") == ZoneInfo("America/New_York")
    # The US autumn change: the local day of 2026-11-01 is 25 hours long.
    new_york = ZoneInfo("America/New_York")
    day = date(2026, 11, 1)
    assert (local_midnight(day + timedelta(days=1), new_york) - local_midnight(day, new_york)) == (
        timedelta(hours=25)
    )


def test_open_time_counts_only_business_hours_and_undoes_add_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    christmas = frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    hours = BusinessHours(berlin, holidays=christmas)

    def at(day: int, hour: int, month: int = 12) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=berlin)

    assert hours.open_time(at(4, 16), at(7, 10)) == timedelta(hours=2)  # Fri 16:00 -> Mon 10:00
    assert hours.open_time(at(7, 18), at(8, 8)) == timedelta()  # overnight
    assert hours.open_time(at(8, 10), at(8, 9)) == timedelta()  # backwards
    # Mon Dec 21 09:00 -> Mon Dec 28 09:00: Dec 21-23 only (Thursday, Friday are holidays).
    assert hours.open_time(at(21, 9), at(28, 9)) == timedelta(hours=24)
    # Over a DST change (Oct 25) the window is still 09:00-17:00 local: 8 h a day.
    assert hours.open_time(at(23, 9, 10), at(26, 17, 10)) == timedelta(hours=16)
    rng = random.Random(4)
    for _ in range(300):
        start = at(1, 0, 10) + timedelta(minutes=rng.randint(0, 60 * 24 * 80))
        span = timedelta(minutes=rng.randint(1, 60 * 80))
        assert hours.open_time(start, hours.add_hours(start, span)) == span
