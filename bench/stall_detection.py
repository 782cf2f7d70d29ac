"""Stall detection over N open onboardings: wall time, peak memory and the number of queries.

    .venv/bin/python -m bench.stall_detection --onboardings 100000 --database sqlite
    .venv/bin/python -m bench.stall_detection --onboardings 100000 --database postgresql

Loads a fresh database (SQLite file in a temp dir, or a throwaway PostgreSQL schema) with
realistic onboardings, then measures `signals.detect_all` (every signal of every open
onboarding) in a fresh child process, once at a small size and once at N, so that the query
count can be compared and the process's peak memory is the detection's alone. With `--job` it
also runs the whole stall-alerts job once (bookkeeping and outbox writes included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text

from bot.config import Settings
from bot.db import Database
from bot.models import (
    Blocker,
    Commitment,
    HypercareIssue,
    Milestone,
    Onboarding,
    Stakeholder,
)

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, after 09:00 UTC
SMALL = 1000
BATCH = 5000
# Mid-market milestones, as calendar-day offsets from the start date (business days * 1.4).
MILESTONES = [
    ("handoff", "Handoff complete", 1),
    ("kickoff", "Kickoff held", 4),
    ("technical_setup", "Technical setup complete", 11),
    ("first_value", "First value", 14),
    ("training", "Training delivered", 38),
    ("pilot", "Pilot success", 45),
    ("go_live", "Go-live", 53),
    ("hypercare_exit", "Hypercare exit", 74),
    ("transition", "Transition", 84),
]
ROLES = ["executive_sponsor", "champion", "technical_lead"]


def rows_for(first_id: int, count: int, rng: random.Random) -> dict[type, list[dict]]:
    out: dict[type, list[dict]] = {
        m: [] for m in (Onboarding, Milestone, Stakeholder, Commitment, Blocker, HypercareIssue)
    }
    for oid in range(first_id, first_id + count):
        start = (NOW - timedelta(days=rng.randint(0, 150))).date()
        hypercare = rng.random() < 0.10
        out[Onboarding].append(
            {
                "id": oid,
                "company_name": f"Customer {oid:06d}",
                "company_key": f"customer {oid:06d}",
                "arr": Decimal(rng.randint(25, 99) * 1000),
                "start_date": start,
                "segment": "Mid-Market",
                "playbook": "mid_market",
                "status": "hypercare" if hypercare else "active",
                "csm_user_id": f"UCSM{oid % 20:02d}",
                "ae_user_id": "UAE",
                "customer_channel_id": f"C{oid:08d}",
                "internal_channel_id": None,
                "timezone": rng.choice([None, None, "America/New_York", "Europe/Berlin"]),
                "last_activity_at": NOW - timedelta(hours=rng.randint(0, 24 * 12)),
                "created_by": "UAE",
                "created_at": datetime.combine(start, datetime.min.time(), UTC),
                "updated_at": NOW,
                "handoff_missing": [],
            }
        )
        for position, (key, name, offset) in enumerate(MILESTONES):
            due = start + timedelta(days=offset)
            done = due < NOW.date() - timedelta(days=rng.randint(-5, 6)) and rng.random() < 0.9
            out[Milestone].append(
                {
                    "onboarding_id": oid,
                    "position": position,
                    "key": key,
                    "name": name,
                    "phase_key": key,
                    "due_date": due,
                    "status": "complete" if done else "pending",
                }
            )
        for i, role in enumerate(ROLES[: 1 if rng.random() < 0.05 else 3]):
            out[Stakeholder].append(
                {
                    "onboarding_id": oid,
                    "name": f"Person {oid}-{i}",
                    "role": role,
                    "departed_at": NOW - timedelta(days=3)
                    if role == "champion" and rng.random() < 0.02
                    else None,
                    "last_contact_at": NOW - timedelta(days=rng.randint(0, 10)),
                }
            )
        for i in range(2):
            due = start + timedelta(days=rng.randint(10, 120))
            kept = due < NOW.date() and rng.random() < 0.85  # most promises are delivered
            out[Commitment].append(
                {
                    "onboarding_id": oid,
                    "text": f"Promise {i}",
                    "status": "done" if kept else "open",
                    "due_date": due,
                    "owner_user_id": "UAE",
                }
            )
        if rng.random() < 0.2:
            out[Blocker].append(
                {
                    "onboarding_id": oid,
                    "reason": "Waiting on IT",
                    "owner_user_id": "UIT",
                    "opened_at": NOW - timedelta(hours=rng.randint(1, 24 * 10)),
                    "opened_by": "UCSM",
                }
            )
        if hypercare:
            for number in (1, 2):
                opened = NOW - timedelta(hours=rng.randint(1, 72))
                out[HypercareIssue].append(
                    {
                        "onboarding_id": oid,
                        "number": number,
                        "severity": rng.choice(["P1", "P2", "P3", "P4"]),
                        "title": "Issue",
                        "opened_at": opened,
                        "opened_by": "UCSM",
                        "first_response_at": None
                        if rng.random() < 0.5
                        else opened + timedelta(minutes=20),
                        "resolved_at": None if rng.random() < 0.6 else opened + timedelta(hours=1),
                    }
                )
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
    return totals


def fresh(kind: str) -> tuple[str, object]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="onboard-bench-")
        return f"sqlite:///{folder}/bench.db", None
    schema = f"onboard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", (admin, schema)


def drop(cleanup: object) -> None:
    if cleanup is None:
        return
    admin, schema = cleanup  # type: ignore[misc]
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# ---- the measurement, in a child process ----------------------------------------------------


def measure(url: str, mode: str, trace: bool) -> dict:
    from bot.playbooks import PlaybookLibrary
    from bot.services.signals import detect_all, load_catalog

    settings = replace(Settings(), database_url=url)
    db = Database(url)
    catalog = load_catalog(ROOT / "templates")
    queries = {"select": 0, "write": 0}

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        queries["select" if statement.lstrip().upper().startswith("SELECT") else "write"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    db.ping()
    queries["select"] = 0
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    summary: dict[str, int] = {}
    if mode == "detect":
        onboardings = 0
        with db.session() as session:
            for _, signals in detect_all(session, settings, catalog, NOW):
                onboardings += 1
                for s in signals:
                    summary[s.kind.value] = summary.get(s.kind.value, 0) + 1
        summary["onboardings"] = onboardings
    else:
        from bot.services.alerts import NoPrivacyInfo
        from jobs.context import JobContext
        from jobs.stall_alerts import run_stall_alerts

        ctx = JobContext(settings, db, PlaybookLibrary.load(ROOT / "templates"), NOW)
        result = run_stall_alerts(ctx, NoPrivacyInfo())
        summary["posts_queued"] = len(result.queued)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    return {
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "queries": queries,
        "summary": summary,
    }


def child(url: str, mode: str, trace: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.stall_detection", "--measure", url, "--mode", mode]
        + (["--trace"] if trace else []),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onboardings", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--job", action="store_true", help="also run the whole job once")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="detect", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode, args.trace)))
        return 0
    url, cleanup = fresh(args.database)
    try:
        db = Database(url)
        db.upgrade()
        started = time.perf_counter()
        load(db, 1, SMALL, args.seed)
        small = child(url, "detect", False)
        totals = load(db, SMALL + 1, args.onboardings - SMALL, args.seed)
        print(
            f"loaded {args.onboardings} onboardings in {time.perf_counter() - started:.1f} s "
            f"(+{totals})"
        )
        big = child(url, "detect", False)
        traced = child(url, "detect", True)
        print(
            f"{args.database}: detection at {SMALL}: {small['seconds']} s, "
            f"{small['queries']['select']} queries"
        )
        print(
            f"{args.database}: detection at {args.onboardings}: {big['seconds']} s, "
            f"{big['queries']['select']} queries, CPU {big['cpu_seconds']} s, "
            f"max RSS {big['max_rss_mb']} MB, "
            f"tracemalloc peak {traced['tracemalloc_peak_mb']} MB"
        )
        print(f"signals: {big['summary']}")
        if args.job:
            job = child(url, "job", False)
            print(
                f"{args.database}: whole job once at {args.onboardings}: {job['seconds']} s, "
                f"{job['queries']} statements, max RSS {job['max_rss_mb']} MB, "
                f"{job['summary']['posts_queued']} posts queued"
            )
        constant = small["queries"]["select"] == big["queries"]["select"]
        ok = big["seconds"] < 10 and big["max_rss_mb"] < 300 and constant
        print(
            "verdict:",
            "PASS" if ok else "FAIL",
            "(< 10 s, < 300 MB, same query count at both sizes)",
        )
        return 0 if ok else 1
    finally:
        drop(cleanup)


if __name__ == "__main__":
    sys.exit(main())
