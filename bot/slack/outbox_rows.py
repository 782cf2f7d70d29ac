"""What one delivery pass did, and what the sender needs of a row it claimed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.models import OutboxMessage


@dataclass
class DeliveryReport:
    """Idempotency keys by what happened to them in one pass."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # thread replies whose parent is pending
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # due, but Slack access is suspended

    def add(self, outcome: str, key: str) -> None:
        getattr(self, outcome).append(key)

    def merge(self, other: DeliveryReport) -> DeliveryReport:
        for name in ("sent", "retrying", "waiting", "failed", "skipped", "parked"):
            getattr(self, name).extend(getattr(other, name))
        return self

    def __str__(self) -> str:
        parked = f", parked {len(self.parked)}" if self.parked else ""
        return (
            f"sent {len(self.sent)}, retrying {len(self.retrying)}, waiting "
            f"{len(self.waiting)}, failed {len(self.failed)}, skipped {len(self.skipped)}" + parked
        )


@dataclass(frozen=True)
class ClaimedRow:
    """What the sender needs of a claimed row, detached from the session."""

    id: int
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    ts: str | None
    thread_of: str | None
    attempts: int  # including the one in progress
    created_at: datetime
    expires_at: datetime | None
    onboarding_id: int | None

    @classmethod
    def of(cls, m: OutboxMessage) -> ClaimedRow:
        return cls(
            m.id,
            m.idempotency_key,
            m.kind,
            m.channel,
            dict(m.payload or {}),
            m.ts,
            m.thread_of,
            m.attempts,
            m.created_at,
            m.expires_at,
            m.onboarding_id,
        )
