"""Playbooks are data: one YAML file per segment under `templates/playbooks/`, loaded and
validated at start-up; an error names the file and the field."""

from __future__ import annotations

import functools
import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import jinja2
import jinja2.meta
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.playbook_launch import GateRequiresDef, LaunchMessagesDef

OwnerRole = Literal["csm", "ae", "se", "customer", "champion", "sponsor", "technical_lead", "admin"]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
# domain.md "Go-live readiness gate": shown on the go-live post when a playbook names none.
DEFAULT_ROLLBACK_TRIGGERS = (
    "Availability below 95% for more than 2 hours",
    "Data loss",
    "Security breach",
)
# The readiness gate is one Slack modal (100 blocks): one YES/NO and one note per item fit up
# to 45 items; a longer gate falls back to one note per group, which fits up to this many.
GATE_ITEMS_MAX = 80


class PlaybookError(ValueError):
    """A playbook file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhaseDef(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)


class MilestoneDef(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)
    phase: Key
    offset_business_days: int = Field(ge=0, le=400)
    first_value: bool = False
    go_live: bool = False
    done_when: str = ""


class ChecklistItemDef(_Strict):
    text: str = Field(min_length=1, max_length=300)
    phase: Key
    owner: OwnerRole


class GateItemDef(_Strict):
    group: Literal["technical", "operational", "business", "support"]
    text: str = Field(min_length=1, max_length=300)
    owner: OwnerRole


ChampionLossWhen = Literal["day_1", "week_1", "weeks_2_4", "escalation"]
CHAMPION_LOSS_WHEN_LABELS: dict[str, str] = {
    "day_1": "Day 1",
    "week_1": "Week 1",
    "weeks_2_4": "Weeks 2-4",
    "escalation": "Escalate if",
}


class ChampionLossItemDef(_Strict):
    """One step of the champion-loss protocol, added to the checklist when the champion leaves."""

    when: ChampionLossWhen
    text: str = Field(min_length=1, max_length=280)
    owner: OwnerRole


class HandoffTimingDef(_Strict):
    """A dated commitment of the handoff itself (the handoff document, the AE's warm intro, the
    internal handoff meeting, the first CS contact): tracked like a promise to the customer, due
    `within_hours` after the deal closed (`since: close`) or the handoff was submitted."""

    key: Key
    text: str = Field(min_length=1, max_length=280)
    owner: Literal["ae", "csm"]
    within_hours: int = Field(ge=1, le=720)
    since: Literal["close", "handoff"] = "close"


class ReviewDef(_Strict):
    """A review after go-live (the 30-day post-go-live review, the 60-day success review, an
    SMB check-in, a monthly executive update): the CSM is told on its day, `days_after_go_live`
    calendar days after go-live (then every `repeat_days` while the onboarding is open), with
    its agenda filled from the onboarding's data."""

    key: Key
    name: str = Field(min_length=1, max_length=120)
    days_after_go_live: int = Field(ge=1, le=730)
    repeat_days: int | None = Field(default=None, ge=7, le=365)
    purpose: str = Field(default="", max_length=500)


# What a journey message may name: `{{ company }}` (escaped), `{{ csm }}` (a mention of the
# owner) and `{{ day }}` (days since the start date). Rendered by bot/services/journey.py.
JOURNEY_PLACEHOLDERS = frozenset({"company", "csm", "day"})
_SINGLE_BRACES = re.compile(r"(?<!\{)\{\s*([a-z_]+)\s*\}(?!\})")


