"""The health check's definition (templates/health.yml, validated at start-up) with the
settings applied: questions, component weights, statuses and their responses, colours, rating
words. ONBOARD_HEALTH_WEIGHTS and ONBOARD_HEALTH_THRESHOLDS override the weights and the status
thresholds."""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.config import DEFAULT_TEMPLATES_DIR, HEALTH_COMPONENTS, Settings
from bot.playbooks import PlaybookError
from bot.yaml_files import load_yaml_model

ASKED = ("engagement", "adoption", "sentiment", "technical")
COMPUTED = "progress"
RATINGS = (1, 2, 3, 4, 5)
QUESTIONS_MAX = 10  # a checkboxes element holds ten options
QUESTION_TEXT_MAX = 75  # an option's text
AREAS_MAX = 10
ComponentKey = Literal["engagement", "progress", "adoption", "sentiment", "technical"]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class HealthStatus(enum.StrEnum):
    HEALTHY = "healthy"
    MONITOR = "monitor"
    AT_RISK = "at_risk"
    CRITICAL = "critical"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """0 for healthy .. 4 for emergency."""
        return list(HealthStatus).index(self)


# At risk or worse is a stall signal (bot/services/signals/detection.py).
LOW_STATUSES = (HealthStatus.AT_RISK, HealthStatus.CRITICAL, HealthStatus.EMERGENCY)


class Colour(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class HealthTemplateError(PlaybookError):
    """templates/health.yml is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComponentDef(_Strict):
    name: str = Field(min_length=1, max_length=40)
    weight: int = Field(ge=0, le=100)
    hint: str = Field(default="", max_length=150)


class StatusDef(_Strict):
    key: HealthStatus
    name: str = Field(min_length=1, max_length=40)
    min: int = Field(ge=0, le=100)
    response: str = Field(min_length=1, max_length=300)


class AreaDef(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=40)
    questions: list[Annotated[str, Field(min_length=1, max_length=QUESTION_TEXT_MAX)]] = Field(
        min_length=1, max_length=QUESTIONS_MAX
    )

    @model_validator(mode="after")
    def _unique(self) -> AreaDef:
        if len(set(self.questions)) != len(self.questions):
            raise ValueError("questions: each question must be different")
        return self


class ColourDef(_Strict):
    yellow_from: int = Field(ge=1)
    red_from: int = Field(ge=2)
    red_response: str = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _ordered(self) -> ColourDef:
        if self.red_from <= self.yellow_from:
            raise ValueError("red_from: must be greater than yellow_from")
        return self


class HealthTemplate(_Strict):
    components: dict[ComponentKey, ComponentDef]
    statuses: list[StatusDef]
    areas: list[AreaDef] = Field(min_length=1, max_length=AREAS_MAX)
    colour: ColourDef
    ratings: dict[int, Annotated[str, Field(min_length=1, max_length=30)]]
    # Rating -> the lowest percent of licensed users active that earns it (2..5; else 1).
    adoption_from_usage: dict[int, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {5: 80, 4: 60, 3: 40, 2: 20}
    )

    @model_validator(mode="after")
    def _consistent(self) -> HealthTemplate:
        missing = [c for c in HEALTH_COMPONENTS if c not in self.components]
        if missing:
            raise ValueError(f"components: missing {', '.join(missing)}")
        total = sum(c.weight for c in self.components.values())
        if total != 100:
            raise ValueError(f"components: the weights must sum to 100, not {total}")
        if [s.key for s in self.statuses] != list(HealthStatus):
            raise ValueError("statuses: exactly " + ", ".join(HealthStatus) + ", in that order")
        mins = [s.min for s in self.statuses]
        if any(a <= b for a, b in itertools.pairwise(mins)) or mins[-1] != 0:
            raise ValueError("statuses: min must fall strictly from one status to the next, to 0")
        keys = [a.key for a in self.areas]
        if len(set(keys)) != len(keys):
            raise ValueError("areas: two areas share a key")
        if sorted(self.ratings) != list(RATINGS):
            raise ValueError("ratings: a word for each of 1, 2, 3, 4 and 5")
        bands = [self.adoption_from_usage.get(r) for r in (5, 4, 3, 2)]
        if set(self.adoption_from_usage) != {2, 3, 4, 5} or any(
            a <= b
            for a, b in itertools.pairwise(bands)  # type: ignore[operator]
        ):
            raise ValueError("adoption_from_usage: percents for 5, 4, 3 and 2, falling")
        return self


@functools.cache
def load_health_template(templates_dir: Path) -> HealthTemplate:
    """templates/health.yml of a templates directory, read once per process."""
    return load_yaml_model(HealthTemplate, templates_dir / "health.yml", HealthTemplateError)


@dataclass(frozen=True)
class HealthRules:
    """The template with the settings applied: what every computation here reads."""

    weights: Mapping[str, int]
    statuses: tuple[StatusDef, ...]
    components: Mapping[str, ComponentDef]
    areas: tuple[AreaDef, ...]
    colour: ColourDef
    rating_words: Mapping[int, str]
    adoption_bands: Mapping[int, int] = field(default_factory=dict)  # rating -> lowest percent

    def adoption_rating(self, percent: int) -> int:
        """The adoption rating that `percent` of licensed users active earns."""
        return next((r for r in (5, 4, 3, 2) if percent >= self.adoption_bands.get(r, 101)), 1)

    def status(self, key: str) -> StatusDef:
        return next((s for s in self.statuses if s.key == key), self.statuses[-1])


def health_rules(settings: Settings) -> HealthRules:
    return _rules(
        settings.templates_dir,
        tuple(sorted(settings.health_weights.items())),
        tuple(settings.health_thresholds),
    )


def default_health_rules() -> HealthRules:
    """The rules of the shipped templates without overrides (for callers with no settings)."""
    return _rules(DEFAULT_TEMPLATES_DIR, (), ())


@functools.cache
def _rules(
    templates_dir: Path, weights: tuple[tuple[str, int], ...], thresholds: tuple[int, ...]
) -> HealthRules:
    template = load_health_template(templates_dir)
    statuses = list(template.statuses)
    if thresholds:  # healthy, monitor, at risk, critical; emergency stays at 0
        statuses = [
            s.model_copy(update={"min": m}) for s, m in zip(statuses, thresholds, strict=False)
        ] + statuses[len(thresholds) :]
    return HealthRules(
        weights=dict(weights) or {k: c.weight for k, c in template.components.items()},
        statuses=tuple(statuses),
        components=dict(template.components),
        areas=tuple(template.areas),
        colour=template.colour,
        rating_words=dict(template.ratings),
        adoption_bands=dict(template.adoption_from_usage),
    )
