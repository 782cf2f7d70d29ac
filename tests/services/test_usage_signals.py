"""The usage signals as pure rules: each fires at its threshold and not a day before."""

from __future__ import annotations

from datetime import date

from bot.services.signals import SignalKind, detect
from bot.services.signals.facts import UsageRow
from tests.services.test_signals import CATALOG, SETTINGS, at, facts

SETUP_DONE = date(2026, 11, 2)  # a Monday


def usage(**fields: object) -> UsageRow:
    base = UsageRow(
        onboarding_id=1,
        setup_done_on=None,
        go_live_at=None,
        first_day=None,
        last_active_day=None,
        latest_day=None,
        latest_active=None,
        latest_licensed=None,
        week_active=None,
        previous_week_active=None,
    )
    return base._replace(**fields)


def kinds(row: UsageRow, on: date) -> dict[SignalKind, dict[str, object]]:
    found = detect(facts(usage=row), SETTINGS, CATALOG, at(on))
    return {s.kind: s.facts for s in found}


def test_no_usage_on_the_fifth_business_day_after_setup() -> None:
    row = usage(setup_done_on=SETUP_DONE)
    assert SignalKind.NO_USAGE not in kinds(row, date(2026, 11, 6))  # Friday: 4 business days
    assert SignalKind.NO_USAGE not in kinds(row, date(2026, 11, 8))  # Sunday: still 4
    fired = kinds(row, date(2026, 11, 9))[SignalKind.NO_USAGE]
    assert fired == {"business_days": 5, "quiet_since": SETUP_DONE, "last_active": None}


def test_no_usage_counts_from_the_first_record_or_the_last_active_day() -> None:
    first = usage(first_day=date(2026, 11, 4), latest_active=0)  # Wednesday, nobody active
    assert SignalKind.NO_USAGE not in kinds(
        first._replace(latest_day=date(2026, 11, 10)), date(2026, 11, 11)
    )
    assert SignalKind.NO_USAGE in kinds(
        first._replace(latest_day=date(2026, 11, 11)), date(2026, 11, 12)
    )
    active = first._replace(setup_done_on=SETUP_DONE, last_active_day=date(2026, 11, 9))
    assert SignalKind.NO_USAGE not in kinds(
        active._replace(latest_day=date(2026, 11, 13)), date(2026, 11, 13)
    )
    fired = kinds(active._replace(latest_day=date(2026, 11, 16)), date(2026, 11, 16))
    assert fired[SignalKind.NO_USAGE]["last_active"] == date(2026, 11, 9)


def test_days_the_product_has_not_reported_yet_are_not_idle() -> None:
    weekly = usage(
        first_day=date(2026, 11, 2),
        last_active_day=date(2026, 11, 13),  # Friday
        latest_day=date(2026, 11, 15),  # the Sunday that ends the week's batch
        latest_active=0,
    )
    assert SignalKind.NO_USAGE not in kinds(weekly, date(2026, 11, 20))  # next batch not due
    assert SignalKind.NO_USAGE not in kinds(weekly, date(2026, 11, 26))
    # A week after the latest record with nothing since: the silence counts.
    assert SignalKind.NO_USAGE in kinds(weekly, date(2026, 11, 27))


def test_nothing_before_setup_is_done_or_a_record_arrives() -> None:
    assert not kinds(usage(), date(2026, 12, 31))
    assert SignalKind.NO_USAGE not in detect(facts(), SETTINGS, CATALOG, at(date(2026, 12, 31)))


LIVE = at(date(2026, 11, 2), 15)


def test_adoption_behind_at_the_day_30_checkpoint() -> None:
    row = usage(
        go_live_at=LIVE,
        first_day=date(2026, 11, 2),
        last_active_day=date(2026, 12, 1),
        latest_day=date(2026, 12, 1),
        latest_active=20,
        latest_licensed=40,
    )
    assert SignalKind.ADOPTION_BEHIND not in kinds(row, date(2026, 12, 1))  # day 29
    fired = kinds(row, date(2026, 12, 2))[SignalKind.ADOPTION_BEHIND]
    assert (fired["percent"], fired["target"], fired["day"]) == (50, 60, 30)
    assert SignalKind.ADOPTION_BEHIND not in kinds(
        row._replace(latest_active=24), date(2026, 12, 2)
    )


def test_at_day_60_the_target_is_80_percent() -> None:
    row = usage(
        go_live_at=LIVE,
        last_active_day=date(2027, 1, 1),
        latest_day=date(2027, 1, 1),
        latest_active=28,
        latest_licensed=40,
    )
    assert SignalKind.ADOPTION_BEHIND not in kinds(row, date(2026, 12, 31))  # 70% >= 60% at day 59
    fired = detect(facts(usage=row), SETTINGS, CATALOG, at(date(2027, 1, 1)))
    behind = next(s for s in fired if s.kind == SignalKind.ADOPTION_BEHIND)
    assert behind.subject == "adoption:60" and behind.facts["target"] == 80


def test_usage_dropping_at_30_percent_week_over_week() -> None:
    row = usage(first_day=date(2026, 11, 2), last_active_day=date(2026, 11, 20))
    on = date(2026, 11, 21)
    assert SignalKind.USAGE_DROPPING not in kinds(
        row._replace(week_active=22, previous_week_active=30), on
    )
    fired = kinds(row._replace(week_active=21, previous_week_active=30), on)
    assert fired[SignalKind.USAGE_DROPPING] == {"week": 21, "previous_week": 30, "percent_down": 30}
    assert SignalKind.USAGE_DROPPING not in kinds(
        row._replace(week_active=5, previous_week_active=None), on
    )
