"""The scan: every open onboarding's facts with a constant number of queries, merged in memory.

The onboardings are read by one query ordered by id; each fact source is one more query over
all open onboardings, ordered by onboarding id, streamed in chunks (a server-side cursor on
PostgreSQL) and walked in step with them. 100,000 onboardings never sit in memory at once, and
no onboarding costs a query of its own.

A new kind of fact: a row type in facts.py, a field on `Facts`, a query that takes a
`ScanWindow` and returns rows whose first column is the onboarding id (queries.py, or a module
of its own), and one line in `SOURCES` below. The bench (bench/stall_detection.py) fills the
tables of every source it knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.conversation import customer_conversations, customer_replies
from bot.services.signals.detection import Signal, detect
from bot.services.signals.facts import (
    BlockerRow,
    ChampionRow,
    CommitmentRow,
    ConversationRow,
    CustomerReplyRow,
    Facts,
    HealthRow,
    IntegrationRow,
    IssueRow,
    MilestoneRow,
    OnboardingRow,
    ScopeRow,
    StakeholderCount,
    TrainingRow,
    UsageRow,
)
from bot.services.signals.queries import (
    ScanWindow,
    failing_integrations,
    late_milestones,
    latest_health,
    low_training,
    old_blockers,
    open_issues,
    open_onboardings,
    overdue_commitments,
    quiet_champions,
    stakeholder_counts,
)
from bot.services.signals.scope import approved_changes
from bot.services.signals.usage import usage_facts

STREAM_CHUNK = 2000


@dataclass(frozen=True)
class FactSource:
    """One query over every open onboarding that fills one field of `Facts`.

    `query` returns rows whose first column is the onboarding id, ordered by it; `row` turns a
    result row into the fact row (a NamedTuple's `_make`). With `one`, an onboarding has at most
    one row and the field holds it or None; otherwise the field holds the list."""

    field: str
    query: Callable[[ScanWindow], Select]
    row: Callable[[Sequence[Any]], Any]
    one: bool = False


# Every fact the detector reads, one query each: register a new source here.
SOURCES: tuple[FactSource, ...] = (
    FactSource("milestones", late_milestones, MilestoneRow._make),
    FactSource("blockers", old_blockers, BlockerRow._make),
    FactSource("stakeholders", stakeholder_counts, StakeholderCount._make, one=True),
    FactSource("champions", quiet_champions, ChampionRow._make),
    FactSource("commitments", overdue_commitments, CommitmentRow._make),
    FactSource("issues", open_issues, IssueRow._make),
    FactSource("health", latest_health, HealthRow._make, one=True),
    FactSource("integrations", failing_integrations, IntegrationRow._make),
    FactSource("training", low_training, TrainingRow._make),
    FactSource("conversation", customer_conversations, ConversationRow._make, one=True),
    FactSource("customer_replies", customer_replies, CustomerReplyRow._make),
    FactSource("usage", usage_facts, UsageRow._make, one=True),
    FactSource("scope", approved_changes, ScopeRow._make, one=True),
)


def stream_rows(session: Session, statement: Select, chunk: int) -> Iterator[Any]:
    """Rows of `statement` fetched `chunk` at a time (a server-side cursor on PostgreSQL)."""
    result = session.execute(statement.execution_options(yield_per=chunk))
    for partition in result.partitions():
        yield from partition


class Aligned:
    """Walks a stream ordered by onboarding id in step with the onboardings."""

    def __init__(self, rows: Iterator[Any], make: Callable[[Any], Any]) -> None:
        self._rows = rows
        self._make = make
        self._head: Any = next(rows, None)

    def take(self, onboarding_id: int) -> list[Any]:
        taken: list[Any] = []
        while self._head is not None and self._head[0] <= onboarding_id:
            if self._head[0] == onboarding_id:
                taken.append(self._make(self._head))
            self._head = next(self._rows, None)
        return taken


def scan_statements(settings: Settings, now: datetime) -> dict[str, Select]:
    """The queries of a scan: the onboardings, then one per fact source."""
    window = ScanWindow(settings, now)
    return {"onboardings": open_onboardings()} | {
        source.field: source.query(window) for source in SOURCES
    }


def scan(
    session: Session, settings: Settings, now: datetime, *, chunk: int = STREAM_CHUNK
) -> Iterator[Facts]:
    """The facts of every open onboarding in id order: 1 + len(SOURCES) queries, whatever
    their number."""
    window = ScanWindow(settings, now)
    aligned = [
        (source, Aligned(stream_rows(session, source.query(window), chunk), source.row))
        for source in SOURCES
    ]
    for row in stream_rows(session, open_onboardings(), chunk):
        onboarding = OnboardingRow._make(row)
        fields: dict[str, Any] = {}
        for source, stream in aligned:
            taken = stream.take(onboarding.id)
            fields[source.field] = (taken[0] if taken else None) if source.one else taken
        yield Facts(onboarding, **fields)


def detect_all(
    session: Session, settings: Settings, catalog: SignalCatalog, now: datetime
) -> Iterator[tuple[OnboardingRow, list[Signal]]]:
    """Every open onboarding with its signals (possibly none), streamed."""
    for facts in scan(session, settings, now):
        yield facts.onboarding, detect(facts, settings, catalog, now)
