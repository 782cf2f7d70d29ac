"""Adoption in the book's metrics: the share of licensed users active on day 14, 30, 60 and 90
of each onboarding (counted from its start date), from the usage record of that very day.

One query, grouped by the slice key and the day: the mean of the onboardings' shares and how
many onboardings it rests on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from bot.models import Onboarding, UsageRecord
from bot.services.metrics_figures import AdoptionAt
from bot.services.metrics_queries import grouped

ADOPTION_DAYS = (14, 30, 60, 90)


class date_days(FunctionElement[int]):
    """Whole days from one DATE to another."""

    type = Integer()
    inherit_cache = True
    name = "date_days"


@compiles(date_days, "sqlite")
def _date_days_sqlite(element: date_days, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(date_days)
def _date_days_default(element: date_days, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"


def adoption_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    day = date_days(Onboarding.start_date, UsageRecord.day)
    share = cast(UsageRecord.active_users, Float) / UsageRecord.licensed_users
    selected, group = grouped([day.label("day"), func.count(), func.avg(share)], key)
    return (
        select(*selected)
        .join(UsageRecord, UsageRecord.onboarding_id == Onboarding.id)
        .where(UsageRecord.licensed_users > 0, day.in_(ADOPTION_DAYS), *conditions)
        .group_by(*group, day)
    )


def read_adoption(
    session: Session, key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]
) -> dict[Any, dict[int, AdoptionAt]]:
    """Slice key -> day -> adoption."""
    found: dict[Any, dict[int, AdoptionAt]] = {}
    for k, day, onboardings, share in session.execute(adoption_query(key, conditions)):
        found.setdefault(k, {})[int(day)] = AdoptionAt(int(onboardings), float(share))
    return found


def pooled(parts: list[Mapping[int, AdoptionAt]]) -> dict[int, AdoptionAt]:
    """Several slices' adoption as one: the mean weighted by the onboardings it rests on."""
    pooled_at: dict[int, AdoptionAt] = {}
    for day in ADOPTION_DAYS:
        present = [p[day] for p in parts if day in p and p[day].onboardings]
        n = sum(a.onboardings for a in present)
        if n:
            mean = sum(a.onboardings * (a.share or 0) for a in present) / n
            pooled_at[day] = AdoptionAt(n, mean)
    return pooled_at
