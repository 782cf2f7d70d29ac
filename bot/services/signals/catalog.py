"""The signal catalog (templates/signals.yml): what each signal is called, how severe it is,
the intervention, who acts and the `what` template, with per-playbook overrides.

The catalog checks the file's shape; bot/slack/alert_views.py renders the `what` templates
(and checks them against SAMPLE_FACTS at start-up).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from typing_extensions import TypedDict

from bot.services.health import HealthStatus
from bot.services.signals.usage_facts import (
    ADOPTION_BEHIND_SAMPLE,
    NO_USAGE_SAMPLE,
    USAGE_DROPPING_SAMPLE,
    AdoptionBehindFacts,
    NoUsageFacts,
    UsageDroppingFacts,
)
from bot.yaml_files import load_yaml_model


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

Actor = Literal["csm", "ae", "subject_owner", "leadership"]
Priority = Literal["P1", "P2", "P3", "P4"]
# The first words of a playbook's `touch_model` (bot/playbooks.Playbook.touch).
TouchModel = Literal["high-touch", "medium-touch", "low-touch", "tech-touch"]

# The facts each signal carries, which its `what` template may name (the detector fills them).


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
        "target": "1 business day",
        "threads": 2,
    },
    SignalKind.CUSTOMER_QUIET: {"days": 6, "last_message": date(2026, 1, 5)},
    SignalKind.SLOW_CUSTOMER_REPLIES: {
        "median_hours": 20,
        "replies": 4,
        "target": "2 business days",
    },
    SignalKind.NO_USAGE: NO_USAGE_SAMPLE,
    SignalKind.ADOPTION_BEHIND: ADOPTION_BEHIND_SAMPLE,
    SignalKind.USAGE_DROPPING: USAGE_DROPPING_SAMPLE,
}


BUSINESS_SPAN = r"^[1-9][0-9]{0,3}[hd]$"


class SignalCatalogError(ValueError):
    """templates/signals.yml is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalDef(_Strict):
    name: str = Field(min_length=1, max_length=60)
    severity: AlertSeverity
    severity_by_priority: dict[Priority, AlertSeverity] = Field(default_factory=dict)
    severity_by_status: dict[HealthStatus, AlertSeverity] = Field(default_factory=dict)
    what: str = Field(min_length=1, max_length=500)
    intervention: str = Field(min_length=1, max_length=300)
    act: list[Actor] = Field(min_length=1)
    # TIMED_KINDS: business time in the onboarding's zone, `4h` or `1d` (one open day).
    after: str | None = Field(default=None, pattern=BUSINESS_SPAN)
    # A measure (an integer fact) and the values at which it is told again as worse.
    worse_at: dict[str, list[Annotated[int, Field(ge=1)]]] = Field(default_factory=dict)
    # Touch models the signal does not fit: off for their playbooks unless one turns it on.
    off_for: list[TouchModel] = Field(default_factory=list)
    enabled: bool = True
    # A signal that says the same fact at once: while it is detected, this one is not reminded.
    covered_by: SignalKind | None = None


