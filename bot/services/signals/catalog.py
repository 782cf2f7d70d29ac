"""The signal catalog (templates/signals.yml): what each signal is called, how severe it is,
the intervention, who acts and the `what` template, with per-playbook overrides.

The catalog checks the file's shape; bot/slack/alert_views.py renders the `what` templates
(and checks them against SAMPLE_FACTS at start-up).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.services.health import HealthStatus
from bot.services.signals.fact_types import FACT_TYPES
from bot.services.signals.kinds import TIMED_KINDS, AlertSeverity, SignalKind
from bot.yaml_files import load_yaml_model

Actor = Literal["csm", "ae", "subject_owner", "leadership"]
Priority = Literal["P1", "P2", "P3", "P4"]
# The first words of a playbook's `touch_model` (bot/playbooks.Playbook.touch).
TouchModel = Literal["high-touch", "medium-touch", "low-touch", "tech-touch"]

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
    # A share that fires the signal (scope_growing: approved changes over the plan's items).
    threshold_percent: int | None = Field(default=None, ge=0, le=1000)


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
    threshold_percent: int | None = Field(default=None, ge=0, le=1000)


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
