"""The book and the served app that bench/requests.py times `/onboard status` and `list` on.

Builds a fresh database (SQLite file in a temp dir, or a throwaway PostgreSQL schema), bulk-loads
N onboardings with SQLAlchemy Core, and serves the real Bolt app over waitress against the fake
Slack (exactly like the `slack` test fixture), driven with signed HTTP requests.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, text

from bot.config import load_settings
from bot.db import Database
from bot.entry.app import create_app
from bot.entry.server import create_server, make_wsgi_app
from bot.models import (
    ActivityEntry,
    Blocker,
    ChecklistItem,
    Milestone,
    Onboarding,
    Phase,
    Stakeholder,
)
from bot.parsing import company_key
from bot.playbooks import PlaybookLibrary
from bot.services.playbook_rows import milestone_due_dates
from tests.fakeslack import FakeSlack
from tests.slack_http import SlackHttp

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SIGNING_SECRET = "bench-signing-secret"
CSMS = ["UCSM"] + [f"UCSM{i:02d}" for i in range(1, 20)]  # 20 CSMs
# A CSM with a small book: every 200th onboarding (50 at 10,000), taken from UCSM19's share, so
# UCSM keeps 1 in 20 (500 at 10,000).
FEW_CSM = "UCSMFEW"
OTHER_USERS = ["UAE", "UADMIN"]
CHUNK = 500  # onboardings per executemany batch


def company(i: int) -> str:
    return f"Customer {i:05d} Ltd"


# ---- database ------------------------------------------------------------------------------


@dataclass
class Backend:
    db: Database
    cleanup: Any


def fresh_database(kind: str) -> Backend:
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="onboard-bench-")
        db = Database(f"sqlite:///{tmp.name}/onboard.db")
        db.upgrade()

        def cleanup() -> None:
            db.engine.dispose()
            tmp.cleanup()

        return Backend(db, cleanup)
    schema = f"onboard_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    db.upgrade()

    def cleanup_pg() -> None:
        db.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return Backend(db, cleanup_pg)


def bulk_load(db: Database, library: PlaybookLibrary, n: int, seed: int = 42) -> None:
    """N onboardings with their phases, ~9 milestones, ~40 checklist items, stakeholders,
    some blockers and activity, inserted with Core executemany in chunks."""
    rng = random.Random(seed)
    books = {p.key: p for p in library}
    mix = ["mid_market"] * 10 + ["smb"] * 5 + ["enterprise"] * 4 + ["self_serve"]
    arr_for = {
        "self_serve": (1_000, 4_900),
        "smb": (5_000, 24_900),
        "mid_market": (25_000, 99_000),
        "enterprise": (100_000, 900_000),
    }
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    tables = [Onboarding, Phase, Milestone, ChecklistItem, Stakeholder, Blocker, ActivityEntry]
    for start_i in range(1, n + 1, CHUNK):
        rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in tables}
        for i in range(start_i, min(start_i + CHUNK, n + 1)):
            book = books[rng.choice(mix)]
            start = today - timedelta(days=rng.randint(0, 120))
            dates = milestone_due_dates(book, start)
            created = datetime.combine(start, datetime.min.time(), UTC)
            roll = rng.random()
            status = "closed" if roll < 0.05 else "hypercare" if roll < 0.15 else "active"
            csm = FEW_CSM if i % 200 == 0 else CSMS[(i - 1) % len(CSMS)]
            first_value = next(m for m in book.milestones if m.first_value)
            go_live = next(m for m in book.milestones if m.go_live)
            rows[Onboarding].append(
                dict(
                    id=i,
                    company_name=company(i),
                    company_key=company_key(company(i)),
                    website=f"https://customer{i:05d}.example",
                    industry="Software",
                    company_size="200-500",
                    arr=Decimal(rng.randint(*arr_for[book.key])),
                    contract_term="12 months",
                    start_date=start,
                    segment=book.segment,
                    playbook=book.key,
                    status=status,
                    csm_user_id=csm,
                    ae_user_id="UAE",
                    customer_channel_id=None,
                    internal_channel_id=None,
                    timezone="Europe/Paris",
                    why_bought="Replace spreadsheets",
                    alternatives="",
                    systems="Salesforce",
                    sso="Okta",
                    data_migration="CSV import",
                    constraints="",
                    out_of_scope="",
                    hard_deadlines="",
                    target_first_value_date=dates[first_value.key],
                    target_go_live_date=dates[go_live.key],
                    handoff_score=80,
                    handoff_missing=["Out of scope not stated"],
                    handoff_view_id=None,
                    acknowledged_at=created + timedelta(hours=3),
                    acknowledged_by=csm,
                    first_value_at=None,
                    go_live_at=None,
                    hypercare_ends_on=None,
                    closed_at=now if status == "closed" else None,
                    last_activity_at=now,
                    created_by="UAE",
                    created_at=created,
                    updated_at=now,
                )
            )
            for pos, phase in enumerate(book.phases):
                rows[Phase].append(
                    dict(onboarding_id=i, position=pos, key=phase.key, name=phase.name)
                )
            for pos, m in enumerate(book.milestones):
                due = dates[m.key]
                done = due < today and rng.random() < 0.85
                ms_status = (
                    "complete"
                    if done
                    else "blocked"
                    if due < today and rng.random() < 0.3
                    else "pending"
                )
                rows[Milestone].append(
                    dict(
                        onboarding_id=i,
                        position=pos,
                        key=m.key,
                        name=m.name,
                        phase_key=m.phase,
                        due_date=due,
                        is_first_value=m.first_value,
                        is_go_live=m.go_live,
                        status=ms_status,
                        completed_on=due if done else None,
                        completed_at=datetime.combine(due, datetime.min.time(), UTC)
                        if done
                        else None,
                        completed_by=csm if done else None,
                    )
                )
            items = [(c.phase, c.text, c.owner, False) for c in book.checklist]
            items += [("go_live", f"[{g.group}] {g.text}", g.owner, True) for g in book.gate]
            for pos, (phase_key, item_text, owner, gate) in enumerate(items):
                done = rng.random() < 0.5
                rows[ChecklistItem].append(
                    dict(
                        onboarding_id=i,
                        position=pos,
                        phase_key=phase_key,
                        text=item_text,
                        owner_role=owner,
                        is_gate=gate,
                        done_at=now if done else None,
                        done_by=csm if done else None,
                    )
                )
            for role, name in (
                ("executive_sponsor", "Sam Sponsor"),
                ("champion", "Charlie Champion"),
                ("technical_lead", "Terry Tech"),
            ):
                rows[Stakeholder].append(
                    dict(
                        onboarding_id=i,
                        name=f"{name} {i}",
                        title="",
                        role=role,
                        slack_user_id=None,
                        email=f"{role}@customer{i:05d}.example",
                        departed_at=None,
                        last_contact_at=now - timedelta(days=rng.randint(0, 30)),
                    )
                )
            if rng.random() < 0.2:
                rows[Blocker].append(
                    dict(
                        onboarding_id=i,
                        reason="Waiting on customer SSO metadata",
                        owner_user_id=csm,
                        opened_at=now - timedelta(days=2),
                        opened_by=csm,
                        resolved_at=None,
                        resolved_by=None,
                    )
                )
            for k in range(3):
                rows[ActivityEntry].append(
                    dict(
                        onboarding_id=i,
                        actor_user_id=csm,
                        action="milestone_completed",
                        detail=f"Step {k}",
                        data={"k": k},
                        created_at=created + timedelta(days=k),
                    )
                )
        with db.engine.begin() as connection:
            for table in tables:
                if rows[table]:
                    connection.execute(insert(table.__table__), rows[table])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('onboarding', 'id'), :n)"), {"n": n}
            )
            connection.execute(text("ANALYZE"))


# ---- the app over HTTP ---------------------------------------------------------------------


class ReplyClock:
    """Timestamps each response_url POST the fake receives (the app's reply reaching Slack)."""

    def __init__(self, fake: FakeSlack) -> None:
        self.cond = threading.Condition()
        self.count = 0
        self.last_at = 0.0
        original = fake._handle_response_url

        def handle(ident: str, body: bytes):  # type: ignore[no-untyped-def]
            at = time.perf_counter()
            reply = original(ident, body)
            with self.cond:
                self.count += 1
                self.last_at = at
                self.cond.notify_all()
            return reply

        fake._handle_response_url = handle  # type: ignore[method-assign]

    def wait_past(self, count: int, timeout: float = 30.0) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: self.count > count, timeout):
                raise TimeoutError("no reply on response_url")
            return self.last_at