class SignalOverride(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    severity: AlertSeverity | None = None
    severity_by_priority: dict[Priority, AlertSeverity] | None = None
    severity_by_status: dict[HealthStatus, AlertSeverity] | None = None
    what: str | None = Field(default=None, min_length=1, max_length=500)
    intervention: str | None = Field(default=None, min_length=1, max_length=300)
    act: list[Actor] | None = Field(default=None, min_length=1)
    after: str | None = Field(default=None, pattern=BUSINESS_SPAN)
    worse_at: dict[str, list[Annotated[int, Field(ge=1)]]] | None = None
    enabled: bool | None = None


class _CatalogFile(_Strict):
    signals: dict[SignalKind, SignalDef]
    playbooks: dict[str, dict[SignalKind, SignalOverride]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> _CatalogFile:
        missing = [kind.value for kind in SignalKind if kind not in self.signals]
        if missing:
            raise ValueError(f"signals: missing {', '.join(missing)}")
        untimed = [kind.value for kind in sorted(TIMED_KINDS) if not self.signals[kind].after]
        if untimed:
            raise ValueError(f"signals: {untimed[0]}: `after` is required (e.g. 4h or 1d)")
        for kind, definition in self.signals.items():
            _check_worse_at(f"signals.{kind}", kind, definition.worse_at)
        for playbook, overrides in self.playbooks.items():
            for kind, override in overrides.items():
                _check_worse_at(f"playbooks.{playbook}.{kind}", kind, override.worse_at or {})
        return self


def _check_worse_at(where: str, kind: SignalKind, worse_at: Mapping[str, list[int]]) -> None:
    """`worse_at` names one whole-number fact of its signal, with values that grow."""
    if len(worse_at) > 1:
        raise ValueError(f"{where}.worse_at: one measure only")
    facts = get_type_hints(FACT_TYPES[kind])
    for fact, values in worse_at.items():
        if facts.get(fact) is not int:
            measures = sorted(k for k, t in facts.items() if t is int)
            raise ValueError(f"{where}.worse_at: {fact!r} is not a measure of {kind} {measures}")
        if values != sorted(set(values)):
            raise ValueError(f"{where}.worse_at.{fact}: values must grow")


class SignalCatalog:
    """Name, severity, intervention and who acts, per signal, with per-playbook overrides."""

    def __init__(
        self,
        signals: Mapping[SignalKind, SignalDef],
        playbooks: Mapping[str, Mapping[SignalKind, SignalOverride]] | None = None,
        *,
        path: Path | None = None,
    ) -> None:
        self.path = path or Path("signals.yml")
        self._signals = dict(signals)
        self._merged: dict[tuple[str, SignalKind], SignalDef] = {}
        self._overrides: dict[tuple[str, SignalKind], SignalOverride] = {}
        for playbook, overrides in (playbooks or {}).items():
            for kind, override in overrides.items():
                self._overrides[(playbook, kind)] = override
                changes = override.model_dump(exclude_none=True)
                self._merged[(playbook, kind)] = self._signals[kind].model_copy(update=changes)
        self.playbook_keys = frozenset((playbooks or {}).keys())

    @classmethod
    def load(cls, templates_dir: Path) -> SignalCatalog:
        path = templates_dir / "signals.yml"
        parsed = load_yaml_model(_CatalogFile, path, SignalCatalogError)
        return cls(parsed.signals, parsed.playbooks, path=path)

    def wordings(self) -> Iterator[tuple[str, SignalKind, str]]:
        """Each `what` template with where it is written (`signals` or `playbooks.<key>`)."""
        for kind, definition in self._signals.items():
            yield "signals", kind, definition.what
        for (playbook, kind), definition in self._merged.items():
            yield f"playbooks.{playbook}", kind, definition.what

    def check_playbooks(self, known: Iterable[str]) -> None:
        unknown = sorted(self.playbook_keys - set(known))
        if unknown:
            raise SignalCatalogError(f"signals.yml: playbooks: unknown playbook {unknown[0]!r}")

    def definition(self, kind: SignalKind, playbook: str = "") -> SignalDef:
        return self._merged.get((playbook, kind)) or self._signals[kind]

    def enabled(self, kind: SignalKind, playbook: str, touch: str) -> bool:
        """Whether the signal is detected for a playbook of this touch model: a playbook's
        `enabled` wins; else off for the touch models the signal does not fit."""
        override = self._overrides.get((playbook, kind))
        if override is not None and override.enabled is not None:
            return override.enabled
        definition = self._signals[kind]
        return definition.enabled and touch not in definition.off_for

    def step(self, kind: SignalKind, playbook: str, facts: Mapping[str, Any]) -> int:
        """How many of the signal's `worse_at` values its measure has reached."""
        worse_at = self.definition(kind, playbook).worse_at
        return sum(
            1 for fact, values in worse_at.items() for value in values if facts[fact] >= value
        )

    def severity(
        self, kind: SignalKind, playbook: str, priority: str | None = None
    ) -> AlertSeverity:
        definition = self.definition(kind, playbook)
        if priority is not None and priority in definition.severity_by_priority:
            return definition.severity_by_priority[priority]  # type: ignore[index]
        if priority is not None and priority in definition.severity_by_status:
            return definition.severity_by_status[priority]  # type: ignore[index]
        return definition.severity


@functools.cache
def load_catalog(templates_dir: Path) -> SignalCatalog:
    """The catalog of a templates directory, read once per process."""
    return SignalCatalog.load(templates_dir)
