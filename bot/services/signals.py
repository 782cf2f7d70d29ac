"""Stall and warning signals (domain.md): what is wrong with each open onboarding at `now`.

Detection is a pure function of one onboarding's facts (`detect`), fed by `scan`, which reads
every open onboarding with a constant number of queries (one per table, each ordered by
onboarding id and streamed in chunks) and merges the streams in memory. 100,000 onboardings
never sit in memory at once, and no onboarding costs a query of its own.

Decisions, documented here once:
- Day thresholds count calendar days between local dates (the onboarding's time zone, else
  ONBOARD_TIMEZONE): a milestone due Friday is 3 days late on Monday. Only the kickoff
  deadline counts business days, as domain.md says ("3 business days after close").
- Milestone delayed: 1..ONBOARD_DELAYED_MAX_DAYS days past due; missed: more. Both are one
  alert per milestone whose state goes delayed -> missed. The kickoff milestone is reported by
  "no kickoff" instead (the same fact twice is noise), but it counts towards multiple delays.
- Blocked: open for more than ONBOARD_BLOCKER_MAX_DAYS days. Silence: no activity for at least
  ONBOARD_SILENCE_DAYS days. Champion gone: departed, or last contact at least
  ONBOARD_CHAMPION_CONTACT_DAYS days ago (a champion whose contact is never recorded is not
  alerted on: we cannot tell). Single-threaded: fewer than ONBOARD_MIN_STAKEHOLDERS stakeholders
  who have not departed. Commitment past due: open with a due date before today.
- Hypercare SLA breach: the clocks of bot/services/hypercare.py; an issue whose resolution is
  overdue, or that is still waiting past its response time; severity by the issue's priority.
- Health low: the latest weekly health check (bot/services/health.py) is at risk or worse; the
  severity follows its status (signals.yml `severity_by_status`: at risk high, critical and
  emergency critical), and a worse status notifies again. Health check missing: no check for
  ONBOARD_HEALTH_CHECK_DAYS days (local calendar days since the last check, or since the
  contract start for the first one).
- Integration failing: an integration (bot/services/integrations.py) whose status is failing;
  one alert per integration, since its last update (when it was marked failing, or edited
  while failing).
- Training low attendance: a delivered training session whose attendance (attended / invited)
  is below its track's threshold (the playbook's `training`, bot/services/training.py), while
  the track has no delivered session at or above it; one alert per track. The query reads only
  sessions below the highest threshold of any playbook whose track has none above it; the
  detector applies the exact per-playbook, per-track threshold.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

import yaml
from jinja2 import TemplateError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Select, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.calendar import add_business_days, local_midnight, time_zone
from bot.config import Settings
from bot.models import (
    Blocker,
    Commitment,
    HypercareIssue,
    Integration,
    IntegrationStatus,
    Milestone,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
    Stakeholder,
    StakeholderRole,
    TrainingSession,
    UTCDateTime,
)
from bot.playbooks import TRAINING_AUDIENCE_LABELS
from bot.services.health import LOW_STATUSES, HealthStatus, health_rules, ranked_checks
from bot.services.hypercare import ClockStage, sla_clock
from bot.services.training import attendance_thresholds, meets
from bot.slack.mrkdwn import environment

KICKOFF_MILESTONE = "kickoff"
OPEN_STATUSES = (OnboardingStatus.ACTIVE, OnboardingStatus.HYPERCARE)
DONE_STATUSES = (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)
STREAM_CHUNK = 2000
NAMES_LISTED_MAX = 5


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
        """High and critical signals also go to the owner's DM and the escalation channel."""
        return self.rank >= AlertSeverity.HIGH.rank


_RANK = {severity: rank for rank, severity in enumerate(AlertSeverity)}

# ---- the catalog: templates/signals.yml ----------------------------------------------------

Actor = Literal["csm", "ae", "subject_owner", "leadership"]
Priority = Literal["P1", "P2", "P3", "P4"]

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
}


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


