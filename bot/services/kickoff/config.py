"""The kickoff wording: templates/kickoff.yml (the IMPACT agenda, role names, the pre-kickoff
questionnaire), validated at start-up."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.yaml_files import load_yaml_model

IMPACT_KEYS = (
    "introductions",
    "mutual_objectives",
    "plan",
    "accountability",
    "communication",
    "timeline",
)


class KickoffConfigError(ValueError):
    """templates/kickoff.yml is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgendaSection(_Strict):
    key: Literal[
        "introductions", "mutual_objectives", "plan", "accountability", "communication", "timeline"
    ]
    title: str = Field(min_length=1, max_length=150)
    purpose: str = Field(default="", max_length=500)


class QuestionDef(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    area: Literal["technical", "business", "first_value"]
    label: str = Field(min_length=1, max_length=2000)
    hint: str = Field(default="", max_length=150)
    optional: bool = False


class QuestionnaireDef(_Strict):
    intro: str = Field(min_length=1, max_length=1000)
    button: str = Field(min_length=1, max_length=75)
    title: str = Field(min_length=1, max_length=24)  # a modal title
    thanks: str = Field(min_length=1, max_length=1000)
    questions: list[QuestionDef] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_first_value(self) -> QuestionnaireDef:
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("questions: two questions share a key")
        if sum(q.area == "first_value" for q in self.questions) != 1:
            raise ValueError("questions: exactly one question must have area: first_value")
        return self

    @property
    def first_value_key(self) -> str:
        return next(q.key for q in self.questions if q.area == "first_value")


class KickoffConfig(_Strict):
    agenda: list[AgendaSection]
    roles: dict[str, str] = Field(default_factory=dict)
    questionnaire: QuestionnaireDef

    @model_validator(mode="after")
    def _impact(self) -> KickoffConfig:
        if tuple(s.key for s in self.agenda) != IMPACT_KEYS:
            raise ValueError(f"agenda: the six IMPACT sections in order: {', '.join(IMPACT_KEYS)}")
        return self

    def role(self, key: str) -> str:
        return self.roles.get(key) or key.replace("_", " ").capitalize()

    @classmethod
    def load(cls, templates_dir: Path) -> KickoffConfig:
        return load_yaml_model(cls, templates_dir / "kickoff.yml", KickoffConfigError)


@functools.cache
def load_kickoff_config(templates_dir: Path) -> KickoffConfig:
    """The kickoff wording of a templates directory, read once per process."""
    return KickoffConfig.load(templates_dir)
