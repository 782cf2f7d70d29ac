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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.conversation import customer_conversations, customer_replies
from bot.services.signals.detected import Signal
from bot.services.signals.detection import detect
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
from bot.services.signals.rules import Rules
from bot.services.signals.scope import approved_changes
from bot.services.signals.usage import usage_facts

STREAM_CHUNK = 2000


@dataclass(frozen=True)
class FactSource:
    """One query over every open onboarding that fills one field of `Facts`.

    `query` selects exactly the fields of `row` (a NamedTuple), the onboarding id first, ordered
    by onboarding id. With `one`, an onboarding has at most one row and the field holds it or
    None; otherwise the field holds its rows (a tuple, empty when there are none)."""

    field: str
    query: Callable[[ScanWindow], Select]
    row: type[tuple]
    one: bool = False


# Every fact the detector reads, one query each: register a new source here.
SOURCES: tuple[FactSource, ...] = (
    FactSource("milestones", late_milestones, MilestoneRow),
    FactSource("blockers", old_blockers, BlockerRow),
    FactSource("stakeholders", stakeholder_counts, StakeholderCount, one=True),
    FactSource("champions", quiet_champions, ChampionRow),
    FactSource("commitments", overdue_commitments, CommitmentRow),
    FactSource("issues", open_issues, IssueRow),
    FactSource("health", latest_health, HealthRow, one=True),
    FactSource("integrations", failing_integrations, IntegrationRow),
    FactSource("training", low_training, TrainingRow),
    FactSource("conversation", customer_conversations, ConversationRow, one=True),
    FactSource("customer_replies", customer_replies, CustomerReplyRow),
    FactSource("usage", usage_facts, UsageRow, one=True),
    FactSource("scope", approved_changes, ScopeRow, one=True),
)


def stream_rows(session: Session, statement: Select, chunk: int) -> Iterator[Any]:
    """Rows of `statement` fetched `chunk` at a time (a server-side cursor on PostgreSQL), as
    Core rows: the ORM's row handling is not needed for plain columns. Like the ORM's own
    queries, it first flushes what the session has pending, so the rows include it."""
    session.flush()
    result = session.connection().execute(statement.execution_options(yield_per=chunk))
    return chain.from_iterable(result.partitions())


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


class _Grouped:
    """One source's stream, read a chunk of onboardings at a time into {onboarding id: rows}:
    a dictionary lookup per onboarding and source, and each onboarding's rows made in one go
    (itertools.groupby and map run in C, where a Python loop per row cost a second)."""

    def __init__(self, source: FactSource, rows: Iterator[Any]) -> None:
        self.field = source.field
        self._one = source.one
        self._width = len(source.row._fields)  # type: ignore[attr-defined]
        self._make = partial(tuple.__new__, source.row)  # a NamedTuple from a row, in C
        self._groups = groupby(rows, itemgetter(0))
        self._head: tuple[int, Iterator[Any]] | None = next(self._groups, None)

    def until(self, last_id: int) -> dict[int, Any]:
        """The rows of the onboardings up to `last_id` not read yet, by onboarding id."""
        found: dict[int, Any] = {}
        head, groups, make, one = self._head, self._groups, self._make, self._one
        while head is not None and head[0] <= last_id:
            key, rows = head
            found[key] = make(next(rows)) if one else tuple(map(make, rows))
            head = next(groups, None)
        self._head = head
        if found:
            self._check(next(iter(found.values())))
        return found

    def _check(self, sample: Any) -> None:
        row = sample if self._one else sample[0]
        if len(row) != self._width:
            raise ValueError(f"fact source {self.field}: its query does not select its row")


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
    session.flush()  # read what the session has pending, as an ORM query would
    window = ScanWindow(settings, now)
    sources = [_Grouped(s, stream_rows(session, s.query(window), chunk)) for s in SOURCES]
    onboardings = session.connection().execute(
        open_onboardings().execution_options(yield_per=chunk)
    )
    make = partial(tuple.__new__, OnboardingRow)
    for part in onboardings.partitions():
        # Most onboardings have rows in few sources: fill what was found, Facts' defaults
        # stand for the rest (a lookup per row rather than per onboarding and source).
        fields: dict[int, dict[str, Any]] = {row[0]: {} for row in part}
        for source in sources:
            for oid, found in source.until(part[-1][0]).items():
                if oid in fields:  # else it opened after the onboardings were read
                    fields[oid][source.field] = found
        for row in part:
            yield Facts(make(row), **fields[row[0]])


def detect_all(
    session: Session, settings: Settings, catalog: SignalCatalog, now: datetime
) -> Iterator[tuple[OnboardingRow, list[Signal]]]:
    """Every open onboarding with its signals (possibly none), streamed."""
    rules = Rules(settings, catalog, now)
    for facts in scan(session, settings, now):
        yield facts.onboarding, detect(facts, settings, catalog, now, rules=rules)
