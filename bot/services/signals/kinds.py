"""The signal kinds and severities (the names templates/signals.yml and the detector share),
and the gravity a signal was told at."""

from __future__ import annotations

import enum
from typing import NamedTuple


class SignalKind(enum.StrEnum):
    MILESTONE_DELAYED = "milestone_delayed"
    MILESTONE_MISSED = "milestone_missed"
    MULTIPLE_DELAYS = "multiple_delays"
    BLOCKER_OPEN = "blocker_open"
    NO_KICKOFF = "no_kickoff"
    SILENCE = "silence"
    SINGLE_THREADED = "single_threaded"
    CHAMPION_GONE = "champion_gone"
    COMMITMENT_OVERDUE = "commitment_overdue"
    HYPERCARE_SLA_BREACH = "hypercare_sla_breach"
    HEALTH_LOW = "health_low"
    HEALTH_CHECK_MISSING = "health_check_missing"
    INTEGRATION_FAILING = "integration_failing"
    TRAINING_LOW_ATTENDANCE = "training_low_attendance"
    CUSTOMER_WAITING = "customer_waiting"
    CUSTOMER_QUIET = "customer_quiet"
    SLOW_CUSTOMER_REPLIES = "slow_customer_replies"
    NO_USAGE = "no_usage"
    ADOPTION_BEHIND = "adoption_behind"
    USAGE_DROPPING = "usage_dropping"
    SCOPE_GROWING = "scope_growing"


# The conversation signals fire after a span of business time, `after` in signals.yml.
TIMED_KINDS = frozenset(
    {SignalKind.CUSTOMER_WAITING, SignalKind.CUSTOMER_QUIET, SignalKind.SLOW_CUSTOMER_REPLIES}
)


# Kinds that are stages of one alert: delayed -> missed is a change of state, not a new alert.
ALERT_FAMILY = {
    SignalKind.MILESTONE_DELAYED: "milestone_late",
    SignalKind.MILESTONE_MISSED: "milestone_late",
}


class AlertSeverity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def escalates(self) -> bool:
        """High and critical signals escalate to CS leadership when left unacknowledged."""
        return self.rank >= AlertSeverity.HIGH.rank


_RANK = {severity: rank for rank, severity in enumerate(AlertSeverity)}


class Gravity(NamedTuple):
    """How bad a signal is: its level, the step its measure reached, its severity's rank."""

    level: int
    step: int
    severity: int

    def worse_than(self, told: Gravity) -> bool:
        """Higher severity, or a higher level or step (a missed milestone, 10 days late)."""
        return self.severity > told.severity or (self.level, self.step) > (told.level, told.step)

    def better_than(self, told: Gravity) -> bool:
        return self.severity < told.severity or (self.level, self.step) < (told.level, told.step)


def fingerprint_gravity(fingerprint: str) -> Gravity | None:
    """The gravity a stored fingerprint was told at; None for one stored before steps and
    severities were (then only its level is known, and nothing else counts as worse)."""
    parts = fingerprint.split("|")
    if len(parts) != 5 or not all(p.isdigit() for p in (parts[0], parts[3], parts[4])):
        return None
    return Gravity(int(parts[0]), int(parts[3]), int(parts[4]))
