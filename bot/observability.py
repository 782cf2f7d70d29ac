"""What `GET /metrics` shows an operator, in the Prometheus text format.

One `Metrics` per app, each with its own `CollectorRegistry` (never prometheus_client's global
one: a process, such as the test suite, may build many apps). Everything recorded here comes
from the edge (bot/entry/server.py), the Web API client (bot/slack/api_metrics.py) and the scheduler
(bot/entry/scheduler.py); the outbox figures are read from the database at each scrape.

Labels never carry user text or Slack ids, and each label keeps at most `MAX_LABEL_VALUES`
distinct values (later ones count as "other"), so a scrape stays small whatever arrives.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from bot.db import Database
from bot.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_LATEST
MAX_LABEL_VALUES = 200
OTHER = "other"
# Slack wants an ack within 3 seconds: the buckets are finest below it.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


class BoundedValues:
    """The values one label has taken, at most `limit` of them; any further one is "other"."""

    def __init__(self, limit: int = MAX_LABEL_VALUES) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        with self._lock:
            if value in self._seen:
                return value
            if len(self._seen) >= self._limit:
                return OTHER
            self._seen.add(value)
            return value


class Metrics:
    """The app's counters and histograms, and its registry for the exposition."""

    def __init__(self, db: Database | None = None) -> None:
        self.registry = CollectorRegistry()
        self._listeners = BoundedValues()
        self._methods = BoundedValues()
        self._errors = BoundedValues()
        self._kinds = BoundedValues(20)
        self.requests = Counter(
            "onboard_slack_requests",
            "Requests to /slack/events by listener and outcome (ok, unhandled, error, replay, "
            "rejected_<why>).",
            ["listener", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "onboard_slack_ack_seconds",
            "Seconds from a verified request's arrival to its ack, by request kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.api_calls = Counter(
            "onboard_slack_api_calls",
            "Slack Web API responses by method and error (none: ok; ratelimited: a 429), each "
            "try of a retried call counted.",
            ["method", "error"],
            registry=self.registry,
        )
        self._add_job_metrics()
        if db is not None:
            self.registry.register(OutboxCollector(db))
            if isinstance(db.engine.pool, QueuePool):
                self.registry.register(PoolWatch.of(db.engine))

    def _add_job_metrics(self) -> None:
        self.job_runs = Counter(
            "onboard_job_runs",
            "Scheduled job ticks by job and outcome (done, failed, stood_down, suspended).",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "onboard_job_duration_seconds",
            "Seconds a scheduled job ran (ticks that did the work, done or failed).",
            ["job"],
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )

    def slack_request(
        self, listener: str, outcome: str, kind: str = "", ack_seconds: float | None = None
    ) -> None:
        self.requests.labels(self._listeners(listener), outcome).inc()
        if ack_seconds is not None:
            self.ack_seconds.labels(self._kinds(kind or OTHER)).observe(ack_seconds)

    def api_call(self, method: str, error: str) -> None:
        self.api_calls.labels(self._methods(method), self._errors(error)).inc()

    def job_run(self, job: str, outcome: str, seconds: float | None = None) -> None:
        self.job_runs.labels(job, outcome).inc()
        if seconds is not None:
            self.job_seconds.labels(job).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class OutboxCollector(Collector):
    """The outbox's pending posts and the age of the oldest, read with one aggregate query at
    each scrape (the due-index `ix_outbox_due` starts with the status)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def describe(self) -> Iterator[Metric]:
        # Named without a query, so registering the collector never touches the database.
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        try:
            with self._db.session() as session:
                count, oldest = session.execute(
                    select(func.count(), func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.status == OutboxStatus.PENDING
                    )
                ).one()
        except SQLAlchemyError as exc:  # the rest of the scrape is still worth having
            log.warning("outbox metrics unavailable: %s", exc)
            return
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        yield from self._families(float(count or 0), max(age, 0.0))

    @staticmethod
    def _families(pending: float | None = None, age: float | None = None) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "onboard_outbox_pending", "Posts waiting in the outbox (due or backing off)."
        )
        oldest = GaugeMetricFamily(
            "onboard_outbox_oldest_pending_age_seconds",
            "Seconds since the oldest waiting post was queued (0: none waiting).",
        )
        if pending is not None and age is not None:
            depth.add_metric([], pending)
            oldest.add_metric([], age)
        yield depth
        yield oldest


class PoolWatch(Collector):
    """The database pool: connections in use now and at the most since the process started,
    the pool's size, and how often every connection was in use (a further checkout then waits,
    which ONBOARD_DB_POOL_SIZE, following the thread counts, is there to prevent)."""

    _watches: weakref.WeakKeyDictionary[Engine, PoolWatch] = weakref.WeakKeyDictionary()
    _watches_lock = threading.Lock()

    @classmethod
    def of(cls, engine: Engine) -> PoolWatch:
        """The engine's one watch: apps built on a shared engine (the tests') share it rather
        than each adding its own listeners to every checkout."""
        with cls._watches_lock:
            if engine not in cls._watches:
                cls._watches[engine] = cls(engine)
            return cls._watches[engine]

    def __init__(self, engine: Engine) -> None:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        self._size = pool.size() + max(pool._max_overflow, 0)  # the most it ever opens
        self._lock = threading.Lock()
        self.in_use = self.peak = self.exhausted = 0
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "checkin", self._checked_in)

    def _checked_out(self, *_: object) -> None:
        with self._lock:
            self.in_use += 1
            self.peak = max(self.peak, self.in_use)
            self.exhausted += self.in_use >= self._size

    def _checked_in(self, *_: object) -> None:
        with self._lock:
            self.in_use -= 1

    def describe(self) -> Iterator[Metric]:
        yield from self.collect()

    def collect(self) -> Iterator[Metric]:
        gauges = {
            "onboard_db_pool_size": ("Most database connections the pool opens.", self._size),
            "onboard_db_pool_in_use": ("Database connections in use.", self.in_use),
            "onboard_db_pool_peak_in_use": (
                "Most database connections in use at once since the process started.",
                self.peak,
            ),
        }
        for name, (help_text, value) in gauges.items():
            yield GaugeMetricFamily(name, help_text, value=float(value))
        exhausted = CounterMetricFamily(
            "onboard_db_pool_exhausted",
            "Times every connection of the pool was in use (a further checkout waits).",
            value=float(self.exhausted),
        )
        yield exhausted
