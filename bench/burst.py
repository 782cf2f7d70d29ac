"""Under a burst: `onboard serve` beside a bare Bolt app, many users at once.

    .venv/bin/python -m bench.burst                      # SQLite and PostgreSQL
    .venv/bin/python -m bench.burst --database sqlite --profile

Each database gets a fresh book of `--onboardings` (the loader of bench/status_list.py). Three
processes besides this one, all on loopback: the fake Slack (tests/fakeslack.py), and in turn
the bare Bolt app (it acks and calls `respond()`, nothing else) and `onboard serve` itself
(`python -m bot.entry.cli serve`, the scheduler off), both on the same waitress server with the
same thread count. This process is the load: signed slash commands, half `status <customer>`
(answered through response_url) and half `help` (answered in the ack), from 20 users.

Two scenarios per app, the same for both:
  * burst: `--requests` requests, `--concurrency` at a time, repeated `--runs` times;
  * crowd: `--users` users each sending, waiting for the answer and sending again, for
    `--seconds` (at most `--max-requests`), repeated `--runs` times.
Printed per run: throughput, ack p50/p99/max, errors (non-200, timeouts, error log lines), replies
delivered, the server's RSS and CPU per request; for Onboard its database pool (connections in
use at the peak, of the pool's size: at the size, a checkout would wait). The load average is
printed with each table. `--profile` runs Onboard's server under cProfile (every thread) for the
burst and prints where its CPU went.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.status_list import (
    CSMS,
    OTHER_USERS,
    SIGNING_SECRET,
    bulk_load,
    company,
    fresh_database,
    pct,
)
from bot.playbooks import PlaybookLibrary
from tests.slack_http import SlackHttp

ROOT = Path(__file__).resolve().parent.parent
ACK_LIMIT_S = 3.0  # Slack gives up on an ack after 3 seconds
CLIENT_TIMEOUT_S = 10.0


# ---- the child processes ---------------------------------------------------------------------


def run_fake() -> int:
    """The fake Slack in its own process, with two bench-only methods: `bench.stats` (how many
    response_url posts arrived, how many Slack refused) and `bench.reset`."""
    from tests import fakeslack

    fake = fakeslack.FakeSlack()

    def add_users() -> None:
        for user_id in CSMS + OTHER_USERS:
            fake.add_user(user_id, name=user_id.lower(), real_name=f"{user_id} Person")

    def stats(_fake: Any, _params: dict[str, Any]) -> dict[str, Any]:
        return {"responses": len(fake.responses), "invalid": len(fake.invalid)}

    def reset(_fake: Any, _params: dict[str, Any]) -> dict[str, Any]:
        fake._reset_state()  # under the fake's lock (it dispatches holding it)
        add_users()
        return {}

    # Slack does not refuse connections under a burst; the fake's server would (a backlog of 5).
    fakeslack._Server.request_queue_size = 1024
    fakeslack.HANDLERS["bench.stats"] = stats
    fakeslack.HANDLERS["bench.reset"] = reset
    add_users()
    fake.start()
    print(fake.url, flush=True)
    sys.stdin.read()  # until the bench closes our stdin
    fake.stop()
    return 0


def run_bare(port: int, slack_url: str, threads: int) -> int:
    """A Bolt app that acks every `/onboard` and calls `respond()`: the framework's floor, on
    the same server as Onboard."""
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.entry.server import create_server

    client = WebClient(token="xoxb-bench", base_url=slack_url)
    app = App(signing_secret=SIGNING_SECRET, client=client, token_verification_enabled=False)

    @app.command("/onboard")
    def answer(ack: Ack, respond: Respond, body: dict[str, Any]) -> None:
        ack()
        respond(f"bare: {body.get('text', '')}")

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    server = create_server(SlackRequestHandler(app), "127.0.0.1", port, threads=threads)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.run()
    return 0


def run_profiled_serve(out: str) -> int:
    """`onboard serve` with every thread under cProfile, timed by each thread's CPU time (a
    wall clock would count waiting for the GIL, a lock or a socket); the merged stats go to `out`
    at exit."""
    import atexit
    import cProfile
    import pstats

    profiles: list[cProfile.Profile] = []
    original = threading.Thread.run

    def profiled(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)  # CPU of this thread, never its waits
        profiles.append(profile)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()

    threading.Thread.run = profiled  # type: ignore[method-assign]

    def dump() -> None:
        stats = None
        for profile in profiles:
            try:
                stats = pstats.Stats(profile) if stats is None else stats.add(profile)
            except TypeError:  # a thread that never ran anything
                continue
        if stats is not None:
            stats.dump_stats(out)

    atexit.register(dump)
    from bot.entry.cli import main

    return main(["serve"])


# ---- process handles ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def python_env(app_root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(app_root)}


@dataclass
class Fake:
    process: subprocess.Popen[str]
    url: str

    def call(self, method: str) -> dict[str, Any]:
        request = urllib.request.Request(self.url + method, data=b"token=xoxb-bench", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def replies(self) -> int:
        return int(self.call("bench.stats")["responses"])

    def wait_replies(self, count: int, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while (seen := self.replies()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return seen


@contextmanager
def fake_slack() -> Iterator[Fake]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.burst", "_fake"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=python_env(ROOT),
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stdin is not None
    url = process.stdout.readline().strip()
    try:
        yield Fake(process, url)
    finally:
        process.stdin.close()
        process.wait(timeout=10)


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024  # type: ignore[index]

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def error_lines(self) -> int:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return sum('"level": "error"' in line or "Traceback" in line for line in lines)

    def pool(self) -> str:
        """Onboard's pool at its peak, from /metrics: in use of size (at the size, a checkout
        would have waited)."""
        try:
            with urllib.request.urlopen(self.url + "/metrics", timeout=5) as response:
                exposition = response.read().decode()
        except OSError:
            return "n/a"
        values = dict(re.findall(r"^(onboard_db_pool_\w+) ([0-9.e+]+)$", exposition, re.M))
        if "onboard_db_pool_peak_in_use" not in values:
            return "n/a"
        peak = float(values["onboard_db_pool_peak_in_use"])
        size = float(values["onboard_db_pool_size"])
        waited = float(values.get("onboard_db_pool_exhausted_total", 0))
        return f"peak {peak:.0f}/{size:.0f}, exhausted {waited:.0f}x"


@contextmanager
def server(
    name: str, command: list[str], env: dict[str, str], port: int, cwd: Path = ROOT
) -> Iterator[Server]:
    log_path = Path(tempfile.mkstemp(prefix=f"burst-{name}-", suffix=".log")[1])
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log_file, stderr=log_file)
    handle = Server(name, process, port, log_path)
    try:
        wait_listening(port, process, log_path)
        yield handle
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_listening(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server never listened on {port}")


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Shot:
    ack_s: float
    ok: bool
    replies: int  # response_url posts this request should cause


@dataclass
class RunResult:
    shots: list[Shot]
    seconds: float
    replies_expected: int
    replies_seen: int
    errors_logged: int
    rss_mb: float
    cpu_ms_per_request: float
    pool: str

    @property
    def acks_ms(self) -> list[float]:
        return [s.ack_s * 1000 for s in self.shots]

    @property
    def failed(self) -> int:
        return sum(not s.ok for s in self.shots)


class ResponseUrls:
    """What SlackHttp asks of a fake to sign requests: response_urls of the fake's process."""

    bot_user_id = "UBOT"
    users: dict[str, Any] = {}
    channels: dict[str, Any] = {}

    def __init__(self, base: str) -> None:
        self._base = base
        self._ids = iter(range(1, 10**9))
        self._lock = threading.Lock()

    def response_url(self) -> str:
        with self._lock:
            return f"{self._base}/response/{next(self._ids)}"


