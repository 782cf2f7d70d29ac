"""What the detector finds (bot/services/signals/detection.py): one `Signal` per thing wrong,
and how its stored fingerprint reads back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.signals.kinds import ALERT_FAMILY, AlertSeverity, Gravity, SignalKind


@dataclass(slots=True)
class Signal:
    """One thing wrong with one onboarding (read-only once detected: not frozen, because a
    frozen dataclass takes five times as long to make, and a scan makes some 400,000).

    `state` is a fingerprint that changes when the signal gets worse (`level` grows):
    delayed -> missed, one more late milestone, departed after silent. `since` is when the
    underlying problem started."""

    onboarding_id: int
    kind: SignalKind
    subject: str
    severity: AlertSeverity
    since: datetime
    state: str
    level: int
    facts: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    step: int = 0  # how many of its measure's `worse_at` values (signals.yml) it has reached
    covered: bool = False  # another signal says it too (signals.yml `covered_by`): no reminder

    @property
    def alert_key(self) -> str:
        """The AlertState.signal this signal is bookkept under."""
        return ALERT_FAMILY.get(self.kind, self.kind.value)

    @property
    def fingerprint(self) -> str:
        """What AlertState.state stores: `level|kind|state|step|severity`, so how bad it was
        when last told can be read back (`Gravity`)."""
        return f"{self.level}|{self.kind.value}|{self.state}|{self.step}|{self.severity.rank}"

    @property
    def gravity(self) -> Gravity:
        return Gravity(self.level, self.step, self.severity.rank)


def fingerprint_level(fingerprint: str) -> int:
    head = fingerprint.split("|", 1)[0]
    return int(head) if head.isdigit() else 0


def signal_kind(fingerprint: str) -> SignalKind | None:
    """The kind a stored fingerprint was made from (delayed or missed for a late milestone)."""
    parts = fingerprint.split("|")
    return SignalKind(parts[1]) if len(parts) > 1 and parts[1] in set(SignalKind) else None
