"""The SQL of the book's metrics: which part of the book (filters), how it is sliced, and the
five aggregate queries, each over one row per onboarding and its rollup (bot/rollup.py)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    extract,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bot.models import FeedbackResponse, Onboarding, OnboardingRollup, OnboardingStatus
from bot.rollup import ADOPTED, LIVE, count_if
from bot.services.metrics_figures import FUNNEL, UNKNOWN_HEALTH


class SliceBy(enum.StrEnum):
    SEGMENT = "segment"
    CSM = "csm"
    COHORT = "cohort"


class BadFilter(ValueError):
    """A slice value that cannot be read (a cohort that is not YYYY-MM)."""


@dataclass(frozen=True)
class BookFilter:
    """Restrict the book to one segment, one CSM and/or one start month."""

    segment: str | None = None
    csm_user_id: str | None = None
    cohort: str | None = None  # "YYYY-MM"

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.segment:
            found.append(func.lower(Onboarding.segment) == self.segment.lower())
        if self.csm_user_id:
            found.append(Onboarding.csm_user_id == self.csm_user_id)
        if self.cohort:
            first, after = cohort_bounds(self.cohort)
            found += [Onboarding.start_date >= first, Onboarding.start_date < after]
        return found


def cohort_bounds(cohort: str) -> tuple[date, date]:
    """The first day of the month "YYYY-MM" and of the month after."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", cohort.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise BadFilter(f"A cohort is a start month, like 2026-11 (not {cohort!r}).")
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


# ---- slices ---------------------------------------------------------------------------------


class days_between(FunctionElement[int]):
    """Whole days from a DATE to the UTC calendar date of an aware timestamp."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, moment = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({moment})) - julianday({start}) AS INTEGER)"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: Any, **kw: Any) -> str:
    start, moment = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(({moment} AT TIME ZONE 'UTC') AS DATE) - {start})"


def slice_key(slice_by: SliceBy | None) -> ColumnElement[Any] | None:
    if slice_by is SliceBy.SEGMENT:
        return Onboarding.segment
    if slice_by is SliceBy.CSM:
        return Onboarding.csm_user_id
    if slice_by is SliceBy.COHORT:
        return extract("year", Onboarding.start_date) * 100 + extract(
            "month", Onboarding.start_date
        )
    return None


def key_label(slice_by: SliceBy | None, key: Any) -> str:
    if slice_by is SliceBy.COHORT:
        return f"{int(key) // 100:04d}-{int(key) % 100:02d}"
    return "" if key is None else str(key)


def grouped(
    columns: list[Any], key: ColumnElement[Any] | None, *group: Any
) -> tuple[list[Any], list[Any]]:
    """Select the slice key first (a constant when unsliced: a constant cannot be grouped by
    on PostgreSQL), and group by it and `group`."""
    head = key if key is not None else literal_column("''")
    return [head.label("k"), *columns], ([key] if key is not None else []) + list(group)


# ---- the five queries ---------------------------------------------------------------------


def is_completed() -> ColumnElement[bool]:
    return or_(
        Onboarding.status == OnboardingStatus.CLOSED, Onboarding.hypercare_exited_at.is_not(None)
    )


def completed_at() -> ColumnElement[Any]:
    return func.coalesce(Onboarding.hypercare_exited_at, Onboarding.closed_at)


def book_query(
    key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]], today: date
) -> Select[Any]:
    r = OnboardingRollup
    done_on_time = and_(
        is_completed(),
        completed_at().is_not(None),
        r.plan_end.is_not(None),
        days_between(r.plan_end, completed_at()) <= 0,
    )
    done_on_baseline = and_(
        is_completed(),
        completed_at().is_not(None),
        r.baseline_plan_end.is_not(None),
        days_between(r.baseline_plan_end, completed_at()) <= 0,
    )
    milestone_stage = func.coalesce(r.milestone_stage, 0)
    stage = case(
        (is_completed(), ADOPTED),
        (and_(Onboarding.go_live_at.is_not(None), milestone_stage < LIVE), LIVE),
        else_=milestone_stage,
    )
    columns = [
        func.count(),
        count_if(Onboarding.start_date <= today),
        count_if(is_completed()),
        count_if(done_on_time),
        func.coalesce(func.sum(r.milestones_completed), 0),
        func.coalesce(func.sum(r.milestones_on_time), 0),
        count_if(r.milestones_completed > 0),
        count_if(done_on_baseline),
        func.coalesce(func.sum(r.milestones_on_time_baseline), 0),
        func.coalesce(func.sum(Onboarding.replan_count), 0),
        count_if(Onboarding.replan_count > 0),
        *(count_if(stage >= index) for index in range(1, len(FUNNEL))),
    ]
    selected, group = grouped(columns, key)
    return (
        select(*selected)
        .select_from(Onboarding)
        .outerjoin(r, r.onboarding_id == Onboarding.id)
        .where(*conditions)
        .group_by(*group)
    )


def ttfv_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    days = days_between(Onboarding.start_date, Onboarding.first_value_at)
    selected, group = grouped(
        [Onboarding.segment, Onboarding.playbook, days.label("days"), func.count()], key
    )
    return (
        select(*selected)
        .where(Onboarding.first_value_at.is_not(None), *conditions)
        .group_by(*group, Onboarding.segment, Onboarding.playbook, days)
    )


def go_live_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    days = days_between(Onboarding.start_date, Onboarding.go_live_at)
    selected, group = grouped([Onboarding.segment, days.label("days"), func.count()], key)
    return (
        select(*selected)
        .where(Onboarding.go_live_at.is_not(None), *conditions)
        .group_by(*group, Onboarding.segment, days)
    )


def health_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    status = func.coalesce(OnboardingRollup.health_status, UNKNOWN_HEALTH)
    selected, group = grouped([status.label("status"), func.count()], key)
    return (
        select(*selected)
        .select_from(Onboarding)
        .outerjoin(OnboardingRollup, OnboardingRollup.onboarding_id == Onboarding.id)
        .where(Onboarding.status != OnboardingStatus.CLOSED, *conditions)
        .group_by(*group, status)
    )


def nps_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    """The survey answers by slice and playbook (the playbook gives the NPS target): NPS
    counts, then satisfaction and effort as sums and counts, so slices add up exactly."""
    f = FeedbackResponse
    answered = case((f.nps.is_not(None), f.onboarding_id))
    columns = [
        Onboarding.playbook,
        func.count(f.nps),
        count_if(f.nps >= 9),
        count_if(f.nps <= 6),
        func.count(func.distinct(answered)),
        func.coalesce(func.sum(f.satisfaction), 0),
        func.count(f.satisfaction),
        func.coalesce(func.sum(f.effort), 0),
        func.count(f.effort),
        count_if(f.prepared.is_(True)),
        func.count(f.prepared),
        count_if(f.reference.is_(True)),
        func.count(f.reference),
    ]
    selected, group = grouped(columns, key, Onboarding.playbook)
    return (
        select(*selected)
        .select_from(f)
        .join(Onboarding, Onboarding.id == f.onboarding_id)
        .where(f.kind == "survey", *conditions)
        .group_by(*group)
    )
