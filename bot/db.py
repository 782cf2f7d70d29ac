"""Engine, sessions and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot import rollup

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; the busy timeout makes writers queue, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """The engine for `url`. With `pool_size` (`onboard serve`: ONBOARD_DB_POOL_SIZE) the pool
    holds at most that many connections, opened as they are first needed; without it, the
    defaults suit a command-line run."""
    sized: dict[str, Any] = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            sized = {}  # one connection per thread (SingletonThreadPool): no size to set
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **sized
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, **(sized or {"pool_size": 10, "max_overflow": 20})
    )


class Database:
    """One engine and its session factory, shared by handlers, jobs and the CLI."""

    def __init__(
        self, url: str, engine: Engine | None = None, pool_size: int | None = None
    ) -> None:
        self.url = url
        self.engine = engine or make_engine(url, pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        rollup.keep_current(self._sessions)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work; rolled back unless the use case committed."""
        session = self._sessions()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case's unit of work, opened at the edge (handler, job, CLI): it commits once
        when the block ends and rolls back if it raises. Services never commit; reply to Slack
        after the block, never inside it."""
        with self.session() as session:
            yield session
            session.commit()

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    def upgrade(self) -> None:
        upgrade_schema(self.engine)


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema up to date (idempotent; what `onboard db upgrade` runs)."""
    command.upgrade(alembic_config(engine), "head")


def insert_unless_exists(session: Session, model: Any, values: dict[str, Any]) -> int | None:
    """INSERT a row unless it collides with a unique key: its id, or None when one existed.

    One statement (INSERT ... ON CONFLICT DO NOTHING) on SQLite and PostgreSQL alike, so two
    processes racing to insert the same key cannot both win: the database decides.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(model.id)).scalar()


def lock_row(session: Session, model: Any, row_id: int) -> None:
    """Hold row `row_id` of `model` until the transaction ends: a second writer waits here, then
    reads what the first committed, so a check made after this call cannot pass twice.

    SELECT ... FOR NO KEY UPDATE on PostgreSQL: it excludes other writers of the row but not the
    key-share locks that foreign-key checks take, so the outbox sender updating a row that
    points at this one never waits here (FOR UPDATE made that a deadlock). SQLite has no row
    locks and its reads start no transaction (two writers could both check before either
    writes), so there a no-op UPDATE takes its single write lock now rather than at the first
    flush.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(model.id).where(model.id == row_id).with_for_update(key_share=True))
        return
    table = model.__table__.name  # a model's own table name, never user input
    session.execute(text(f"UPDATE {table} SET id = id WHERE id = :id"), {"id": row_id})
