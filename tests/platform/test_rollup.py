"""Each onboarding's rollup (bot/rollup.py) follows every change to its milestones and health
checks in the same transaction, survives two writers at once, and the migration that added it
filled it for the onboardings that already existed; the metrics read it."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.orm import Session

from bench.metrics import rows_for
from bot import rollup
from bot.db import Database, alembic_config
from bot.models import Milestone, MilestoneStatus, Onboarding, OnboardingRollup
from bot.playbooks import PlaybookLibrary
from bot.services.metrics import book_metrics
from bot.services.milestones import complete_named_milestone, reopen_milestone
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _postgres_reachable
from tests.factories import CSM
from tests.services.test_handoff_service import submit
from tests.services.test_health import record

NOW = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
ADMINS = frozenset({"UADMIN"})


def stored(session: Session) -> dict[int, tuple]:
    columns = [getattr(OnboardingRollup, name) for name in rollup.COLUMNS]
    return {row[0]: tuple(row) for row in session.execute(select(*columns))}


def computed(session: Session) -> dict[int, tuple]:
    return {row[0]: tuple(row) for row in session.execute(rollup.figures())}


def assert_current(db: Database) -> OnboardingRollup:
    """The stored rollup is what the milestones and checks make now; the (only) row."""
    with db.session() as fresh:
        assert stored(fresh) == computed(fresh)
        row = fresh.scalars(select(OnboardingRollup)).one()
        fresh.expunge(row)
        return row


def done(session: Session, onboarding_id: int, key: str, when: datetime = NOW) -> None:
    complete_named_milestone(session, onboarding_id, key, CSM, admins=ADMINS, now=when)
    session.commit()  # as the edge does


def test_the_rollup_follows_every_change(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    row = assert_current(db)
    plan_end = max(m.due_date for m in onboarding.milestones)
    assert (row.milestones, row.milestones_done, row.milestone_stage) == (9, 0, 0)
    assert (row.plan_end, row.health_status) == (plan_end, None)

    done(session, onboarding.id, "kickoff")  # due after NOW: on time
    row = assert_current(db)
    assert (row.milestones_done, row.milestones_completed, row.milestones_on_time) == (1, 1, 1)
    assert row.milestone_stage == 1  # kicked off

    setup = next(m for m in onboarding.milestones if m.key == "technical_setup")
    setup.status = MilestoneStatus.WAIVED  # a waiver counts as done, not as completed
    session.commit()
    row = assert_current(db)
    assert (row.milestones_done, row.milestones_completed, row.milestone_stage) == (2, 1, 2)

    kickoff = next(m for m in onboarding.milestones if m.key == "kickoff")
    reopen_milestone(session, kickoff.id, CSM, admins=ADMINS, now=NOW)
    session.commit()
    row = assert_current(db)
    assert (row.milestones_done, row.milestones_completed, row.milestone_stage) == (1, 0, 2)

    last = max(onboarding.milestones, key=lambda m: m.due_date)
    last.due_date += timedelta(days=30)  # the plan moves
    session.commit()
    assert assert_current(db).plan_end == plan_end + timedelta(days=30)

    low = record(session, onboarding.id, now=NOW, engagement=1, adoption=1, sentiment=1)
    session.commit()  # the edge's transaction
    assert assert_current(db).health_score == low.assessment.score
    high = record(session, onboarding.id, now=NOW + timedelta(days=7))  # the latest counts
    session.commit()
    row = assert_current(db)
    assert high.assessment.score > low.assessment.score
    assert (row.health_status, row.health_score, row.health_checked_at) == (
        high.assessment.status.key.value,
        high.assessment.score,
        NOW + timedelta(days=7),
    )

    before_last = max(m.due_date for m in onboarding.milestones if m is not last)
    session.delete(last)
    session.commit()
    row = assert_current(db)
    assert (row.milestones, row.plan_end) == (8, before_last)


def test_a_rolled_back_change_leaves_the_rollup_as_it_was(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    for milestone in onboarding.milestones:
        milestone.status, milestone.completed_on = MilestoneStatus.COMPLETE, NOW.date()
    session.flush()
    assert stored(session)[onboarding.id][3] == 9  # seen inside the transaction
    session.rollback()
    assert assert_current(db).milestones_done == 0


def test_a_deleted_onboarding_takes_its_rollup_with_it(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)
    session.delete(onboarding)
    session.commit()
    assert stored(session) == {}


def test_the_metrics_see_a_milestone_the_moment_it_is_done(
    session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = submit(session, playbooks)

    def kicked_off() -> int:
        metrics = book_metrics(session, today=NOW.date(), ttfv_targets={})
        return metrics.total.funnel[1].reached

    assert kicked_off() == 0
    done(session, onboarding.id, "kickoff")
    assert kicked_off() == 1


def test_two_writers_on_one_onboarding_both_count(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    """Each transaction's rollup must include the other's committed milestones; without the
    row lock the later one would write figures read before the first committed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    onboarding = submit(session, playbooks)
    first, second = onboarding.milestones[0].id, onboarding.milestones[1].id

    def complete(session: Session, milestone_id: int) -> None:
        milestone = session.get(Milestone, milestone_id)
        assert milestone is not None
        milestone.status, milestone.completed_on = MilestoneStatus.COMPLETE, NOW.date()
        session.flush()

    with db.session() as one, db.session() as two:
        complete(one, first)  # holds the onboarding's lock until it commits
        other = threading.Thread(target=lambda: (complete(two, second), two.commit()))
        other.start()
        time.sleep(0.5)  # the second writer is waiting for the lock
        assert other.is_alive()
        one.commit()
        other.join(10)
    assert assert_current(db).milestones_done == 2


# ---- the migration's backfill -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/onboard.db"
    reason = _postgres_reachable()
    if reason:
        pytest.fail(reason) if REQUIRE_POSTGRES else pytest.skip(reason)
    schema = f"onboard_migration_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    request.addfinalizer(lambda: _drop(admin, schema))
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def _drop(admin, schema: str) -> None:  # type: ignore[no-untyped-def]
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_the_migration_fills_the_rollup_of_existing_onboardings(empty_url: str) -> None:
    db = Database(empty_url)
    command.upgrade(alembic_config(db.engine), "0004")
    with db.engine.begin() as connection:  # a book written before the rollup existed
        for model, rows in rows_for(1, 300, random.Random(5)).items():
            if rows:
                connection.execute(insert(model), rows)
        connection.execute(delete(Milestone).where(Milestone.onboarding_id == 7))
    db.upgrade()
    with db.session() as session:
        rows = stored(session)
        assert len(rows) == 300 and rows == computed(session)
        assert {row[6] for row in rows.values()} == set(range(7))  # every funnel stage
        assert rows[7][1:7] == (None, 0, 0, 0, 0, 0)  # no milestones at all
        assert session.scalar(select(Onboarding.id).where(Onboarding.id == 7)) == 7
    db.engine.dispose()


def test_onboard_db_rollup_rebuilds_it_after_rows_written_outside_onboard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.platform.test_runtime import run_cli

    url = f"sqlite:///{tmp_path}/onboard.db"
    db = Database(url)
    db.upgrade()
    with db.engine.begin() as connection:  # an import straight into the tables
        for model, rows in rows_for(1, 50, random.Random(3)).items():
            connection.execute(insert(model), rows)
    with db.session() as session:
        assert stored(session) == {} and len(computed(session)) == 50
    result = run_cli("db", "rollup", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "rollup rebuilt for 50 onboardings" in result.stdout
    with db.session() as session:
        assert stored(session) == computed(session)
    db.engine.dispose()
