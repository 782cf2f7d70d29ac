"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the fake Slack, and
the real Bolt app served over HTTP."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.config import Settings, load_settings
from bot.db import Database
from bot.entry.app import create_app
from bot.entry.server import create_server, make_wsgi_app
from bot.models import Base
from bot.playbooks import PlaybookLibrary
from bot.slack.outbox_loop import OutboxLoop
from bot.slack.sender import OutboxSender
from tests.fakeslack import FakeSlack
from tests.slack_http import SlackHttp

POSTGRES_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ONBOARD_REQUIRE_POSTGRES") == "1"
SIGNING_SECRET = "test-signing-secret"
ROOT = Path(__file__).resolve().parent.parent


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except OperationalError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def playbooks() -> PlaybookLibrary:
    return PlaybookLibrary.load(ROOT / "templates")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database per backend for the whole session; tables are emptied per test."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "onboard.db"
        db = Database(f"sqlite:///{path}")
        db.upgrade()
        yield db
        db.engine.dispose()
        return
    reason = _postgres_reachable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"onboard_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    db.upgrade()
    yield db
    db.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    yield database
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def session(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as session:
        yield session


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    fake_slack_server.reset()
    for user_id, name in (
        ("UAE", "Alex AE"),
        ("UCSM", "Casey CSM"),
        ("UCSM2", "Robin CSM"),
        ("UADMIN", "Ada Admin"),
        ("UOTHER", "Olly Other"),
    ):
        fake_slack_server.add_user(user_id, name=name.split()[0].lower(), real_name=name)
    fake_slack_server.add_channel("C0GENERAL", "general")
    yield fake_slack_server
    assert not fake_slack_server.invalid, f"Slack rejected payloads: {fake_slack_server.invalid}"


@pytest.fixture
def settings(db: Database, fake_slack: FakeSlack) -> Settings:
    base = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": "sqlite://",
            "ONBOARD_ADMINS": "UADMIN",
        }
    )
    return replace(base, database_url=db.url)


def _run_until_closed(server) -> None:  # type: ignore[no-untyped-def]
    # Closing the listening socket from the test thread ends select() with EBADF.
    with contextlib.suppress(OSError):
        server.run()


@pytest.fixture
def outbox_loop(settings: Settings, db: Database, fake_slack: FakeSlack) -> Iterator[OutboxLoop]:
    """The outbox sender's background loop, running (the `slack` fixture's app uses it):
    `outbox_loop.kick()` asks for delivery, `outbox_loop.drain()` waits for a full pass."""
    loop = OutboxLoop(OutboxSender(db, None, settings, owner="test", timeout=5), interval=0.5)
    loop.start()
    yield loop
    loop.stop()


@pytest.fixture
def slack(
    settings: Settings,
    db: Database,
    playbooks: PlaybookLibrary,
    fake_slack: FakeSlack,
    outbox_loop: OutboxLoop,
) -> Iterator[SlackHttp]:
    """The real Bolt app behind the real WSGI server on a free port, driven over signed HTTP.
    Its outbox sender runs, so what handlers and jobs queue reaches the fake Slack."""
    listeners = ThreadPoolExecutor(max_workers=64)
    app = create_app(
        settings, db=db, playbooks=playbooks, listener_executor=listeners, outbox=outbox_loop
    )
    server = create_server(make_wsgi_app(app, db), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=_run_until_closed, args=(server,), daemon=True)
    thread.start()
    port = server.effective_port
    yield SlackHttp(
        f"http://127.0.0.1:{port}/slack/events",
        SIGNING_SECRET,
        team_id=fake_slack.team_id,
        fake=fake_slack,
    )
    server.close()
    thread.join(timeout=5)
    listeners.shutdown(wait=True)  # work after ack finishes before the tables are emptied
    app.onboard_deps.users.close()  # nor may a users.info asked in the background land later
