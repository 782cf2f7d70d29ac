"""The metrics query over N onboardings: time and query count, unsliced and by each slice.

    .venv/bin/python -m bench.metrics --onboardings 100000 --database sqlite
    .venv/bin/python -m bench.metrics --onboardings 100000 --database postgresql

Loads a fresh database (SQLite file in a temp dir, or a throwaway PostgreSQL schema) with a
book of N onboardings over 18 months of starts, every segment, 20 CSMs, at every stage: 9
milestones each, weekly health checks, survey answers, and each onboarding's rollup row (as the
app's flush writes it, `bot.rollup`). Measures `book_metrics` (the whole book,
then by segment, CSM and cohort) at 1,000 onboardings and at N, and the CSV export at N. Prints
the machine's load average with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, insert, text

from bench.stall_detection import drop, fresh
from bot import rollup
from bot.db import Database
from bot.models import FeedbackResponse, HealthCheck, Milestone, Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.export import write_csv
from bot.services.metrics import SliceBy, book_metrics, ttfv_targets

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 24)
SMALL = 1000
BATCH = 5000
RUNS = 3
PLAYBOOKS = [("mid_market", "Mid-Market", 0.5), ("smb", "SMB", 0.25),
             ("enterprise", "Enterprise", 0.2), ("self_serve", "Self-Serve", 0.05)]  # fmt: skip
MILESTONES = [("handoff", 1), ("kickoff", 4), ("technical_setup", 11), ("first_value", 14),
              ("training", 38), ("pilot", 45), ("go_live", 53), ("hypercare_exit", 74),
              ("transition", 84)]  # fmt: skip
HEALTH = ["healthy", "healthy", "monitor", "at_risk", "critical", "emergency"]


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=UTC)


def rows_for(first_id: int, count: int, rng: random.Random) -> dict[type, list[dict]]:
    out: dict[type, list[dict]] = {m: [] for m in (Onboarding, Milestone, HealthCheck,
                                                   FeedbackResponse)}  # fmt: skip
    keys, segments, weights = zip(*[(k, s, w) for k, s, w in PLAYBOOKS], strict=True)
    for oid in range(first_id, first_id + count):
        start = TODAY - timedelta(days=rng.randint(0, 540))
        playbook = rng.choices(range(len(keys)), weights)[0]
        slip = rng.uniform(0.8, 1.5)  # how this onboarding runs against its plan
        reached = [start + timedelta(days=round(offset * slip)) for _, offset in MILESTONES]
        done = [when <= TODAY and rng.random() < 0.97 for when in reached]
        exited = done[7] and reached[7] <= TODAY
        closed = exited and done[8] and rng.random() < 0.5
        out[Onboarding].append({
            "id": oid, "company_name": f"Customer {oid:06d}", "company_key": f"c{oid:06d}",
            "arr": Decimal(rng.randint(5, 150) * 1000), "start_date": start,
            "segment": segments[playbook], "playbook": keys[playbook],
            "status": "closed" if closed else ("hypercare" if done[6] and not exited else "active"),
            "csm_user_id": f"UCSM{oid % 20:02d}", "ae_user_id": "UAE", "created_by": "UAE",
            "first_value_at": _at(reached[3]) if done[3] else None,
            "go_live_at": _at(reached[6]) if done[6] else None,
            "hypercare_exited_at": _at(reached[7]) if exited else None,
            "closed_at": _at(reached[8]) if closed else None,
            "created_at": _at(start), "updated_at": _at(TODAY), "last_activity_at": _at(TODAY),
            "handoff_missing": [],
        })  # fmt: skip
        for position, ((key, offset), when, is_done) in enumerate(
            zip(MILESTONES, reached, done, strict=True)
        ):
            out[Milestone].append({
                "onboarding_id": oid, "position": position, "key": key, "name": key,
                "phase_key": key, "due_date": start + timedelta(days=offset),
                "is_first_value": key == "first_value", "is_go_live": key == "go_live",
                "status": "complete" if is_done else "pending",
                "completed_on": when if is_done else None,
            })  # fmt: skip
        weeks = min((TODAY - start).days // 7, rng.randint(0, 6))
        for week in range(weeks):
            out[HealthCheck].append({
                "onboarding_id": oid, "checked_at": _at(start + timedelta(days=7 * (week + 1))),
                "checked_by": "UCSM", "answers": {}, "ratings": {}, "no_count": 0,
                "score": 70, "status": rng.choice(HEALTH), "note": "",
            })  # fmt: skip
        if exited:
            for respondent in range(rng.randint(0, 3)):
                out[FeedbackResponse].append({
                    "onboarding_id": oid, "kind": "survey", "respondent": f"U{respondent}",
                    "nps": rng.randint(0, 10), "satisfaction": 8, "effort": 2,
                    "created_at": _at(reached[8]), "comment": "",
                })  # fmt: skip
    return out


def load(db: Database, first_id: int, count: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed + first_id)
    totals: dict[str, int] = {}
    for offset in range(0, count, BATCH):
        rows = rows_for(first_id + offset, min(BATCH, count - offset), rng)
        with db.engine.begin() as connection:
            for model, values in rows.items():
                if values:
                    connection.execute(insert(model), values)
                    totals[model.__tablename__] = totals.get(model.__tablename__, 0) + len(values)
            # What the app's flush does for the rows it writes (a bulk insert skips the ORM).
            rollup.refresh(connection, [row["id"] for row in rows[Onboarding]])
    with db.engine.begin() as connection:  # what autovacuum / a nightly ANALYZE would do
        connection.execute(text("ANALYZE"))
    return totals


def timed(db: Database, run: Callable[[object], object]) -> tuple[list[float], int]:
    """Seconds of each of RUNS runs (a fresh session each) and the statements of one."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    seconds = []
    for i in range(RUNS):
        if i == 0:
            event.listen(db.engine, "before_cursor_execute", count)
        with db.session() as session:
            started = time.perf_counter()
            run(session)
            seconds.append(time.perf_counter() - started)
        if i == 0:
            event.remove(db.engine, "before_cursor_execute", count)
    return seconds, len(statements)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onboardings", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    targets = ttfv_targets(PlaybookLibrary.load(ROOT / "templates"))
    url, cleanup = fresh(args.database)
    try:
        db = Database(url)
        db.upgrade()
        load(db, 1, SMALL, args.seed)
        db.ping()
        slices = [None, SliceBy.SEGMENT, SliceBy.CSM, SliceBy.COHORT]

        def metrics_of(by: SliceBy | None) -> Callable[[object], object]:
            return lambda s: book_metrics(s, today=TODAY, ttfv_targets=targets, slice_by=by)

        small = {by: timed(db, metrics_of(by))[1] for by in slices}
        started = time.perf_counter()
        totals = load(db, SMALL + 1, args.onboardings - SMALL, args.seed)
        print(f"loaded {args.onboardings} onboardings in {time.perf_counter() - started:.0f} s "
              f"(+{totals})")  # fmt: skip
        worst, constant = 0.0, True
        for by in slices:
            seconds, queries = timed(db, metrics_of(by))
            best, median = min(seconds), statistics.median(seconds)
            worst = max(worst, median)
            constant &= queries == small[by]
            print(f"{args.database}: metrics {by or 'book'} at {args.onboardings}: "
                  f"first {seconds[0]:.2f} s, median {median:.2f} s, best {best:.2f} s; "
                  f"{queries} queries (at {SMALL}: {small[by]})")  # fmt: skip
        with db.session() as session:
            figures = book_metrics(session, today=TODAY, ttfv_targets=targets).total
        print(
            f"book: ttfv median {figures.ttfv.median} d (n {figures.ttfv.n}), completion "
            f"{figures.completion.count}/{figures.completion.n}, health {figures.health}"
        )
        seconds, queries = timed(db, lambda s: write_csv(s, io.StringIO(), targets))
        print(
            f"{args.database}: CSV export of {args.onboardings}: median "
            f"{statistics.median(seconds):.2f} s, {queries} queries"
        )
        print("load average (1, 5, 15 min): " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        ok = constant and (args.database != "postgresql" or worst < 1.0)
        print(
            "verdict:",
            "PASS" if ok else "FAIL",
            "(same query count at both sizes; on PostgreSQL, median < 1 s per slicing)",
        )
        return 0 if ok else 1
    finally:
        drop(cleanup)


if __name__ == "__main__":
    sys.exit(main())
