"""Signed requests already acted on: a replay inside Slack's 5-minute window changes nothing."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlalchemy import Insert, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import SeenRequest

# Kept a little longer than the timestamp window, so a clock a few seconds off cannot let a
# replay through just after its row was forgotten.
KEEP_FOR = timedelta(minutes=6)


def first_sighting(session: Session, digest: str, now: datetime) -> bool:
    """Record the request's signature digest; False when it was already recorded (a replay).

    Every request waits for this before its ack, so it is one statement built once per
    dialect and run on the session's connection (Core: the edge's session has nothing to flush),
    the same INSERT ... ON CONFLICT DO NOTHING that `bot.db.insert_unless_exists` builds anew."""
    connection = session.connection()
    values = {"signature": digest, "seen_at": now}
    return connection.execute(_record(connection.dialect.name), values).first() is not None


@functools.cache
def _record(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(SeenRequest).on_conflict_do_nothing().returning(SeenRequest.id)


def forget_old(session: Session, now: datetime) -> None:
    """Drop signatures too old for Slack's timestamp check to accept again."""
    session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP_FOR))
