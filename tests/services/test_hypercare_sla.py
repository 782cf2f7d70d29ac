"""Hypercare SLA clocks in an onboarding's own zone: P1/P2 around the clock, P3/P4 in business
hours (09:00-17:00, weekends and holidays skipped), across a weekend, a holiday and the end of
a business day. Times are passed explicitly; expected moments are written out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import SettingsError, load_settings
from bot.models import HypercareIssue
from bot.services.hypercare import build_sync, open_issue, sla_clock
from bot.slack.hypercare_sync_views import sync_fallback
from tests.factories import CSM
from tests.services.test_hypercare import live

NY = ZoneInfo("America/New_York")
# Friday 25 December 2026 is a holiday; the clocks skip it as they skip a weekend.
SETTINGS = load_settings({"ONBOARD_HOLIDAYS": "2026-12-25"}, require_slack=False)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NY)


def due(severity: str, opened: datetime) -> tuple[datetime, datetime]:
    issue = HypercareIssue(
        number=1, severity=severity, title="t", opened_at=opened.astimezone(UTC), opened_by=CSM
    )
    clock = sla_clock(issue, opened, SETTINGS, NY)
    return clock.response_due.astimezone(NY), clock.resolution_due.astimezone(NY)


# (logged at, severity, response due, resolution due), all New York time.
CASES = [
    # Friday 16:30, half an hour before the weekend.
    (ny(18, 16, 30), "P1", ny(18, 16, 45), ny(18, 18, 30)),
    (ny(18, 16, 30), "P2", ny(18, 17, 30), ny(18, 20, 30)),
    (ny(18, 16, 30), "P3", ny(21, 12, 30), ny(21, 17)),
    (ny(18, 16, 30), "P4", ny(21, 17), ny(23, 17)),
    # Saturday morning: the business clocks start on Monday at 09:00.
    (ny(19, 10), "P1", ny(19, 10, 15), ny(19, 12)),
    (ny(19, 10), "P3", ny(21, 13), ny(21, 17)),
    (ny(19, 10), "P4", ny(21, 17), ny(23, 17)),
    # Thursday 16:00, an hour before the close: the rest runs on Friday.
    (ny(17, 16), "P1", ny(17, 16, 15), ny(17, 18)),
    (ny(17, 16), "P2", ny(17, 17), ny(17, 20)),
    (ny(17, 16), "P3", ny(18, 12), ny(18, 17)),
    (ny(17, 16), "P4", ny(18, 17), ny(22, 17)),
    # Thursday 24 December 15:00, before the Christmas holiday and its weekend.
    (ny(24, 15), "P1", ny(24, 15, 15), ny(24, 17)),
    (ny(24, 15), "P2", ny(24, 16), ny(24, 19)),
    (ny(24, 15), "P3", ny(28, 11), ny(28, 17)),
    (ny(24, 15), "P4", ny(28, 17), ny(30, 17)),
    # On the holiday itself: P1/P2 do not care, P3 waits for Monday.
    (ny(25, 10), "P2", ny(25, 11), ny(25, 14)),
    (ny(25, 10), "P3", ny(28, 13), ny(28, 17)),
    # Monday 07:00, before the opening: the business hours start at 09:00 that day.
    (ny(21, 7), "P3", ny(21, 13), ny(22, 17)),
    (ny(21, 7), "P4", ny(22, 17), ny(24, 17)),
]


@pytest.mark.parametrize(("opened", "severity", "response", "resolution"), CASES)
def test_due_moments(
    opened: datetime, severity: str, response: datetime, resolution: datetime
) -> None:
    assert due(severity, opened) == (response, resolution)


def test_business_hours_and_holidays_come_from_settings() -> None:
    settings = load_settings({"ONBOARD_BUSINESS_HOURS": "08:00-12:00"}, require_slack=False)
    issue = HypercareIssue(
        number=1, severity="P3", title="t", opened_at=ny(18, 11).astimezone(UTC), opened_by=CSM
    )
    clock = sla_clock(issue, ny(18, 11), settings, NY)
    # One hour on Friday, three on Monday from 08:00.
    assert clock.response_due == ny(21, 11)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ONBOARD_BUSINESS_HOURS", "9-5"),
        ("ONBOARD_BUSINESS_HOURS", "17:00-09:00"),
        ("ONBOARD_HOLIDAYS", "25/12/2026"),
    ],
)
def test_malformed_calendar_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, require_slack=False)


def test_the_sync_counts_a_p3_breach_in_business_hours(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks, timezone="America/New_York")
    open_issue(session, onboarding, "P3", "Export slow", CSM, ny(18, 16, 30).astimezone(UTC))
    open_issue(session, onboarding, "P1", "Login down", CSM, ny(18, 16, 30).astimezone(UTC))
    session.commit()

    def sync(at: datetime):  # type: ignore[no-untyped-def]
        return build_sync(onboarding, at.astimezone(UTC), SETTINGS, NY)

    # Monday 09:00: the P1 missed its 16:45 Friday response long ago; the P3 has 3.5 h left.
    monday = sync(ny(21, 9))
    assert [line.severity.value for line in monday.breaches] == ["P1"]
    (p3,) = [line for line in monday.open_issues if line.severity.value == "P3"]
    assert p3.clock.response_due == ny(21, 12, 30)
    assert p3.clock.time_left == timedelta(hours=3, minutes=30)
    assert sync_fallback(monday).endswith("2 open issues, 1 SLA breach")
    # Due at 12:30 exactly, breached a minute later.
    assert len(sync(ny(21, 12, 30)).breaches) == 1
    assert len(sync(ny(21, 12, 31)).breaches) == 2
