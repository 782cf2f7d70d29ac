"""Stall detection over N open onboardings: wall time, peak memory and the number of queries.

    .venv/bin/python -m bench.stall_detection --onboardings 100000 --database sqlite
    .venv/bin/python -m bench.stall_detection --onboardings 100000 --database postgresql

Loads a fresh database (SQLite file in a temp dir, or a throwaway PostgreSQL schema) with
realistic onboardings (bench/stall_data.py: rows for every fact source of the scan it knows),
then measures `signals.detect_all` (every signal of every open onboarding) in a fresh child
process, once at a small size and `--runs` times at N, so that the query count can be compared
and the process's peak memory is the detection's alone. Each run at N is followed by the
reference in the same way: the scan's own queries with their rows fetched and dropped, what
the database and the driver cost before any detection. Medians, with the load average. With
`--job` it also runs the whole stall-alerts job once (bookkeeping and outbox writes included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, event, text

from bench.stall_data import NOW, load, unfilled_sources
from bot.config import Settings
from bot.db import Database

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SMALL = 1000


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


def _detect(db: Database, settings: Settings, summary: dict[str, int]) -> None:
    from bot.services.signals import detect_all, load_catalog

    catalog = load_catalog(ROOT / "templates")
    onboardings = 0
    with db.session() as session:
        for _, signals in detect_all(session, settings, catalog, NOW):
            onboardings += 1
            for s in signals:
                summary[s.kind.value] = summary.get(s.kind.value, 0) + 1
    summary["onboardings"] = onboardings


def _fetch_only(db: Database, settings: Settings, summary: dict[str, int]) -> None:
    """The reference: the scan's own queries, every row fetched (typed) and thrown away."""
    from bot.services.signals import scan_statements

    with db.engine.connect() as connection:
        for name, statement in scan_statements(settings, NOW).items():
            result = connection.execution_options(yield_per=2000).execute(statement)
            summary[name] = sum(len(part) for part in result.partitions())


def _job(db: Database, settings: Settings, summary: dict[str, int]) -> None:
    from bot.playbooks import PlaybookLibrary
    from bot.services.alerts import NoPrivacyInfo
    from jobs.context import JobContext
    from jobs.stall_alerts import run_stall_alerts

    ctx = JobContext(settings, db, PlaybookLibrary.load(ROOT / "templates"), NOW)
    summary["posts_queued"] = len(run_stall_alerts(ctx, NoPrivacyInfo()).queued)


MODES = {"detect": _detect, "fetch": _fetch_only, "job": _job}


def measure(url: str, mode: str, trace: bool) -> dict:
    settings = replace(Settings(), database_url=url)
    db = Database(url)
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
    MODES[mode](db, settings, summary)
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


def child(url: str, mode: str, trace: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.stall_detection", "--measure", url, "--mode", mode]
        + (["--trace"] if trace else []),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 2)


def report(args: argparse.Namespace, url: str) -> tuple[float, float, int]:
    """Detection and the reference (fetch only), alternating, `args.runs` times each; the
    median seconds, the highest max RSS and the query count of the detection."""
    print(f"load average before (1, 5, 15 min): {load_average()}")
    detect_runs, fetch_runs = [], []
    for _ in range(args.runs):
        detect_runs.append(child(url, "detect"))
        fetch_runs.append(child(url, "fetch"))
    traced = child(url, "detect", trace=True)
    print(f"load average after: {load_average()}")
    big = detect_runs[0]
    seconds, cpu = median_of(detect_runs, "seconds"), median_of(detect_runs, "cpu_seconds")
    rss = max(run["max_rss_mb"] for run in detect_runs)
    print(
        f"{args.database}: detection at {args.onboardings}, median of {args.runs}: {seconds} s "
        f"(runs {[run['seconds'] for run in detect_runs]}), CPU {cpu} s, "
        f"{big['queries']['select']} queries, max RSS {rss} MB, "
        f"tracemalloc peak {traced['tracemalloc_peak_mb']} MB"
    )
    print(
        f"{args.database}: reference, the same queries' rows fetched and dropped, median of "
        f"{args.runs}: {median_of(fetch_runs, 'seconds')} s "
        f"(runs {[run['seconds'] for run in fetch_runs]}), CPU "
        f"{median_of(fetch_runs, 'cpu_seconds')} s; rows {fetch_runs[0]['summary']}"
    )
    print(f"signals: {big['summary']}")
    return seconds, rss, big["queries"]["select"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onboardings", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5, help="detection runs at N (median)")
    parser.add_argument("--job", action="store_true", help="also run the whole job once")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="detect", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode, args.trace)))
        return 0
    unfilled = unfilled_sources()
    if unfilled:
        print(f"fact sources this bench does not fill (their signals are not measured): {unfilled}")
    url, cleanup = fresh(args.database)
    try:
        db = Database(url)
        db.upgrade()
        started = time.perf_counter()
        load(db, 1, SMALL, args.seed)
        small = child(url, "detect")
        totals = load(db, SMALL + 1, args.onboardings - SMALL, args.seed)
        print(
            f"loaded {args.onboardings} onboardings in {time.perf_counter() - started:.1f} s "
            f"(+{totals})"
        )
        print(
            f"{args.database}: detection at {SMALL}: {small['seconds']} s, "
            f"{small['queries']['select']} queries"
        )
        seconds, rss, queries = report(args, url)
        if args.job:
            job = child(url, "job")
            print(
                f"{args.database}: whole job once at {args.onboardings}: {job['seconds']} s, "
                f"{job['queries']} statements, max RSS {job['max_rss_mb']} MB, "
                f"{job['summary']['posts_queued']} posts queued"
            )
        ok = seconds < 5 and rss < 300 and small["queries"]["select"] == queries and not unfilled
        print(
            "verdict:",
            "PASS" if ok else "FAIL",
            "(median < 5 s, < 300 MB, same query count at both sizes, every fact source filled)",
        )
        return 0 if ok else 1
    finally:
        drop(cleanup)


if __name__ == "__main__":
    sys.exit(main())
