"""The sender's bookkeeping of the rows it delivers, one short transaction per step.

The sender is an edge: each step commits here at once (a claim, a renewed lease, the `ts` Slack
answered, the outcome), so that no transaction is ever held across a Web API call and a crash
loses nothing that Slack has already seen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.models import OutboxStatus
from bot.services import outbox
from bot.slack.outbox_rows import ClaimedRow
from bot.slack.send_failures import LeaseLost

# (status, ts) of a reply's thread parent when the reply was claimed; None: no such parent.
ParentState = tuple[str, str | None] | None


class DeliveryLedger:
    def __init__(self, db: Database, owner: str, lease: timedelta) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease

    def lease_from(self, now: datetime) -> timedelta:
        """The lease from `now` that also lasts `self.lease` of real time: a pass run as of a past
        moment (`jobs run --now`) must not hand out leases that a live process sees as expired."""
        return self.lease + max(timedelta(0), datetime.now(UTC) - now)

    def claim(self, message_id: int, now: datetime) -> tuple[ClaimedRow, ParentState] | None:
        """The row and its thread parent's state, or None when another process holds it."""
        with self.db.session() as session:
            claimed = outbox.claim(
                session, message_id, owner=self.owner, now=now, lease=self.lease_from(now)
            )
            if claimed is None:
                session.rollback()
                return None
            row = ClaimedRow.of(claimed)
            parent = outbox.message_by_key(session, row.thread_of) if row.thread_of else None
            parent_state = (parent.status, parent.ts) if parent is not None else None
            session.commit()
        return row, parent_state

    def renew(self, row: ClaimedRow, now: datetime) -> None:
        # `now` is the pass's clock (fixed by tests and `jobs run --now`); a row takes seconds.
        with self.db.session() as session:
            ok = outbox.renew(
                session, row.id, owner=self.owner, now=now, lease=self.lease_from(now)
            )
            session.commit()
        if not ok:
            raise LeaseLost(row.key)

    def record_ts(self, row: ClaimedRow, ts: str | None) -> bool:
        with self.db.session() as session:
            recorded = outbox.record_ts(
                session, row.id, owner=self.owner, channel=row.channel, ts=ts
            )
            session.commit()
        return recorded

    def finish_sent(self, row: ClaimedRow, now: datetime) -> bool:
        """Mark the row sent; False when its content changed meanwhile (it is edited next)."""
        with self.db.session() as session:
            done = outbox.finish_sent(
                session, row.id, owner=self.owner, channel=row.channel, payload=row.payload, now=now
            )
            session.commit()
        return done

    def release(self, row: ClaimedRow, at: datetime, error: str, *, counted: bool) -> None:
        with self.db.session() as session:
            outbox.release(
                session,
                row.id,
                owner=self.owner,
                next_attempt_at=at,
                error=error,
                attempts=None if counted else row.attempts - 1,
            )
            session.commit()

    def settle(self, row: ClaimedRow, status: OutboxStatus, error: str) -> None:
        with self.db.session() as session:
            outbox.settle(session, row.id, owner=self.owner, status=status, error=error)
            session.commit()