def run_until_closed(server: Any) -> None:
    # Closing the listening socket from another thread ends select() with EBADF.
    with contextlib.suppress(OSError):
        server.run()


@dataclass
class Served:
    http: SlackHttp
    fake: FakeSlack
    clock: ReplyClock
    close: Any


def serve(db: Database, library: PlaybookLibrary) -> Served:
    fake = FakeSlack()
    fake.start()
    for user_id in [*CSMS, FEW_CSM, *OTHER_USERS]:
        fake.add_user(user_id, name=user_id.lower(), real_name=f"{user_id} Person")
    fake.add_channel("C0GENERAL", "general")
    clock = ReplyClock(fake)
    base = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": "sqlite://",
            "ONBOARD_ADMINS": "UADMIN",
        }
    )
    settings = replace(base, database_url=db.url)
    listeners = ThreadPoolExecutor(max_workers=64)
    app = create_app(settings, db=db, playbooks=library, listener_executor=listeners)
    server = create_server(make_wsgi_app(app, db), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=run_until_closed, args=(server,), daemon=True)
    thread.start()
    http = SlackHttp(
        f"http://127.0.0.1:{server.effective_port}/slack/events",
        SIGNING_SECRET,
        team_id=fake.team_id,
        fake=fake,
    )

    def close() -> None:
        server.close()
        thread.join(timeout=5)
        listeners.shutdown(wait=True)
        fake.stop()

    return Served(http, fake, clock, close)


def timed(served: Served, text_: str, *, replies: bool) -> tuple[float, float | None]:
    """(ack ms, reply ms or None) for one command."""
    before = served.clock.count
    t0 = time.perf_counter()
    response = served.http.command(text_, user_id="UCSM")
    t_ack = time.perf_counter()
    if response.status != 200:
        raise RuntimeError(f"{text_!r}: HTTP {response.status} {response.text[:200]}")
    if not replies:
        return (t_ack - t0) * 1000, None
    t_reply = served.clock.wait_past(before)
    return (t_ack - t0) * 1000, (t_reply - t0) * 1000


def count_queries(served: Served, db: Database, text_: str) -> int:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        timed(served, text_, replies=True)
        time.sleep(0.05)  # let the listener thread close its session
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
