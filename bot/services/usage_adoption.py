"""Adoption from the usage records: active / licensed users on the latest day, and the core
features used (a count above 0 on any day of the 30 ending on it) / the playbook's core features.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import UsageRecord
from bot.services.onboardings import get_onboarding

FEATURE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class DayUsage:
    day: date
    active_users: int
    licensed_users: int
    features: dict[str, Any]


@dataclass(frozen=True)
class AdoptionSummary:
    as_of: date
    active_users: int
    licensed_users: int
    core_used: int
    core_total: int

    @property
    def percent(self) -> int | None:
        """Active users as a whole percentage of the licensed ones (None: none licensed)."""
        if self.licensed_users <= 0:
            return None
        return round(100 * self.active_users / self.licensed_users)

    @property
    def share(self) -> float | None:
        return self.active_users / self.licensed_users if self.licensed_users > 0 else None


def core_features_used(days: Iterable[DayUsage], core_features: Sequence[str]) -> int:
    """How many of the core features have a count above 0 on any of `days`."""
    wanted = {name.lower() for name in core_features}
    used: set[str] = set()
    for usage in days:
        used.update(
            name.lower()
            for name, count in usage.features.items()
            if name.lower() in wanted and isinstance(count, int) and count > 0
        )
    return len(used)


def summarize(days: Sequence[DayUsage], core_features: Sequence[str]) -> AdoptionSummary | None:
    """The adoption as of the latest of `days` (any order); None without a record."""
    if not days:
        return None
    latest = max(days, key=lambda d: d.day)
    since = latest.day - timedelta(days=FEATURE_WINDOW_DAYS - 1)
    window = [d for d in days if d.day >= since]
    return AdoptionSummary(
        as_of=latest.day,
        active_users=latest.active_users,
        licensed_users=latest.licensed_users,
        core_used=core_features_used(window, core_features),
        core_total=len(core_features),
    )


def recent_days(
    session: Session, onboarding_id: int, limit: int = FEATURE_WINDOW_DAYS
) -> list[DayUsage]:
    """The onboarding's latest `limit` records, newest first (one query, bounded)."""
    rows = session.execute(
        select(
            UsageRecord.day,
            UsageRecord.active_users,
            UsageRecord.licensed_users,
            UsageRecord.features,
        )
        .where(UsageRecord.onboarding_id == onboarding_id)
        .order_by(UsageRecord.day.desc())
        .limit(limit)
    )
    return [DayUsage(*row) for row in rows]


def load_adoption(
    session: Session, onboarding_id: int, core_features: Sequence[str]
) -> AdoptionSummary | None:
    """The onboarding's adoption now (one query); None before its first record."""
    return summarize(recent_days(session, onboarding_id), core_features)


CHART_WEEKS = 12


@dataclass(frozen=True)
class UsageWeek:
    starts: date  # a Monday
    active_users: int  # the highest daily active count of the week
    licensed_users: int


@dataclass(frozen=True)
class UsageChart:
    """Weekly active users of the last CHART_WEEKS weeks with a record (internal data)."""

    onboarding_id: int
    company_name: str
    today: date
    weeks: tuple[UsageWeek, ...]


def weekly(days: Iterable[DayUsage]) -> list[UsageWeek]:
    """Days grouped by ISO week (Monday first), oldest first."""
    by_week: dict[date, list[DayUsage]] = {}
    for usage in days:
        by_week.setdefault(usage.day - timedelta(days=usage.day.weekday()), []).append(usage)
    return [
        UsageWeek(
            starts,
            max(d.active_users for d in group),
            max(group, key=lambda d: d.day).licensed_users,
        )
        for starts, group in sorted(by_week.items())
    ]


def load_usage_chart(session: Session, onboarding_id: int, today: date) -> UsageChart:
    """One query for the name, one for the records of the chart's weeks (bounded)."""
    name = get_onboarding(session, onboarding_id).company_name
    since = today - timedelta(days=today.weekday() + 7 * (CHART_WEEKS - 1))
    rows = session.execute(
        select(
            UsageRecord.day,
            UsageRecord.active_users,
            UsageRecord.licensed_users,
            UsageRecord.features,
        )
        .where(UsageRecord.onboarding_id == onboarding_id, UsageRecord.day >= since)
        .order_by(UsageRecord.day)
    )
    return UsageChart(onboarding_id, name, today, tuple(weekly(DayUsage(*r) for r in rows)))