@dataclass
class Load:
    """Signed `/onboard` commands to one server: half `status <open customer>`, half `help`."""

    url: str
    slack_base: str
    customers: list[str]
    answers_in_ack: set[str]  # the commands this app answers in the ack (no response_url)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def __post_init__(self) -> None:
        self._http = SlackHttp(
            self.url + "/slack/events",
            SIGNING_SECRET,
            fake=ResponseUrls(self.slack_base),  # type: ignore[arg-type]
            timeout=CLIENT_TIMEOUT_S,
        )
        self._count = 0
        self._lock = threading.Lock()

    def one(self) -> Shot:
        with self._lock:
            self._count += 1
            verb = "status" if self._count % 2 else "help"
            user = CSMS[self._count % len(CSMS)]
            customer = self.rng.choice(self.customers)
        started = time.perf_counter()
        try:
            response = self._http.command(
                f"status {customer}" if verb == "status" else "help", user_id=user
            )
            ok = response.status == 200 and (verb not in self.answers_in_ack or response.body)
        except OSError:
            ok = False
        replies = 0 if verb in self.answers_in_ack else 1
        return Shot(time.perf_counter() - started, bool(ok), replies)


def burst(load: Load, requests: int, concurrency: int) -> list[Shot]:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda _: load.one(), range(requests)))