class JourneyStepDef(_Strict):
    """One tech-touch message: posted `day` calendar days after the start (from 09:00 local on
    a business day), when its conditions hold (bot/services/journey.py has the rules)."""

    key: Key
    day: int = Field(ge=0, le=365)
    message: str = Field(min_length=1, max_length=2000)
    only_if_not_done: Key | None = None
    only_if_done: Key | None = None
    # Product usage (POST /usage): "started" once any user was active, "not_started" before.
    only_if_usage: Literal["started", "not_started"] | None = None

    @field_validator("message")
    @classmethod
    def _placeholders(cls, message: str) -> str:
        old = _SINGLE_BRACES.search(message)
        if old:
            raise ValueError(f"write {{{{ {old[1]} }}}}, not {old[0]}")
        try:
            names = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(message))
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"not a valid template: {exc.message}") from None
        unknown = sorted(names - JOURNEY_PLACEHOLDERS)
        if unknown:
            allowed = ", ".join(sorted(JOURNEY_PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {unknown[0]!r} (use {allowed})")
        return message

    @property
    def conditions(self) -> list[str]:
        """The milestone keys this step looks at."""
        return [key for key in (self.only_if_not_done, self.only_if_done) if key]


# The training plan (bot/services/training.py): one track per audience. "Training delivered"
# (the milestone keyed TRAINING_MILESTONE) completes when every required track has a delivered
# session whose attendance (attended / invited) reaches the track's threshold.
TRAINING_MILESTONE = "training"
TrainingAudience = Literal["admins", "power_users", "end_users", "executives"]
TRAINING_AUDIENCE_LABELS: dict[str, str] = {
    "admins": "Admins",
    "power_users": "Power users",
    "end_users": "End users",
    "executives": "Executives",
}
TrainingFormat = Literal["live_virtual", "live_onsite", "workshop", "recorded", "self_paced"]
TRAINING_FORMAT_LABELS: dict[str, str] = {
    "live_virtual": "Live virtual",
    "live_onsite": "Live on site",
    "workshop": "Workshop",
    "recorded": "Recorded",
    "self_paced": "Self-paced course",
}
DEFAULT_ATTENDANCE_THRESHOLD = Decimal("0.8")
Threshold = Annotated[Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=3)]


class TrainingTrackDef(_Strict):
    audience: TrainingAudience
    name: str = Field(min_length=1, max_length=80)
    format: TrainingFormat
    duration_minutes: int = Field(ge=5, le=960)
    required: bool = True
    attendance_threshold: Threshold | None = None  # the section's when not given


class TrainingDef(_Strict):
    attendance_threshold: Threshold = DEFAULT_ATTENDANCE_THRESHOLD
    tracks: list[TrainingTrackDef] = Field(min_length=1, max_length=4)

    @model_validator(mode="after")
    def _consistent(self) -> TrainingDef:
        seen: set[str] = set()
        for i, track in enumerate(self.tracks):
            if track.audience in seen:
                raise ValueError(f"tracks[{i}].audience: one track per audience ({track.audience})")
            seen.add(track.audience)
        if not any(track.required for track in self.tracks):
            raise ValueError("tracks: at least one track must be required")
        return self

    def threshold(self, track: TrainingTrackDef) -> Decimal:
        return track.attendance_threshold or self.attendance_threshold

    def track(self, audience: str) -> TrainingTrackDef | None:
        return next((t for t in self.tracks if t.audience == audience), None)


# Product usage (bot/services/usage_adoption.py): adoption is active / licensed users; a
# checkpoint `day` days after go-live expects at least `active_share` of them active.
DEFAULT_ADOPTION_TARGETS = ((30, Decimal("0.6")), (60, Decimal("0.8")))


class AdoptionTargetDef(_Strict):
    day: int = Field(ge=1, le=365)
    active_share: Threshold


class UsageDef(_Strict):
    """What adoption means for this segment: the core features (keys the product sends in a
    record's `features`), the checkpoints after go-live, and whether usage figures may be shown
    in a channel shared with the customer (never, unless said here)."""

    core_features: list[Key] = Field(default_factory=list, max_length=30)
    adoption_targets: list[AdoptionTargetDef] = Field(
        default_factory=lambda: [
            AdoptionTargetDef(day=day, active_share=share)
            for day, share in DEFAULT_ADOPTION_TARGETS
        ],
        max_length=10,
    )
    share_with_customer: bool = False
    # "No usage": no active user this many business days after technical setup or the first
    # record; "Usage dropping": weekly active users down by at least this percent.
    no_usage_business_days: int = Field(default=5, ge=1, le=60)
    drop_percent: int = Field(default=30, ge=1, le=99)

    @model_validator(mode="after")
    def _consistent(self) -> UsageDef:
        _unique_values("core_features", self.core_features)
        for i, target in enumerate(self.adoption_targets):
            if i and target.day <= self.adoption_targets[i - 1].day:
                raise ValueError(f"adoption_targets[{i}].day: checkpoints go in day order")
        return self


class Playbook(_Strict):
    key: Key
    segment: str = Field(min_length=1, max_length=40)
    description: str = ""
    arr_min: Decimal = Field(ge=0)
    arr_max: Decimal | None = None
    touch_model: str = ""
    hypercare_business_days: int = Field(ge=1, le=60)
    target_first_value_days: int = Field(ge=0)
    target_nps: int | None = Field(default=None, ge=-100, le=100)  # shown by /onboard metrics
    phases: list[PhaseDef] = Field(min_length=1)
    milestones: list[MilestoneDef] = Field(min_length=1)
    checklist: list[ChecklistItemDef] = Field(default_factory=list)
    gate: list[GateItemDef] = Field(default_factory=list, max_length=GATE_ITEMS_MAX)
    gate_requires: GateRequiresDef = Field(default_factory=GateRequiresDef)
    launch_messages: LaunchMessagesDef = Field(default_factory=LaunchMessagesDef)
    rollback_triggers: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=lambda: list(DEFAULT_ROLLBACK_TRIGGERS), min_length=1, max_length=10
    )
    journey: list[JourneyStepDef] = Field(default_factory=list)
    champion_loss: list[ChampionLossItemDef] = Field(default_factory=list)
    handoff_timing: list[HandoffTimingDef] = Field(default_factory=list)
    reviews: list[ReviewDef] = Field(default_factory=list)
    # The renewal conversation is prompted this many days before the contract renews (its
    # start plus its term, both from the handoff); None: never.
    renewal_prompt_days: int | None = Field(default=None, ge=7, le=365)
    # The meeting cadence with the customer: the CSM is reminded of a check-in when this many
    # days passed since the last logged contact; None: no reminders (tech-touch).
    check_in_every_days: int | None = Field(default=None, ge=1, le=90)
    training: TrainingDef | None = None
    usage: UsageDef = Field(default_factory=UsageDef)

    @model_validator(mode="after")
    def _consistent(self) -> Playbook:
        phase_keys = {p.key for p in self.phases}
        _unique("phases", [p.key for p in self.phases])
        _unique("milestones", [m.key for m in self.milestones])
        for i, m in enumerate(self.milestones):
            if m.phase not in phase_keys:
                raise ValueError(f"milestones[{i}].phase: unknown phase {m.phase!r}")
        for i, c in enumerate(self.checklist):
            if c.phase not in phase_keys:
                raise ValueError(f"checklist[{i}].phase: unknown phase {c.phase!r}")
        for flag in ("first_value", "go_live"):
            if sum(getattr(m, flag) for m in self.milestones) != 1:
                raise ValueError(f"milestones: exactly one milestone must have {flag}: true")
        if self.arr_max is not None and self.arr_max <= self.arr_min:
            raise ValueError("arr_max: must be greater than arr_min")
        _unique("journey", [s.key for s in self.journey])
        _unique("handoff_timing", [t.key for t in self.handoff_timing])
        _unique("reviews", [r.key for r in self.reviews])
        milestone_keys = {m.key for m in self.milestones}
        for i, step in enumerate(self.journey):
            if i and step.day <= self.journey[i - 1].day:
                raise ValueError(f"journey[{i}].day: steps go in day order, one per day")
            for field in ("only_if_not_done", "only_if_done"):
                key = getattr(step, field)
                if key is not None and key not in milestone_keys:
                    raise ValueError(f"journey[{i}].{field}: unknown milestone {key!r}")
        pilot = self.gate_requires.pilot_milestone
        if self.gate_requires.pilot_done and pilot not in milestone_keys:
            raise ValueError(f"gate_requires.pilot_milestone: unknown milestone {pilot!r}")
        if self.training is not None and TRAINING_MILESTONE not in milestone_keys:
            raise ValueError(f"training: needs a milestone keyed {TRAINING_MILESTONE!r}")
        return self

    def covers(self, arr: Decimal) -> bool:
        return arr >= self.arr_min and (self.arr_max is None or arr < self.arr_max)

    @property
    def touch(self) -> str:
        """The touch model's first words (`tech-touch` of "tech-touch, automated"), which
        templates/signals.yml `off_for` names."""
        return self.touch_model.split(",", 1)[0].strip().lower()


