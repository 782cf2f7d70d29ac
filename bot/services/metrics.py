"""Onboarding metrics over the book: outcomes, not checklists.

Every figure says how many onboardings it rests on (`n`). The book is read in eight queries
whatever its size, aggregated in SQL (milestones and health from the rollup, `bot/rollup.py`);
day and minute counts come back as histograms, so medians are exact on both databases.
The definitions (README "Metrics" repeats them):
- *Time to first value* (TTFV): days from the start date to the UTC date of `first_value_at`;
  median and p75 interpolate linearly (`percentile_cont`); "within target" counts onboardings
  at or under their own playbook's `target_first_value_days`, so mixed slices compare.
- *Started*: contract start date on or before today. *Completed*: hypercare exited, or the
  onboarding closed. *Completion rate*: completed / started.
- *On-time completion*: of the completed, those whose completion (hypercare exit, else close)
  fell on or before the plan's end (the latest milestone due date). *Milestone on-time rate*:
  milestones completed (not waived) on or before their due date / all completed milestones.
- *Against the baseline*: both on-time figures with each milestone's first due date
  (`baseline_due_date`), so a replan cannot make a late onboarding look on time.
- *Replans*: replans per onboarding (`replan_count`), and how many onboardings were replanned.
  *Time to go-live*: days from the start date to the UTC date of `go_live_at`.
- *Funnel*: a stage is reached when its milestone (kickoff, technical setup, training, pilot,
  go-live or `go_live_at`, hypercare exit or transition or closed) or a later one is done or
  waived; signed is every onboarding; conversion is each stage over the one before.
- *Health*: the status of each open onboarding's latest health check; "unknown" when none.
- *NPS*: post-onboarding survey answers (`kind = survey`): % promoters (9-10) minus %
  detractors (0-6), against the playbook's `target_nps` (shown when the slice's playbooks agree).
- *Satisfaction* (1-10) and *effort* (1-5, lower is better): the mean of the survey's answers;
  *prepared* and *references*: the share of yes among those who answered those questions.
  *Resolution times* and *time to first CS contact*: see bot/services/metrics_timing.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from bot.playbooks import Playbook
from bot.services.metrics_adoption import pooled, read_adoption
from bot.services.metrics_figures import (
    COMPLETION_TARGET,
    FUNNEL,
    HEALTH_ORDER,
    MILESTONE_ON_TIME_TARGET,
    ON_TIME_COMPLETION_TARGET,
    UNKNOWN_HEALTH,
    Days,
    FunnelStage,
    Histogram,
    Mean,
    Nps,
    Rate,
    Replans,
    SliceMetrics,
    quantile,
)
from bot.services.metrics_queries import (
    BadFilter,
    BookFilter,
    SliceBy,
    book_query,
    cohort_bounds,
    completed_at,
    days_between,
    go_live_query,
    health_query,
    is_completed,
    key_label,
    nps_query,
    slice_key,
    ttfv_query,
)
from bot.services.metrics_timing import pooled_timing, read_timing

__all__ = [
    "COMPLETION_TARGET",
    "FUNNEL",
    "HEALTH_ORDER",
    "MILESTONE_ON_TIME_TARGET",
    "ON_TIME_COMPLETION_TARGET",
    "UNKNOWN_HEALTH",
    "BadFilter",
    "BookFilter",
    "BookMetrics",
    "Days",
    "FunnelStage",
    "Histogram",
    "Mean",
    "Nps",
    "Rate",
    "Replans",
    "SliceBy",
    "SliceMetrics",
    "book_metrics",
    "cohort_bounds",
    "completed_at",
    "days_between",
    "is_completed",
    "nps_targets",
    "quantile",
    "ttfv_targets",
]


@dataclass(frozen=True)
class BookMetrics:
    slice_by: SliceBy | None
    book_filter: BookFilter
    today: date
    total: SliceMetrics
    slices: list[SliceMetrics]  # empty when unsliced; largest first
    go_live_by_segment: dict[str, Days]
    ttfv_by_segment: dict[str, Days]


# ---- reading the book ---------------------------------------------------------------------


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
    completed_on_time_baseline: int = 0
    milestones_on_time_baseline: int = 0
    replans: int = 0
    replanned: int = 0
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
    nps_targets: set[int | None] = field(default_factory=set)
    satisfaction_sum: int = 0
    satisfaction_n: int = 0
    effort_sum: int = 0
    effort_n: int = 0
    prepared_yes: int = 0
    prepared_n: int = 0
    reference_yes: int = 0
    reference_n: int = 0

    def add(self, other: _Acc) -> None:
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stages = [a + b for a, b in zip(self.stages, other.stages, strict=True)]
        _merge(self.ttfv, other.ttfv)
        _merge(self.go_live, other.go_live)
        _merge(self.health, other.health)
        self.ttfv_targets |= other.ttfv_targets
        self.nps_targets |= other.nps_targets


# The plain counts of a slice, added field by field.
_COUNTERS = tuple(f.name for f in fields(_Acc) if f.type == "int")
_SURVEY = _COUNTERS[_COUNTERS.index("nps_responses") :]


def _merge(into: dict[Any, int], other: Mapping[Any, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


Conditions = list[ColumnElement[bool]]


@dataclass
class _Book:
    """The first five queries' rows, gathered by slice key and by segment."""

    slices: defaultdict[Any, _Acc] = field(default_factory=lambda: defaultdict(_Acc))
    go_live_by_segment: defaultdict[str, Histogram] = field(
        default_factory=lambda: defaultdict(dict)
    )
    ttfv_by_segment: defaultdict[str, _Acc] = field(default_factory=lambda: defaultdict(_Acc))