def crowd(load: Load, users: int, seconds: float, max_requests: int) -> list[Shot]:
    shots: list[Shot] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user() -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(shots) >= max_requests:
                    return
            shot = load.one()
            with lock:
                shots.append(shot)

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return shots


def measured(served: Server, fake: Fake, send: Callable[[], list[Shot]]) -> RunResult:
    before_replies, before_cpu = fake.replies(), served.cpu_s()
    started = time.perf_counter()
    shots = send()
    seconds = time.perf_counter() - started
    expected = sum(s.replies for s in shots if s.ok)
    seen = fake.wait_replies(before_replies + expected) - before_replies
    cpu = served.cpu_s() - before_cpu
    return RunResult(
        shots=shots,
        seconds=seconds,
        replies_expected=expected,
        replies_seen=seen,
        errors_logged=served.error_lines(),
        rss_mb=served.rss_mb(),
        cpu_ms_per_request=cpu * 1000 / max(len(shots), 1),
        pool=served.pool(),
    )


# ---- reporting -----------------------------------------------------------------------------

HEADER = (
    f"{'app':<8} {'run':>3} {'requests':>8} {'req/s':>7} {'p50':>7} {'p99':>7} {'max':>7} "
    f"{'errors':>6} {'replies':>11} {'RSS MB':>7} {'CPU ms/req':>10}  pool"
)


