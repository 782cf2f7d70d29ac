"""Onboarding metrics over the book: outcomes, not checklists.

Every figure says how many onboardings it rests on (`n`). The book is read in a constant number
of queries (five), whatever its size, each aggregated in SQL over one row per onboarding (its
milestone and health figures come from its rollup row, `bot/rollup.py`); day counts come back as
histograms (slice, days, count), so medians and percentiles are exact, computed in Python from
at most a few hundred rows per slice, the same on SQLite and PostgreSQL.

Definitions (README "Metrics" repeats them):

- *Time to first value* (TTFV): days from the contract start date to the UTC date of
  `first_value_at`, over onboardings that reached first value. Median and p75 use linear
  interpolation (PostgreSQL's `percentile_cont`). Its target is the playbook's
  `target_first_value_days`; "within target" counts onboardings at or under their own
  playbook's target, so it means the same in a slice that mixes segments.
- *Started*: contract start date on or before today. *Completed*: hypercare exited, or the
  onboarding closed. *Completion rate*: completed / started.
- *On-time completion*: of the completed, those whose completion (hypercare exit, else close)
  fell on or before the plan's end: the latest milestone due date, i.e. the target transition
  date of the current plan.
- *Milestone on-time rate*: milestones completed (not waived) on or before their due date, over
  all completed milestones.
- *Time to go-live*: days from the start date to the UTC date of `go_live_at`.
- *Funnel*: an onboarding has reached a stage when it completed that stage's milestone (done or
  waived) or any later stage: kicked off = kickoff, configuring = technical setup, training =
  training, piloting = pilot, live = the go-live milestone or `go_live_at`, adopted = hypercare
  exit or transition, `hypercare_exited_at`, or closed. Signed is every onboarding. Conversion
  is each stage over the one before.
- *Health*: the status of each open onboarding's latest health check; "unknown" when none.
- *NPS*: post-onboarding survey answers (`kind = survey`): % promoters (9-10) minus %
  detractors (0-6).
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from bot.models import FeedbackResponse, Onboarding, OnboardingRollup, OnboardingStatus
from bot.playbooks import Playbook
from bot.rollup import ADOPTED, LIVE, count_if

COMPLETION_TARGET = 0.85
ON_TIME_COMPLETION_TARGET = 0.80
MILESTONE_ON_TIME_TARGET = 0.90

FUNNEL = ("signed", "kicked off", "configuring", "training", "piloting", "live", "adopted")
HEALTH_ORDER = ("healthy", "monitor", "at_risk", "critical", "emergency", "unknown")
UNKNOWN_HEALTH = "unknown"


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


# ---- SQL helpers ------------------------------------------------------------------------------


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


def _slice_key(slice_by: SliceBy | None) -> ColumnElement[Any] | None:
    if slice_by is SliceBy.SEGMENT:
        return Onboarding.segment
    if slice_by is SliceBy.CSM:
        return Onboarding.csm_user_id
    if slice_by is SliceBy.COHORT:
        return extract("year", Onboarding.start_date) * 100 + extract(
            "month", Onboarding.start_date
        )
    return None


def _key_label(slice_by: SliceBy | None, key: Any) -> str:
    if slice_by is SliceBy.COHORT:
        return f"{int(key) // 100:04d}-{int(key) % 100:02d}"
    return "" if key is None else str(key)


def _grouped(
    columns: list[Any], key: ColumnElement[Any] | None, *group: Any
) -> tuple[list[Any], list[Any]]:
    """Select the slice key first (a constant when unsliced: a constant cannot be grouped by
    on PostgreSQL), and group by it and `group`."""
    head = key if key is not None else literal_column("''")
    return [head.label("k"), *columns], ([key] if key is not None else []) + list(group)


# ---- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """`count` of `n`, against a target share; `onboardings` is how many it rests on."""

    count: int
    n: int
    target: float | None = None
    onboardings: int | None = None

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def rests_on(self) -> int:
        return self.n if self.onboardings is None else self.onboardings

    @property
    def meets_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


Histogram = dict[int, int]  # days -> how many onboardings


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile of the values a histogram counts, linearly interpolated (percentile_cont)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    items = sorted(histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for value, count in items:
            seen += count
            if seen > index:
                return value
        return items[-1][0]

    rank = (n - 1) * q
    below = int(rank)
    low, high = nth(below), nth(min(below + 1, n - 1))
    return low + (high - low) * (rank - below)


@dataclass(frozen=True)
class Days:
    """A distribution of day counts (TTFV, time to go-live)."""

    histogram: Histogram
    within_target: int | None = None
    target_days: int | None = None  # when every onboarding of the slice has the same target

    @property
    def n(self) -> int:
        return sum(self.histogram.values())

    @property
    def median(self) -> float | None:
        return quantile(self.histogram, 0.5)

    @property
    def p75(self) -> float | None:
        return quantile(self.histogram, 0.75)

    @property
    def within(self) -> Rate | None:
        return None if self.within_target is None else Rate(self.within_target, self.n)


@dataclass(frozen=True)
class FunnelStage:
    name: str
    reached: int
    conversion: Rate | None  # from the stage before; None for "signed"


@dataclass(frozen=True)
class Nps:
    responses: int
    promoters: int
    detractors: int
    onboardings: int

    @property
    def score(self) -> float | None:
        if not self.responses:
            return None
        return 100 * (self.promoters - self.detractors) / self.responses


@dataclass(frozen=True)
class SliceMetrics:
    key: str  # "" for the whole book; the segment, CSM user id or "YYYY-MM"
    onboardings: int
    ttfv: Days
    completion: Rate
    on_time_completion: Rate
    milestone_on_time: Rate
    go_live: Days
    funnel: list[FunnelStage]
    health: dict[str, int]
    nps: Nps

    @property
    def health_n(self) -> int:
        return sum(self.health.values())


@dataclass(frozen=True)
class BookMetrics:
    slice_by: SliceBy | None
    book_filter: BookFilter
    today: date
    total: SliceMetrics
    slices: list[SliceMetrics]  # empty when unsliced; largest first
    go_live_by_segment: dict[str, Days]
    ttfv_by_segment: dict[str, Days]


# ---- the five queries ---------------------------------------------------------------------


_COUNTERS = (
    "onboardings",
    "started",
    "completed",
    "completed_on_time",
    "milestones_completed",
    "milestones_on_time",
    "milestone_onboardings",
    "ttfv_within",
    "nps_responses",
    "promoters",
    "detractors",
    "nps_onboardings",
)


@dataclass
class _Acc:
    """What the queries return for one slice, before it becomes figures."""

    onboardings: int = 0
    started: int = 0
    completed: int = 0
    completed_on_time: int = 0
    milestones_completed: int = 0
    milestones_on_time: int = 0
    milestone_onboardings: int = 0
    stages: list[int] = field(default_factory=lambda: [0] * len(FUNNEL))
    ttfv: Histogram = field(default_factory=dict)
    ttfv_within: int = 0
    ttfv_targets: set[int] = field(default_factory=set)
    go_live: Histogram = field(default_factory=dict)
    health: dict[str, int] = field(default_factory=dict)
    nps_responses: int = 0
    promoters: int = 0
    detractors: int = 0
    nps_onboardings: int = 0

    def add(self, other: _Acc) -> None:
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stages = [a + b for a, b in zip(self.stages, other.stages, strict=True)]
        _merge(self.ttfv, other.ttfv)
        _merge(self.go_live, other.go_live)
        _merge(self.health, other.health)
        self.ttfv_targets |= other.ttfv_targets


def _merge(into: dict[Any, int], other: Mapping[Any, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def is_completed() -> ColumnElement[bool]:
    return or_(
        Onboarding.status == OnboardingStatus.CLOSED, Onboarding.hypercare_exited_at.is_not(None)
    )


def completed_at() -> ColumnElement[Any]:
    return func.coalesce(Onboarding.hypercare_exited_at, Onboarding.closed_at)


def _book_query(
    key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]], today: date
) -> Select[Any]:
    r = OnboardingRollup
    done_on_time = and_(
        is_completed(),
        completed_at().is_not(None),
        r.plan_end.is_not(None),
        days_between(r.plan_end, completed_at()) <= 0,
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
        *(count_if(stage >= index) for index in range(1, len(FUNNEL))),
    ]
    selected, group = _grouped(columns, key)
    return (
        select(*selected)
        .select_from(Onboarding)
        .outerjoin(r, r.onboarding_id == Onboarding.id)
        .where(*conditions)
        .group_by(*group)
    )


def _ttfv_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    days = days_between(Onboarding.start_date, Onboarding.first_value_at)
    selected, group = _grouped(
        [Onboarding.segment, Onboarding.playbook, days.label("days"), func.count()], key
    )
    return (
        select(*selected)
        .where(Onboarding.first_value_at.is_not(None), *conditions)
        .group_by(*group, Onboarding.segment, Onboarding.playbook, days)
    )


def _go_live_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    days = days_between(Onboarding.start_date, Onboarding.go_live_at)
    selected, group = _grouped([Onboarding.segment, days.label("days"), func.count()], key)
    return (
        select(*selected)
        .where(Onboarding.go_live_at.is_not(None), *conditions)
        .group_by(*group, Onboarding.segment, days)
    )


def _health_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    status = func.coalesce(OnboardingRollup.health_status, UNKNOWN_HEALTH)
    selected, group = _grouped([status.label("status"), func.count()], key)
    return (
        select(*selected)
        .select_from(Onboarding)
        .outerjoin(OnboardingRollup, OnboardingRollup.onboarding_id == Onboarding.id)
        .where(Onboarding.status != OnboardingStatus.CLOSED, *conditions)
        .group_by(*group, status)
    )


def _nps_query(key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]) -> Any:
    columns = [
        func.count(),
        count_if(FeedbackResponse.nps >= 9),
        count_if(FeedbackResponse.nps <= 6),
        func.count(func.distinct(FeedbackResponse.onboarding_id)),
    ]
    selected, group = _grouped(columns, key)
    return (
        select(*selected)
        .select_from(FeedbackResponse)
        .join(Onboarding, Onboarding.id == FeedbackResponse.onboarding_id)
        .where(FeedbackResponse.kind == "survey", FeedbackResponse.nps.is_not(None), *conditions)
        .group_by(*group)
    )


def book_metrics(
    session: Session,
    *,
    today: date,
    ttfv_targets: Mapping[str, int],
    slice_by: SliceBy | None = None,
    book_filter: BookFilter | None = None,
) -> BookMetrics:
    """The metrics of the book (or of `book_filter`'s part of it), sliced by `slice_by`.

    `ttfv_targets` maps a playbook key to its `target_first_value_days`."""
    book_filter = book_filter or BookFilter()
    key = _slice_key(slice_by)
    conditions = book_filter.conditions()
    accs: dict[Any, _Acc] = defaultdict(_Acc)
    go_live_by_segment: dict[str, Histogram] = defaultdict(dict)
    ttfv_by_segment: dict[str, _Acc] = defaultdict(_Acc)

    for (
        k,
        total,
        started,
        completed,
        on_time,
        ms_done,
        ms_on_time,
        ms_onb,
        *stages,
    ) in session.execute(_book_query(key, conditions, today)):
        acc = accs[k]
        acc.onboardings, acc.started = int(total), int(started or 0)
        acc.completed, acc.completed_on_time = int(completed or 0), int(on_time or 0)
        acc.milestones_completed, acc.milestones_on_time = int(ms_done or 0), int(ms_on_time or 0)
        acc.milestone_onboardings = int(ms_onb or 0)
        acc.stages = [int(total), *(int(s or 0) for s in stages)]

    for k, segment, playbook, days, count in session.execute(_ttfv_query(key, conditions)):
        by_segment = ttfv_by_segment[segment]
        for acc in (accs[k], by_segment):
            _merge(acc.ttfv, {int(days): int(count)})
            target = ttfv_targets.get(playbook)
            if target is not None:
                acc.ttfv_targets.add(target)
                acc.ttfv_within += int(count) if days <= target else 0

    for k, segment, days, count in session.execute(_go_live_query(key, conditions)):
        _merge(accs[k].go_live, {int(days): int(count)})
        _merge(go_live_by_segment[segment], {int(days): int(count)})

    for k, status, count in session.execute(_health_query(key, conditions)):
        _merge(accs[k].health, {str(status): int(count)})

    for k, responses, promoters, detractors, onboardings in session.execute(
        _nps_query(key, conditions)
    ):
        acc = accs[k]
        acc.nps_responses, acc.promoters = int(responses), int(promoters or 0)
        acc.detractors, acc.nps_onboardings = int(detractors or 0), int(onboardings)

    total = _Acc()
    for acc in accs.values():
        total.add(acc)
    slices = (
        sorted(
            (_figures(_key_label(slice_by, k), acc) for k, acc in accs.items() if k is not None),
            key=lambda s: (-s.onboardings, s.key),
        )
        if slice_by is not None
        else []
    )
    return BookMetrics(
        slice_by=slice_by,
        book_filter=book_filter,
        today=today,
        total=_figures("", total),
        slices=slices,
        go_live_by_segment={s: Days(h) for s, h in sorted(go_live_by_segment.items())},
        ttfv_by_segment={s: _ttfv(acc) for s, acc in sorted(ttfv_by_segment.items())},
    )


def _figures(key: str, acc: _Acc) -> SliceMetrics:
    stages = [
        FunnelStage(
            name,
            acc.stages[i],
            None if i == 0 else Rate(acc.stages[i], acc.stages[i - 1]),
        )
        for i, name in enumerate(FUNNEL)
    ]
    return SliceMetrics(
        key=key,
        onboardings=acc.onboardings,
        ttfv=_ttfv(acc),
        completion=Rate(acc.completed, acc.started, COMPLETION_TARGET),
        on_time_completion=Rate(acc.completed_on_time, acc.completed, ON_TIME_COMPLETION_TARGET),
        milestone_on_time=Rate(
            acc.milestones_on_time,
            acc.milestones_completed,
            MILESTONE_ON_TIME_TARGET,
            onboardings=acc.milestone_onboardings,
        ),
        go_live=Days(dict(acc.go_live)),
        funnel=stages,
        health={status: acc.health[status] for status in _health_order(acc.health)},
        nps=Nps(acc.nps_responses, acc.promoters, acc.detractors, acc.nps_onboardings),
    )


def _ttfv(acc: _Acc) -> Days:
    return Days(
        dict(acc.ttfv),
        within_target=acc.ttfv_within,
        target_days=next(iter(acc.ttfv_targets)) if len(acc.ttfv_targets) == 1 else None,
    )


def _health_order(health: Iterable[str]) -> list[str]:
    known = [s for s in HEALTH_ORDER if s in health]
    return known + sorted(s for s in health if s not in HEALTH_ORDER)


def ttfv_targets(playbooks: Iterable[Playbook]) -> dict[str, int]:
    """Each playbook's time-to-first-value target in days, by playbook key."""
    return {playbook.key: playbook.target_first_value_days for playbook in playbooks}