def book_metrics(
    session: Session,
    *,
    today: date,
    ttfv_targets: Mapping[str, int],
    slice_by: SliceBy | None = None,
    book_filter: BookFilter | None = None,
    nps_targets: Mapping[str, int] | None = None,
    hypercare_sla: Mapping[str, tuple[timedelta, timedelta]] | None = None,
) -> BookMetrics:
    """The metrics of the book (or of `book_filter`'s part of it), sliced by `slice_by`: eight
    queries whatever its size (the sixth reads the usage records of days 14, 30, 60, 90; the
    last two the timing, bot/services/metrics_timing.py).

    `ttfv_targets` maps a playbook key to its `target_first_value_days`, `nps_targets` to its
    `target_nps`; `hypercare_sla` a severity to its (response, resolution) spans, as in Settings."""
    book_filter = book_filter or BookFilter()
    key = slice_key(slice_by)
    conditions = book_filter.conditions()
    book = _Book()
    _read_counts(session, book, key, conditions, today)
    _read_ttfv(session, book, key, conditions, ttfv_targets)
    _read_go_live(session, book, key, conditions)
    _read_health(session, book, key, conditions)
    _read_nps(session, book, key, conditions, nps_targets or {})
    adoption = read_adoption(session, key, conditions)
    timing = read_timing(session, key, conditions, hypercare_sla or {})
    total = _Acc()
    for acc in book.slices.values():
        total.add(acc)
    slices = _slices(slice_by, book, adoption, timing) if slice_by is not None else []
    return BookMetrics(
        slice_by=slice_by,
        book_filter=book_filter,
        today=today,
        total=replace(
            _figures("", total),
            adoption=pooled(list(adoption.values())),
            timing=pooled_timing(timing.values()),
        ),
        slices=slices,
        go_live_by_segment={s: Days(h) for s, h in sorted(book.go_live_by_segment.items())},
        ttfv_by_segment={s: _ttfv(acc) for s, acc in sorted(book.ttfv_by_segment.items())},
    )


def _slices(
    slice_by: SliceBy, book: _Book, adoption: Mapping[Any, Any], timing: Mapping[Any, Any]
) -> list[SliceMetrics]:
    """Each slice's figures, largest first."""
    found = [
        replace(
            _figures(key_label(slice_by, k), acc),
            adoption=adoption.get(k, {}),
            timing=pooled_timing([timing[k]] if k in timing else []),
        )
        for k, acc in book.slices.items()
        if k is not None
    ]
    return sorted(found, key=lambda s: (-s.onboardings, s.key))


