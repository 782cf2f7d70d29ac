"""Timing in the book's metrics: hypercare resolution times by severity, and the time from the
handoff to the first CS contact.

Two queries, each grouped by the slice key and the duration in whole minutes (a histogram, so
medians are exact to the minute and slices add up):

- *Resolution time*: from a hypercare issue's `opened_at` to its `resolved_at`, by severity
  (resolved issues only). *Within SLA*: resolved no later than its severity's resolution span
  (ONBOARD_SLA_P1 ...), counted for the around-the-clock severities (P1, P2) only: P3/P4 clocks
  run in business hours (bot/services/hypercare/sla.py), which a wall-clock span cannot tell.
- *First CS contact*: from the onboarding's creation (the handoff) to the closing of its
  `first_contact` handoff-timing commitment, over the commitments done; the share within 48 h.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, func, literal, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from bot.models import Commitment, HypercareIssue, Onboarding
from bot.services.commitments import CommitmentStatus
from bot.services.handoff_timing import FIRST_CONTACT
from bot.services.hypercare.sla import IssueSeverity
from bot.services.metrics_figures import Histogram, Hours, Rate, Timing
from bot.services.metrics_queries import grouped


class seconds_between(FunctionElement[float]):
    """Seconds from one aware timestamp to another."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between)
def _seconds_between_default(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def _minutes(seconds: ColumnElement[float]) -> ColumnElement[Any]:
    # A literal, not a bound parameter: PostgreSQL must see the GROUP BY expression verbatim.
    return func.round(seconds / literal_column("60.0"))


def resolution_query(
    key: ColumnElement[Any] | None,
    conditions: list[ColumnElement[bool]],
    resolution_sla: Mapping[str, timedelta],
) -> Any:
    issue = HypercareIssue
    seconds = seconds_between(issue.opened_at, issue.resolved_at)
    minutes = _minutes(seconds)
    spans = [
        (issue.severity == s.value, seconds <= resolution_sla[s].total_seconds())
        for s in IssueSeverity
        if s.around_the_clock and s in resolution_sla
    ]
    met = case(*((and_(when, ok), 1) for when, ok in spans), else_=0) if spans else literal(0)
    columns = [issue.severity, minutes.label("minutes"), func.count(), func.sum(met)]
    selected, group = grouped(columns, key, issue.severity, minutes)
    return (
        select(*selected)
        .select_from(issue)
        .join(Onboarding, Onboarding.id == issue.onboarding_id)
        .where(issue.resolved_at.is_not(None), *conditions)
        .group_by(*group)
    )


def first_contact_query(
    key: ColumnElement[Any] | None, conditions: list[ColumnElement[bool]]
) -> Any:
    c = Commitment
    minutes = _minutes(seconds_between(Onboarding.created_at, c.closed_at))
    selected, group = grouped([minutes.label("minutes"), func.count()], key, minutes)
    return (
        select(*selected)
        .select_from(c)
        .join(Onboarding, Onboarding.id == c.onboarding_id)
        .where(
            c.timing_key == FIRST_CONTACT,
            c.status == CommitmentStatus.DONE,
            c.closed_at.is_not(None),
            *conditions,
        )
        .group_by(*group)
    )


@dataclass
class _Parts:
    resolution: dict[str, Histogram] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=dict)
    first_contact: Histogram = field(default_factory=dict)

    def timing(self) -> Timing:
        severities = sorted(self.resolution)
        return Timing(
            resolution={s: Hours(self.resolution[s]) for s in severities},
            resolution_within_sla={
                s: Rate(self.met.get(s, 0), sum(self.resolution[s].values()))
                for s in severities
                if s in self.met
            },
            first_contact=Hours(self.first_contact),
        )


def _add(into: dict[Any, int], key: Any, count: int) -> None:
    into[key] = into.get(key, 0) + count


def read_timing(
    session: Session,
    key: ColumnElement[Any] | None,
    conditions: list[ColumnElement[bool]],
    hypercare_sla: Mapping[str, tuple[timedelta, timedelta]],
) -> dict[Any, _Parts]:
    """Slice key -> its timing parts (`pooled_timing` makes them figures); `hypercare_sla` maps
    a severity to its (response, resolution) spans, as in Settings."""
    resolution_sla = {severity: spans[1] for severity, spans in hypercare_sla.items()}
    found: dict[Any, _Parts] = {}
    timed = {s for s in IssueSeverity if s.around_the_clock and s in resolution_sla}
    for k, severity, minutes, count, met in session.execute(
        resolution_query(key, conditions, resolution_sla)
    ):
        parts = found.setdefault(k, _Parts())
        _add(parts.resolution.setdefault(str(severity), {}), int(minutes), int(count))
        if severity in timed:
            _add(parts.met, str(severity), int(met or 0))
    for k, minutes, count in session.execute(first_contact_query(key, conditions)):
        _add(found.setdefault(k, _Parts()).first_contact, int(minutes), int(count))
    return found


def pooled_timing(parts: Iterable[_Parts]) -> Timing:
    """Several slices' timing as one (histograms add exactly)."""
    total = _Parts()
    for part in parts:
        for severity, histogram in part.resolution.items():
            for minutes, count in histogram.items():
                _add(total.resolution.setdefault(severity, {}), minutes, count)
        for severity, met in part.met.items():
            _add(total.met, severity, met)
        for minutes, count in part.first_contact.items():
            _add(total.first_contact, minutes, count)
    return total.timing()
