"""The facts each signal carries (the detector fills them; a `what` template of
templates/signals.yml may name them), with one sample of each to check the templates against."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from bot.services.signals.kinds import SignalKind
from bot.services.signals.usage_facts import (
    ADOPTION_BEHIND_SAMPLE,
    NO_USAGE_SAMPLE,
    USAGE_DROPPING_SAMPLE,
    AdoptionBehindFacts,
    NoUsageFacts,
    UsageDroppingFacts,
)


class ScopeGrowingFacts(TypedDict):
    approved: int
    plan_items: int
    percent: int
    threshold: int


class MilestoneLateFacts(TypedDict):
    milestone: str
    due: date
    days_late: int


class MultipleDelaysFacts(TypedDict):
    count: int
    milestones: list[str]


class BlockerOpenFacts(TypedDict):
    reason: str
    owner: str
    days_open: int
    subject_owner: str


class NoKickoffFacts(TypedDict):
    deadline: date
    business_days: int


class SilenceFacts(TypedDict):
    days: int
    last_activity: date


class SingleThreadedFacts(TypedDict):
    count: int
    minimum: int


class ChampionGoneFacts(TypedDict):
    name: str
    reason: Literal["departed", "no_contact"]
    days: int


class CommitmentOverdueFacts(TypedDict):
    text: str
    due: date
    owner: str | None
    days_late: int
    subject_owner: str | None


class SlaBreachFacts(TypedDict):
    number: int
    priority: str
    title: str
    clock: Literal["response", "resolution"]
    due: datetime


class HealthLowFacts(TypedDict):
    score: int
    status: str
    response: str
    checked: date


class HealthCheckMissingFacts(TypedDict):
    days: int
    last_check: date | None


class IntegrationFailingFacts(TypedDict):
    name: str
    owner: str | None
    failing_since: date
    days: int
    notes: str
    subject_owner: str | None


class LowAttendanceFacts(TypedDict):
    track: str
    attended: int
    invited: int
    percent: int
    threshold: int
    delivered: date


class CustomerWaitingFacts(TypedDict):
    asked_on: date
    hours: int  # business hours waited
    target: str  # the reply target in words
    threads: int


class CustomerQuietFacts(TypedDict):
    days: int  # business days since the customer's last message
    last_message: date | None


class SlowRepliesFacts(TypedDict):
    median_hours: int  # business hours
    replies: int
    target: str


FACT_TYPES: dict[SignalKind, type] = {
    SignalKind.MILESTONE_DELAYED: MilestoneLateFacts,
    SignalKind.MILESTONE_MISSED: MilestoneLateFacts,
    SignalKind.MULTIPLE_DELAYS: MultipleDelaysFacts,
    SignalKind.BLOCKER_OPEN: BlockerOpenFacts,
    SignalKind.NO_KICKOFF: NoKickoffFacts,
    SignalKind.SILENCE: SilenceFacts,
    SignalKind.SINGLE_THREADED: SingleThreadedFacts,
    SignalKind.CHAMPION_GONE: ChampionGoneFacts,
    SignalKind.COMMITMENT_OVERDUE: CommitmentOverdueFacts,
    SignalKind.HYPERCARE_SLA_BREACH: SlaBreachFacts,
    SignalKind.HEALTH_LOW: HealthLowFacts,
    SignalKind.HEALTH_CHECK_MISSING: HealthCheckMissingFacts,
    SignalKind.INTEGRATION_FAILING: IntegrationFailingFacts,
    SignalKind.TRAINING_LOW_ATTENDANCE: LowAttendanceFacts,
    SignalKind.CUSTOMER_WAITING: CustomerWaitingFacts,
    SignalKind.CUSTOMER_QUIET: CustomerQuietFacts,
    SignalKind.SLOW_CUSTOMER_REPLIES: SlowRepliesFacts,
    SignalKind.NO_USAGE: NoUsageFacts,
    SignalKind.ADOPTION_BEHIND: AdoptionBehindFacts,
    SignalKind.USAGE_DROPPING: UsageDroppingFacts,
    SignalKind.SCOPE_GROWING: ScopeGrowingFacts,
}


@functools.cache
def _facts_adapter(kind: SignalKind) -> TypeAdapter[Any]:
    return TypeAdapter(FACT_TYPES[kind])


def typed_facts(kind: SignalKind, facts: Mapping[str, Any]) -> dict[str, Any]:
    """A signal's facts with their types back: the outbox stores dates as ISO strings, and a
    `what` template formats dates."""
    return dict(_facts_adapter(kind).validate_python(facts))


# One example of the facts each signal carries: `what` templates are rendered against it when
# the catalog loads, so a template naming a fact that does not exist fails at start-up.
SAMPLE_FACTS: dict[SignalKind, dict[str, Any]] = {
    SignalKind.MILESTONE_DELAYED: {"milestone": "Kickoff", "due": date(2026, 1, 5), "days_late": 2},
    SignalKind.MILESTONE_MISSED: {"milestone": "Kickoff", "due": date(2026, 1, 5), "days_late": 5},
    SignalKind.MULTIPLE_DELAYS: {"count": 3, "milestones": ["A", "B", "C"]},
    SignalKind.BLOCKER_OPEN: {"reason": "SSO", "owner": "U1", "days_open": 3},
    SignalKind.NO_KICKOFF: {"deadline": date(2026, 1, 5), "business_days": 3},
    SignalKind.SILENCE: {"days": 7, "last_activity": date(2026, 1, 5)},
    SignalKind.SINGLE_THREADED: {"count": 1, "minimum": 2},
    SignalKind.CHAMPION_GONE: {"name": "Priya", "reason": "departed", "days": 3},
    SignalKind.COMMITMENT_OVERDUE: {
        "text": "SAP connector",
        "due": date(2026, 1, 5),
        "owner": "U1",
        "days_late": 1,
    },
    SignalKind.HYPERCARE_SLA_BREACH: {
        "number": 1,
        "priority": "P1",
        "title": "Down",
        "clock": "response",
        "due": datetime(2026, 1, 5, tzinfo=UTC),
    },
    SignalKind.HEALTH_LOW: {
        "score": 42,
        "status": "Critical",
        "response": "Leadership escalation within 24 hours.",
        "checked": date(2026, 1, 5),
    },
    SignalKind.HEALTH_CHECK_MISSING: {"days": 9, "last_check": None},
    SignalKind.INTEGRATION_FAILING: {
        "name": "SAP ERP",
        "owner": "U1",
        "failing_since": date(2026, 1, 5),
        "days": 2,
        "notes": "IDoc sync times out",
    },
    SignalKind.TRAINING_LOW_ATTENDANCE: {
        "track": "Admins",
        "attended": 5,
        "invited": 10,
        "percent": 50,
        "threshold": 80,
        "delivered": date(2026, 1, 5),
    },
    SignalKind.CUSTOMER_WAITING: {
        "asked_on": date(2026, 1, 5),
        "hours": 9,
        "target": "4 business hours",
        "threads": 2,
    },
    SignalKind.CUSTOMER_QUIET: {"days": 6, "last_message": date(2026, 1, 5)},
    SignalKind.SLOW_CUSTOMER_REPLIES: {
        "median_hours": 20,
        "replies": 4,
        "target": "2 business days (16 business hours)",
    },
    SignalKind.NO_USAGE: NO_USAGE_SAMPLE,
    SignalKind.ADOPTION_BEHIND: ADOPTION_BEHIND_SAMPLE,
    SignalKind.USAGE_DROPPING: USAGE_DROPPING_SAMPLE,
    SignalKind.SCOPE_GROWING: {"approved": 5, "plan_items": 44, "percent": 11, "threshold": 10},
}
