"""The facts the usage signals carry (bot/services/signals/usage.py), which their `what`
templates in signals.yml may name, and one example of each (catalog.py checks the templates
against it at start-up)."""

from __future__ import annotations

from datetime import date
from typing import Any

from typing_extensions import TypedDict


class NoUsageFacts(TypedDict):
    business_days: int
    quiet_since: date
    last_active: date | None


class AdoptionBehindFacts(TypedDict):
    percent: int
    target: int
    day: int
    active: int
    licensed: int
    as_of: date


class UsageDroppingFacts(TypedDict):
    week: int
    previous_week: int
    percent_down: int


NO_USAGE_SAMPLE: dict[str, Any] = {
    "business_days": 5,
    "quiet_since": date(2026, 1, 5),
    "last_active": None,
}
ADOPTION_BEHIND_SAMPLE: dict[str, Any] = {
    "percent": 30,
    "target": 60,
    "day": 30,
    "active": 12,
    "licensed": 40,
    "as_of": date(2026, 1, 5),
}
USAGE_DROPPING_SAMPLE: dict[str, Any] = {"week": 14, "previous_week": 30, "percent_down": 53}
