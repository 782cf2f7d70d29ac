"""Signed requests already acted on: a replay inside Slack's 5-minute window changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db import insert_unless_exists
from bot.models import SeenRequest

# Kept a little longer than the timestamp window, so a clock a few seconds off cannot let a
# replay through just after its row was forgotten.
KEEP_FOR = timedelta(minutes=6)


def first_sighting(session: Session, digest: str, now: datetime) -> bool:
    """Record the request's signature digest; False when it was already recorded (a replay)."""
    inserted = insert_unless_exists(session, SeenRequest, {"signature": digest, "seen_at": now})
    return inserted is not None


def forget_old(session: Session, now: datetime) -> None:
    """Drop signatures too old for Slack's timestamp check to accept again."""
    session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP_FOR))
