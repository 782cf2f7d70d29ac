"""Migration 0011: existing onboardings keep their current dates as the replan baseline."""

from __future__ import annotations

import random

from alembic import command
from sqlalchemy import insert, select

from bench.metrics import rows_for
from bot.db import Database, alembic_config
from bot.models import Milestone, Onboarding
from bot.services.replan import go_live_date
from tests.platform.test_rollup import empty_url

__all__ = ["empty_url"]  # the fixture, shared with the rollup's backfill test


def test_existing_onboardings_get_their_current_dates_as_baseline(empty_url: str) -> None:
    db = Database(empty_url)
    command.upgrade(alembic_config(db.engine), "0010")
    with db.engine.begin() as connection:  # a book written before the baseline existed
        for model, rows in rows_for(1, 40, random.Random(11)).items():
            if rows:
                connection.execute(insert(model), rows)
    db.upgrade()
    with db.session() as session:
        milestones = session.scalars(select(Milestone)).all()
        assert milestones and all(m.baseline_due_date == m.due_date for m in milestones)
        for onboarding in session.scalars(select(Onboarding)):
            assert onboarding.replan_count == 0
            assert onboarding.baseline_go_live_date == go_live_date(onboarding)