class SignalOverride(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    severity: AlertSeverity | None = None
    severity_by_priority: dict[Priority, AlertSeverity] | None = None
    severity_by_status: dict[HealthStatus, AlertSeverity] | None = None
    what: str | None = Field(default=None, min_length=1, max_length=500)
    intervention: str | None = Field(default=None, min_length=1, max_length=300)
    act: list[Actor] | None = Field(default=None, min_length=1)


class _CatalogFile(_Strict):
    signals: dict[SignalKind, SignalDef]
    playbooks: dict[str, dict[SignalKind, SignalOverride]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> _CatalogFile:
        missing = [kind.value for kind in SignalKind if kind not in self.signals]
        if missing:
            raise ValueError(f"signals: missing {', '.join(missing)}")
        return self


class SignalCatalog:
    """Name, severity, intervention and who acts, per signal, with per-playbook overrides."""

    def __init__(
        self,
        signals: Mapping[SignalKind, SignalDef],
        playbooks: Mapping[str, Mapping[SignalKind, SignalOverride]] | None = None,
    ) -> None:
        self._signals = dict(signals)
        self._merged: dict[tuple[str, SignalKind], SignalDef] = {}
        for playbook, overrides in (playbooks or {}).items():
            for kind, override in overrides.items():
                changes = override.model_dump(exclude_none=True)
                self._merged[(playbook, kind)] = self._signals[kind].model_copy(update=changes)
        self.playbook_keys = frozenset((playbooks or {}).keys())

    @classmethod
    def load(cls, templates_dir: Path) -> SignalCatalog:
        path = templates_dir / "signals.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SignalCatalogError(f"{path}: cannot read: {exc}") from None
        try:
            parsed = _CatalogFile.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise SignalCatalogError(f"{path}: {where}: {first['msg']}") from None
        catalog = cls(parsed.signals, parsed.playbooks)
        catalog._check_templates(path)
        return catalog

    def _check_templates(self, path: Path) -> None:
        definitions = [("signals", kind, d) for kind, d in self._signals.items()]
        definitions += [(f"playbooks.{pb}", kind, d) for (pb, kind), d in self._merged.items()]
        for where, kind, definition in definitions:
            try:
                environment().from_string(definition.what).render(**SAMPLE_FACTS[kind])
            except TemplateError as exc:
                raise SignalCatalogError(f"{path}: {where}.{kind}.what: {exc}") from None

    def check_playbooks(self, known: Iterable[str]) -> None:
        unknown = sorted(self.playbook_keys - set(known))
        if unknown:
            raise SignalCatalogError(f"signals.yml: playbooks: unknown playbook {unknown[0]!r}")

    def definition(self, kind: SignalKind, playbook: str = "") -> SignalDef:
        return self._merged.get((playbook, kind)) or self._signals[kind]

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


# ---- facts: what the queries read, one onboarding at a time ----------------------------------


class OnboardingRow(NamedTuple):
    id: int
    company_name: str
    status: str
    playbook: str
    csm_user_id: str
    ae_user_id: str
    customer_channel_id: str | None
    internal_channel_id: str | None
    timezone: str | None
    start_date: date
    last_activity_at: datetime
    created_at: datetime


class MilestoneRow(NamedTuple):
    onboarding_id: int
    id: int
    key: str
    name: str
    due_date: date


class BlockerRow(NamedTuple):
    onboarding_id: int
    id: int
    reason: str
    owner_user_id: str
    opened_at: datetime


class StakeholderCount(NamedTuple):
    onboarding_id: int
    present: int
    last_departed_at: datetime | None


class ChampionRow(NamedTuple):
    onboarding_id: int
    id: int
    name: str
    departed_at: datetime | None
    last_contact_at: datetime | None


class CommitmentRow(NamedTuple):
    onboarding_id: int
    id: int
    text: str
    due_date: date
    owner_user_id: str | None


class IssueRow(NamedTuple):
    onboarding_id: int
    id: int
    number: int
    severity: str
    title: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None = None  # only open issues are read


class HealthRow(NamedTuple):
    onboarding_id: int
    id: int
    checked_at: datetime
    checked_by: str
    score: int
    status: str
    no_count: int


class IntegrationRow(NamedTuple):
    onboarding_id: int
    id: int
    name: str
    owner_user_id: str | None
    config_notes: str
    updated_at: datetime | None


class TrainingRow(NamedTuple):
    onboarding_id: int
    id: int
    track: str
    invited: int
    attended: int
    delivered_at: datetime


@dataclass
class Facts:
    """Everything the detector needs about one onboarding (only the rows that can signal)."""

    onboarding: OnboardingRow
    milestones: list[MilestoneRow] = field(default_factory=list)
    blockers: list[BlockerRow] = field(default_factory=list)
    stakeholders: StakeholderCount | None = None
    champions: list[ChampionRow] = field(default_factory=list)
    commitments: list[CommitmentRow] = field(default_factory=list)
    issues: list[IssueRow] = field(default_factory=list)
    health: HealthRow | None = None  # the latest weekly health check
    integrations: list[IntegrationRow] = field(default_factory=list)  # failing ones only
    training: list[TrainingRow] = field(default_factory=list)  # delivered, possibly below


@dataclass(frozen=True)
class Signal:
    """One thing wrong with one onboarding.

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

    @property
    def alert_key(self) -> str:
        """The AlertState.signal this signal is bookkept under."""
        return ALERT_FAMILY.get(self.kind, self.kind.value)

    @property
    def fingerprint(self) -> str:
        """What AlertState.state stores: the level first, so "worse" can be read back."""
        return f"{self.level}|{self.kind.value}|{self.state}"


def fingerprint_level(fingerprint: str) -> int:
    head = fingerprint.split("|", 1)[0]
    return int(head) if head.isdigit() else 0


def signal_kind(fingerprint: str) -> SignalKind | None:
    """The kind a stored fingerprint was made from (delayed or missed for a late milestone)."""
    parts = fingerprint.split("|")
    return SignalKind(parts[1]) if len(parts) > 1 and parts[1] in set(SignalKind) else None


# ---- detection ------------------------------------------------------------------------------


class _Detector:
    def __init__(self, facts: Facts, settings: Settings, catalog: SignalCatalog, now: datetime):
        self.facts = facts
        self.o = facts.onboarding
        self.settings = settings
        self.catalog = catalog
        self.now = now
        self.tz = time_zone(self.o.timezone, settings.timezone)
        self.today = now.astimezone(self.tz).date()
        self.signals: list[Signal] = []

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def days_since(self, moment: datetime) -> int:
        return (self.today - self.local_date(moment)).days

    def add(
        self,
        kind: SignalKind,
        subject: str,
        since: datetime,
        state: str = "",
        level: int = 1,
        severity_of: str | None = None,
        **facts: Any,
    ) -> None:
        severity = self.catalog.severity(kind, self.o.playbook, severity_of)
        self.signals.append(Signal(self.o.id, kind, subject, severity, since, state, level, facts))

    def run(self) -> list[Signal]:
        self.milestones()
        self.no_kickoff()
        self.blockers()
        self.silence()
        self.stakeholders()
        self.champions()
        self.commitments()
        self.issues()
        self.health()
        self.integrations()
        self.training()
        return self.signals

    def milestones(self) -> None:
        late = [m for m in self.facts.milestones if m.due_date < self.today]
        for m in late:
            if m.key == KICKOFF_MILESTONE:
                continue
            days = (self.today - m.due_date).days
            missed = days > self.settings.delayed_max_days
            kind = SignalKind.MILESTONE_MISSED if missed else SignalKind.MILESTONE_DELAYED
            self.add(
                kind,
                f"milestone:{m.id}",
                local_midnight(m.due_date + timedelta(days=1), self.tz),
                state=kind.value,
                level=2 if missed else 1,
                milestone=m.name,
                due=m.due_date,
                days_late=days,
            )
        if len(late) >= self.settings.multiple_delays:
            ordered = sorted(late, key=lambda m: (m.due_date, m.id))
            nth = ordered[self.settings.multiple_delays - 1].due_date
            self.add(
                SignalKind.MULTIPLE_DELAYS,
                "",
                local_midnight(nth + timedelta(days=1), self.tz),
                state=str(len(late)),
                level=len(late),
                count=len(late),
                milestones=[m.name for m in ordered[:NAMES_LISTED_MAX]]
                + (
                    [f"{len(late) - NAMES_LISTED_MAX} more"] if len(late) > NAMES_LISTED_MAX else []
                ),
            )

    def no_kickoff(self) -> None:
        if not any(m.key == KICKOFF_MILESTONE for m in self.facts.milestones):
            return  # held (or waived), or the playbook has no kickoff milestone
        days = self.settings.kickoff_business_days
        deadline = add_business_days(self.o.start_date, days)
        if self.today > deadline:
            self.add(
                SignalKind.NO_KICKOFF,
                "",
                local_midnight(deadline + timedelta(days=1), self.tz),
                deadline=deadline,
                business_days=days,
            )

    def blockers(self) -> None:
        for b in self.facts.blockers:
            days = self.days_since(b.opened_at)
            if days > self.settings.blocker_max_days:
                self.add(
                    SignalKind.BLOCKER_OPEN,
                    f"blocker:{b.id}",
                    b.opened_at,
                    reason=b.reason,
                    owner=b.owner_user_id,
                    days_open=days,
                    subject_owner=b.owner_user_id,
                )

    def silence(self) -> None:
        days = self.days_since(self.o.last_activity_at)
        if days >= self.settings.silence_days:
            self.add(
                SignalKind.SILENCE,
                "",
                self.o.last_activity_at,
                days=days,
                last_activity=self.local_date(self.o.last_activity_at),
            )

    def stakeholders(self) -> None:
        count = self.facts.stakeholders
        present = count.present if count else 0
        minimum = self.settings.min_stakeholders
        if present < minimum:
            departed = count.last_departed_at if count else None
            self.add(
                SignalKind.SINGLE_THREADED,
                "",
                max(filter(None, (departed, self.o.created_at))),
                state=str(present),
                level=minimum - present,
                count=present,
                minimum=minimum,
            )

    def champions(self) -> None:
        for c in self.facts.champions:
            if c.departed_at is not None and c.departed_at <= self.now:
                self.add(
                    SignalKind.CHAMPION_GONE,
                    f"stakeholder:{c.id}",
                    c.departed_at,
                    state="departed",
                    level=2,
                    name=c.name,
                    reason="departed",
                    days=self.days_since(c.departed_at),
                )
            elif c.last_contact_at is not None:
                days = self.days_since(c.last_contact_at)
                if days >= self.settings.champion_contact_days:
                    self.add(
                        SignalKind.CHAMPION_GONE,
                        f"stakeholder:{c.id}",
                        c.last_contact_at,
                        state="no_contact",
                        level=1,
                        name=c.name,
                        reason="no_contact",
                        days=days,
                    )

    def commitments(self) -> None:
        for c in self.facts.commitments:
            if c.due_date < self.today:
                self.add(
                    SignalKind.COMMITMENT_OVERDUE,
                    f"commitment:{c.id}",
                    local_midnight(c.due_date + timedelta(days=1), self.tz),
                    text=c.text,
                    due=c.due_date,
                    owner=c.owner_user_id,
                    days_late=(self.today - c.due_date).days,
                    subject_owner=c.owner_user_id,
                )

    def issues(self) -> None:
        for issue in self.facts.issues:
            clock = sla_clock(issue, self.now, self.settings)  # type: ignore[arg-type]
            if clock.resolution_breached:
                stage, level, due = "resolution", 2, clock.resolution_due
            elif clock.stage == ClockStage.RESPONSE and clock.response_breached:
                stage, level, due = "response", 1, clock.response_due
            else:
                continue
            self.add(
                SignalKind.HYPERCARE_SLA_BREACH,
                f"issue:{issue.id}",
                due,
                state=stage,
                level=level,
                severity_of=issue.severity,
                priority=issue.severity,
                number=issue.number,
                title=issue.title,
                clock=stage,
                due=due,
            )

    def health(self) -> None:
        check = self.facts.health
        if check is not None and check.status in LOW_STATUSES:
            status = health_rules(self.settings).status(check.status)
            self.add(
                SignalKind.HEALTH_LOW,
                "",
                check.checked_at,
                state=check.status,
                level=HealthStatus(check.status).rank,
                severity_of=check.status,
                score=check.score,
                status=status.name,
                response=status.response,
                checked=self.local_date(check.checked_at),
            )
        last = self.local_date(check.checked_at) if check is not None else None
        due = (last or self.o.start_date) + timedelta(days=self.settings.health_check_days)
        if self.today >= due:
            self.add(
                SignalKind.HEALTH_CHECK_MISSING,
                "",
                local_midnight(due, self.tz),
                days=(self.today - (last or self.o.start_date)).days,
                last_check=last,
            )

    def integrations(self) -> None:
        for i in self.facts.integrations:
            since = i.updated_at or self.now
            self.add(
                SignalKind.INTEGRATION_FAILING,
                f"integration:{i.id}",
                since,
                name=i.name,
                owner=i.owner_user_id,
                failing_since=self.local_date(since),
                days=self.days_since(since),
                notes=" ".join(i.config_notes.split())[:200],
                subject_owner=i.owner_user_id,
            )

    def training(self) -> None:
        thresholds = attendance_thresholds(self.settings.templates_dir)
        by_track: dict[str, list[TrainingRow]] = {}
        for row in self.facts.training:
            by_track.setdefault(row.track, []).append(row)
        for track, rows in by_track.items():
            threshold = thresholds.get((self.o.playbook, track))
            if threshold is None or any(meets(r.attended, r.invited, threshold) for r in rows):
                continue
            last = max(rows, key=lambda r: (r.delivered_at, r.id))
            self.add(
                SignalKind.TRAINING_LOW_ATTENDANCE,
                f"training:{track}",
                last.delivered_at,
                track=TRAINING_AUDIENCE_LABELS.get(track, track),
                attended=last.attended,
                invited=last.invited,
                percent=round(Decimal(last.attended) * 100 / last.invited),
                threshold=round(threshold * 100),
                delivered=self.local_date(last.delivered_at),
            )


def detect(facts: Facts, settings: Settings, catalog: SignalCatalog, now: datetime) -> list[Signal]:
    """Every signal of one onboarding at `now`, worst first."""
    signals = _Detector(facts, settings, catalog, now).run()
    return sorted(signals, key=lambda s: (-s.severity.rank, s.since, s.kind.value, s.subject))


# ---- scanning every open onboarding with a constant number of queries -------------------------

Row = TypeVar("Row", bound=tuple)


def _open_ids() -> Select[tuple[int]]:
    return select(Onboarding.id).where(Onboarding.status.in_(OPEN_STATUSES))


def stream_rows(session: Session, statement: Select, chunk: int) -> Iterator[Any]:
    """Rows of `statement` fetched `chunk` at a time (a server-side cursor on PostgreSQL)."""
    result = session.execute(statement.execution_options(yield_per=chunk))
    for partition in result.partitions():
        yield from partition


class Aligned:
    """Walks a stream ordered by onboarding id in step with the onboardings."""

    def __init__(self, rows: Iterator[Any], make: Callable[[Any], Any]) -> None:
        self._rows = rows
        self._make = make
        self._head: Any = next(rows, None)

    def take(self, onboarding_id: int) -> list[Any]:
        taken: list[Any] = []
        while self._head is not None and self._head[0] <= onboarding_id:
            if self._head[0] == onboarding_id:
                taken.append(self._make(self._head))
            self._head = next(self._rows, None)
        return taken


def align(
    items: Iterable[Any], key: Callable[[Any], int], rows: Iterator[Any], make: Callable[[Any], Any]
) -> Iterator[tuple[Any, list[Any]]]:
    """Pair each item (ascending ids) with its rows from a stream ordered by onboarding id."""
    aligned = Aligned(rows, make)
    for item in items:
        yield item, aligned.take(key(item))


def scan_statements(settings: Settings, now: datetime) -> dict[str, Select]:
    """The queries of a scan, one per table. Bounds are generous (a day of time-zone slack on
    each side); the detector applies the exact thresholds in each onboarding's zone."""
    open_ids = _open_ids()
    latest_today = (now + timedelta(days=1)).date()
    champion_cutoff = now - timedelta(days=settings.champion_contact_days - 1)
    blocker_cutoff = now - timedelta(days=settings.blocker_max_days - 1)
    shortest_response = min(
        (sla[0] for sla in settings.hypercare_sla.values()), default=timedelta()
    )
    departed_at = type_coerce(func.max(Stakeholder.departed_at), UTCDateTime())
    return {
        "onboardings": select(
            Onboarding.id,
            Onboarding.company_name,
            Onboarding.status,
            Onboarding.playbook,
            Onboarding.csm_user_id,
            Onboarding.ae_user_id,
            Onboarding.customer_channel_id,
            Onboarding.internal_channel_id,
            Onboarding.timezone,
            Onboarding.start_date,
            Onboarding.last_activity_at,
            Onboarding.created_at,
        )
        .where(Onboarding.status.in_(OPEN_STATUSES))
        .order_by(Onboarding.id),
        "milestones": select(
            Milestone.onboarding_id, Milestone.id, Milestone.key, Milestone.name, Milestone.due_date
        )
        .where(
            Milestone.onboarding_id.in_(open_ids),
            Milestone.status.not_in(DONE_STATUSES),
            (Milestone.due_date < latest_today) | (Milestone.key == KICKOFF_MILESTONE),
        )
        .order_by(Milestone.onboarding_id, Milestone.due_date, Milestone.id),
        "blockers": select(
            Blocker.onboarding_id,
            Blocker.id,
            Blocker.reason,
            Blocker.owner_user_id,
            Blocker.opened_at,
        )
        .where(
            Blocker.onboarding_id.in_(open_ids),
            Blocker.resolved_at.is_(None),
            Blocker.opened_at < blocker_cutoff,
        )
        .order_by(Blocker.onboarding_id, Blocker.id),
        "stakeholders": select(
            Stakeholder.onboarding_id,
            func.sum(case((Stakeholder.departed_at.is_(None), 1), else_=0)),
            departed_at,
        )
        .where(Stakeholder.onboarding_id.in_(open_ids))
        .group_by(Stakeholder.onboarding_id)
        .order_by(Stakeholder.onboarding_id),
        "champions": select(
            Stakeholder.onboarding_id,
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.departed_at,
            Stakeholder.last_contact_at,
        )
        .where(
            Stakeholder.onboarding_id.in_(open_ids),
            Stakeholder.role == StakeholderRole.CHAMPION,
            Stakeholder.departed_at.is_not(None) | (Stakeholder.last_contact_at < champion_cutoff),
        )
        .order_by(Stakeholder.onboarding_id, Stakeholder.id),
        "commitments": select(
            Commitment.onboarding_id,
            Commitment.id,
            Commitment.text,
            Commitment.due_date,
            Commitment.owner_user_id,
        )
        .where(
            Commitment.onboarding_id.in_(open_ids),
            Commitment.status == "open",
            Commitment.due_date < latest_today,
        )
        .order_by(Commitment.onboarding_id, Commitment.id),
        "issues": select(
            HypercareIssue.onboarding_id,
            HypercareIssue.id,
            HypercareIssue.number,
            HypercareIssue.severity,
            HypercareIssue.title,
            HypercareIssue.opened_at,
            HypercareIssue.first_response_at,
        )
        .where(
            HypercareIssue.onboarding_id.in_(open_ids),
            HypercareIssue.resolved_at.is_(None),
            HypercareIssue.opened_at < now - shortest_response,
        )
        .order_by(HypercareIssue.onboarding_id, HypercareIssue.number),
        "health": ranked_checks(open_ids, 1),
        "integrations": select(
            Integration.onboarding_id,
            Integration.id,
            Integration.name,
            Integration.owner_user_id,
            Integration.config_notes,
            Integration.updated_at,
        )
        .where(
            Integration.onboarding_id.in_(open_ids),
            Integration.status == IntegrationStatus.FAILING,
        )
        .order_by(Integration.onboarding_id, Integration.id),
        "training": _low_training(open_ids, settings),
    }


def _low_training(open_ids: Select[tuple[int]], settings: Settings) -> Select:
    """Delivered sessions below the highest threshold of any track, of tracks with no delivered
    session at or above it (the detector applies each track's own threshold)."""
    highest = max(attendance_thresholds(settings.templates_dir).values(), default=Decimal(1))
    other = aliased(TrainingSession)
    delivered = TrainingSession.delivered_at.is_not(None) & TrainingSession.attended.is_not(None)
    return (
        select(
            TrainingSession.onboarding_id,
            TrainingSession.id,
            TrainingSession.track,
            TrainingSession.invited,
            TrainingSession.attended,
            TrainingSession.delivered_at,
        )
        .where(
            TrainingSession.onboarding_id.in_(open_ids),
            delivered,
            TrainingSession.invited > 0,
            TrainingSession.attended < TrainingSession.invited * float(highest),
            ~select(other.id)
            .where(
                other.onboarding_id == TrainingSession.onboarding_id,
                other.track == TrainingSession.track,
                other.delivered_at.is_not(None),
                other.invited > 0,
                other.attended >= other.invited * float(highest),
            )
            .exists(),
        )
        .order_by(TrainingSession.onboarding_id, TrainingSession.id)
    )


def scan(
    session: Session, settings: Settings, now: datetime, *, chunk: int = STREAM_CHUNK
) -> Iterator[Facts]:
    """The facts of every open onboarding in id order: 10 queries whatever their number."""
    statements = scan_statements(settings, now)
    streams = {name: stream_rows(session, s, chunk) for name, s in statements.items()}
    aligned = {
        "milestones": Aligned(streams["milestones"], lambda r: MilestoneRow(*r)),
        "blockers": Aligned(streams["blockers"], lambda r: BlockerRow(*r)),
        "stakeholders": Aligned(streams["stakeholders"], lambda r: StakeholderCount(*r)),
        "champions": Aligned(streams["champions"], lambda r: ChampionRow(*r)),
        "commitments": Aligned(streams["commitments"], lambda r: CommitmentRow(*r)),
        "issues": Aligned(streams["issues"], lambda r: IssueRow(*r)),
        "health": Aligned(streams["health"], lambda r: HealthRow(*r)),
        "integrations": Aligned(streams["integrations"], lambda r: IntegrationRow(*r)),
        "training": Aligned(streams["training"], lambda r: TrainingRow(*r)),
    }
    for row in streams["onboardings"]:
        onboarding = OnboardingRow(*row)
        counts = aligned["stakeholders"].take(onboarding.id)
        yield Facts(
            onboarding,
            milestones=aligned["milestones"].take(onboarding.id),
            blockers=aligned["blockers"].take(onboarding.id),
            stakeholders=counts[0] if counts else None,
            champions=aligned["champions"].take(onboarding.id),
            commitments=aligned["commitments"].take(onboarding.id),
            issues=aligned["issues"].take(onboarding.id),
            health=next(iter(aligned["health"].take(onboarding.id)), None),
            integrations=aligned["integrations"].take(onboarding.id),
            training=aligned["training"].take(onboarding.id),
        )


def detect_all(
    session: Session, settings: Settings, catalog: SignalCatalog, now: datetime
) -> Iterator[tuple[OnboardingRow, list[Signal]]]:
    """Every open onboarding with its signals (possibly none), streamed."""
    for facts in scan(session, settings, now):
        yield facts.onboarding, detect(facts, settings, catalog, now)