def _unique(field: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise ValueError(f"{field}[{i}].key: duplicate key {key!r}")
        seen.add(key)


def _unique_values(field: str, values: list[str]) -> None:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise ValueError(f"{field}[{i}]: {value!r} is listed twice")


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def load_playbook(path: Path) -> Playbook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlaybookError(f"{path}: cannot read playbook: {exc}") from None
    if not isinstance(data, dict):
        raise PlaybookError(f"{path}: a playbook must be a mapping of fields")
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(f"{path}: {_describe(exc)}") from None


@functools.cache
def playbook_touch(templates_dir: Path) -> dict[str, str]:
    """Playbook key -> touch model (`Playbook.touch`), read once per process (the signal scan)."""
    return {p.key: p.touch for p in PlaybookLibrary.load(templates_dir)}


class PlaybookLibrary:
    """All playbooks of a templates directory, by key, checked for ARR coverage."""

    def __init__(self, playbooks: list[Playbook]) -> None:
        self._by_key = {p.key: p for p in playbooks}

    @classmethod
    def load(cls, templates_dir: Path) -> PlaybookLibrary:
        folder = templates_dir / "playbooks"
        paths = sorted(folder.glob("*.yml"))
        if not paths:
            raise PlaybookError(f"{folder}: no playbook files (*.yml)")
        playbooks = [load_playbook(path) for path in paths]
        keys = [p.key for p in playbooks]
        if len(set(keys)) != len(keys):
            raise PlaybookError(f"{folder}: two playbooks share a key")
        library = cls(playbooks)
        library._check_coverage(folder)
        return library

    def _check_coverage(self, folder: Path) -> None:
        ordered = sorted(self._by_key.values(), key=lambda p: p.arr_min)
        if ordered[0].arr_min != 0:
            raise PlaybookError(f"{folder}: no playbook covers an ARR of 0 (arr_min)")
        for lower, upper in itertools.pairwise(ordered):
            if lower.arr_max != upper.arr_min:
                raise PlaybookError(
                    f"{folder}: ARR ranges of {lower.key} and {upper.key} must meet "
                    f"(arr_max {lower.arr_max} vs arr_min {upper.arr_min})"
                )
        if ordered[-1].arr_max is not None:
            raise PlaybookError(
                f"{folder}: the highest playbook ({ordered[-1].key}) needs no arr_max"
            )

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._by_key.values(), key=lambda p: p.arr_min, reverse=True))

    def get(self, key: str) -> Playbook | None:
        return self._by_key.get(key)

    def for_arr(self, arr: Decimal) -> Playbook:
        return next(p for p in self._by_key.values() if p.covers(arr))