def _read_counts(
    session: Session,
    book: _Book,
    key: ColumnElement[Any] | None,
    conditions: Conditions,
    today: date,
) -> None:
    for (
        k,
        total,
        started,
        completed,
        on_time,
        ms_done,
        ms_on_time,
        ms_onb,
        on_baseline,
        ms_on_baseline,
        replans,
        replanned,
        *stages,
    ) in session.execute(book_query(key, conditions, today)):
        acc = book.slices[k]
        acc.onboardings, acc.started = int(total), int(started or 0)
        acc.completed, acc.completed_on_time = int(completed or 0), int(on_time or 0)
        acc.milestones_completed, acc.milestones_on_time = int(ms_done or 0), int(ms_on_time or 0)
        acc.milestone_onboardings = int(ms_onb or 0)
        acc.completed_on_time_baseline = int(on_baseline or 0)
        acc.milestones_on_time_baseline = int(ms_on_baseline or 0)
        acc.replans, acc.replanned = int(replans or 0), int(replanned or 0)
        acc.stages = [int(total), *(int(s or 0) for s in stages)]


def _read_ttfv(
    session: Session,
    book: _Book,
    key: ColumnElement[Any] | None,
    conditions: Conditions,
    ttfv_targets: Mapping[str, int],
) -> None:
    for k, segment, playbook, days, count in session.execute(ttfv_query(key, conditions)):
        for acc in (book.slices[k], book.ttfv_by_segment[segment]):
            _merge(acc.ttfv, {int(days): int(count)})
            target = ttfv_targets.get(playbook)
            if target is not None:
                acc.ttfv_targets.add(target)
                acc.ttfv_within += int(count) if days <= target else 0


def _read_go_live(
    session: Session, book: _Book, key: ColumnElement[Any] | None, conditions: Conditions
) -> None:
    for k, segment, days, count in session.execute(go_live_query(key, conditions)):
        _merge(book.slices[k].go_live, {int(days): int(count)})
        _merge(book.go_live_by_segment[segment], {int(days): int(count)})


def _read_health(
    session: Session, book: _Book, key: ColumnElement[Any] | None, conditions: Conditions
) -> None:
    for k, status, count in session.execute(health_query(key, conditions)):
        _merge(book.slices[k].health, {str(status): int(count)})


def _read_nps(
    session: Session,
    book: _Book,
    key: ColumnElement[Any] | None,
    conditions: Conditions,
    nps_targets: Mapping[str, int],
) -> None:
    for k, playbook, *counts in session.execute(nps_query(key, conditions)):
        acc = _Acc(nps_targets={nps_targets.get(playbook)} if counts[0] else set())
        for name, value in zip(_SURVEY, counts, strict=True):
            setattr(acc, name, int(value or 0))
        book.slices[k].add(acc)


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
        nps=Nps(
            acc.nps_responses,
            acc.promoters,
            acc.detractors,
            acc.nps_onboardings,
            next(iter(acc.nps_targets)) if len(acc.nps_targets) == 1 else None,
        ),
        satisfaction=Mean(acc.satisfaction_sum, acc.satisfaction_n),
        effort=Mean(acc.effort_sum, acc.effort_n),
        prepared=Mean(acc.prepared_yes, acc.prepared_n),
        references=Mean(acc.reference_yes, acc.reference_n),
        on_time_completion_baseline=Rate(
            acc.completed_on_time_baseline, acc.completed, ON_TIME_COMPLETION_TARGET
        ),
        milestone_on_time_baseline=Rate(
            acc.milestones_on_time_baseline,
            acc.milestones_completed,
            MILESTONE_ON_TIME_TARGET,
            onboardings=acc.milestone_onboardings,
        ),
        replans=Replans(acc.replans, acc.replanned, acc.onboardings),
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


def nps_targets(playbooks: Iterable[Playbook]) -> dict[str, int]:
    """Each playbook's NPS target (`target_nps`), by playbook key, where it sets one."""
    return {p.key: p.target_nps for p in playbooks if p.target_nps is not None}