def row(app: str, run: int, result: RunResult) -> str:
    acks = result.acks_ms
    errors = result.failed + result.errors_logged
    replies = f"{result.replies_seen}/{result.replies_expected}"
    return (
        f"{app:<8} {run:>3} {len(acks):>8} {len(acks) / result.seconds:>7.1f} "
        f"{pct(acks, 50):>7.1f} {pct(acks, 99):>7.1f} {max(acks):>7.1f} {errors:>6} "
        f"{replies:>11} {result.rss_mb:>7.1f} {result.cpu_ms_per_request:>10.1f}  {result.pool}"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def verdicts(
    name: str, ours: list[RunResult], bare: list[RunResult], crowds: list[RunResult]
) -> list[str]:
    """The targets of issue 18, each with the figure it was judged on."""
    ours_rps = median([len(r.shots) / r.seconds for r in ours])
    bare_rps = median([len(r.shots) / r.seconds for r in bare])
    p99 = median([pct(r.acks_ms, 99) for r in ours])
    worst = max(max(r.acks_ms) for r in ours)
    errors = sum(r.failed + r.errors_logged for r in ours)
    undelivered = sum(max(r.replies_expected - r.replies_seen, 0) for r in ours)
    lost = sum(r.failed + max(r.replies_expected - r.replies_seen, 0) for r in crowds)
    slow = sum(s.ack_s > ACK_LIMIT_S for r in crowds for s in r.shots)
    rss = [r.rss_mb for r in crowds]
    growth = rss[-1] - rss[0] if len(rss) > 1 else 0.0
    pools = [r.pool for r in crowds]
    never_full = all(p == "n/a" or p.endswith("exhausted 0x") for p in pools)
    checks = [
        (
            ours_rps >= bare_rps / 2,
            f"throughput {ours_rps:.0f} req/s >= half the bare {bare_rps:.0f}",
        ),
        (p99 < 500, f"ack p99 {p99:.0f} ms < 500 ms"),
        (worst < 1000, f"ack max {worst:.0f} ms < 1 s"),
        (errors == 0, f"{errors} errors"),
        (undelivered == 0, f"{undelivered} replies not delivered"),
        (lost == 0, f"crowd: {lost} requests or replies lost"),
        (slow == 0, f"crowd: {slow} acks over 3 s"),
        (growth < 10, f"crowd: RSS {' -> '.join(f'{m:.0f}' for m in rss)} MB (growth < 10 MB)"),
        (never_full, f"crowd: pool never exhausted ({', '.join(pools)})"),
    ]
    return [f"{name}: {'PASS' if ok else 'FAIL'} {what}" for ok, what in checks]


# ---- one database ----------------------------------------------------------------------------


def open_customers(db: Any) -> list[str]:
    with db.engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM onboarding WHERE status != 'closed'"))
        return [company(row[0]) for row in ids]


def onboard_command(profile_out: Path | None) -> list[str]:
    if profile_out is None:
        return [sys.executable, "-m", "bot.entry.cli", "serve"]
    # By path: the server's own modules come from --app-root, this script from here.
    return [sys.executable, str(Path(__file__).resolve()), "_profiled", str(profile_out)]


def onboard_env(
    args: argparse.Namespace, database_url: str, fake: Fake, port: int
) -> dict[str, str]:
    return {
        **python_env(Path(args.app_root)),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "ONBOARD_SCHEDULER": "off",
        "ONBOARD_ADMINS": "UADMIN",
    }


def server_threads() -> int:
    """What `onboard serve` will run with (ONBOARD_SERVER_THREADS), so the bare app gets it too."""
    from bot.config import load_settings

    return load_settings(os.environ, require_slack=False).server_threads


def bench_app(
    name: str, args: argparse.Namespace, served: Server, fake: Fake, customers: list[str]
) -> tuple[list[RunResult], list[RunResult]]:
    load = Load(
        served.url,
        fake.url.removesuffix("/api/"),
        customers,
        {"help"} if name == "onboard" else set(),
    )
    warm_up = burst(load, 40, 8)  # imports, the users.info cache, connections
    fake.wait_replies(sum(s.replies for s in warm_up))  # none may land in the first run
    fake.call("bench.reset")
    bursts, crowds = [], []
    print(
        f"\n{name}: burst of {args.requests}, {args.concurrency} at a time; load {load_average()}"
    )
    print(HEADER)
    for run in range(1, args.runs + 1):
        bursts.append(measured(served, fake, lambda: burst(load, args.requests, args.concurrency)))
        print(row(name, run, bursts[-1]), flush=True)
        fake.call("bench.reset")
    print(f"{name}: {args.users} users for {args.seconds:.0f} s; load {load_average()}")
    print(HEADER)
    for run in range(1, args.runs + 1):
        send = lambda: crowd(load, args.users, args.seconds, args.max_requests)  # noqa: E731
        crowds.append(measured(served, fake, send))
        print(row(name, run, crowds[-1]), flush=True)
        fake.call("bench.reset")
    return bursts, crowds


def bench_database(kind: str, args: argparse.Namespace, library: PlaybookLibrary) -> list[str]:
    backend = fresh_database(kind)
    try:
        started = time.perf_counter()
        bulk_load(backend.db, library, args.onboardings)
        print(
            f"\n== {kind}: {args.onboardings:,} onboardings loaded in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        customers = open_customers(backend.db)
        backend.db.engine.dispose()
        threads = server_threads()
        with fake_slack() as fake:
            port = free_port()
            bare_cmd = [
                sys.executable,
                "-m",
                "bench.burst",
                "_bare",
                str(port),
                fake.url,
                str(threads),
            ]
            with server("bare", bare_cmd, python_env(ROOT), port) as served:
                bare, _ = bench_app("bare", args, served, fake, customers)
            port = free_port()
            profile_out = Path(tempfile.mkstemp(suffix=".prof")[1]) if args.profile else None
            env = onboard_env(args, backend.db.url, fake, port)
            command, root = onboard_command(profile_out), Path(args.app_root)
            with server("onboard", command, env, port, cwd=root) as served:
                ours, crowds = bench_app("onboard", args, served, fake, customers)
        if profile_out is not None:
            print_profile(profile_out, sum(len(r.shots) for r in ours + crowds) + 40)
        return verdicts(kind, ours, bare, crowds)
    finally:
        backend.cleanup()


def print_profile(path: Path, requests: int) -> None:
    import pstats

    if not path.stat().st_size:
        print("profile: nothing recorded")
        return
    stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(
        f"\nprofile of onboard serve: {total:.1f} s of CPU over all threads for {requests} "
        f"requests, {total * 1000 / requests:.2f} ms each (under the profiler's own cost)"
    )
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_fake"]:
        return run_fake()
    if argv[:1] == ["_bare"]:
        return run_bare(int(argv[1]), argv[2], int(argv[3]))
    if argv[:1] == ["_profiled"]:
        return run_profiled_serve(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--onboardings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--app-root", default=str(ROOT), help="checkout whose onboard to serve")
    args = parser.parse_args(argv)
    library = PlaybookLibrary.load(ROOT / "templates")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    lines = [line for kind in kinds for line in bench_database(kind, args, library)]
    print(f"\nload average at the end: {load_average()}")
    print("\n".join(lines))
    return 0 if all(": PASS " in line for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
