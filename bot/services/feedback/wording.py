"""The customer's-voice wording: templates/feedback.yml, validated at start-up."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.yaml_files import load_yaml_model


class FeedbackConfigError(ValueError):
    """templates/feedback.yml is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _counts(value: str) -> str:
    if "{count}" not in value:
        raise ValueError("must contain {count} (the number of answers)")
    try:
        value.format(count="2 answers")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"only {{count}} may be in braces ({exc})") from None
    return value


class PulseWording(_Strict):
    question: str = Field(min_length=1, max_length=300)
    low_label: str = Field(min_length=1, max_length=100)
    high_label: str = Field(min_length=1, max_length=100)
    thanks: str = Field(min_length=1, max_length=300)

    _thanks = field_validator("thanks")(_counts)


class Question(_Strict):
    label: str = Field(min_length=1, max_length=2000)
    hint: str = Field(default="", max_length=2000)


class SurveyQuestions(_Strict):
    satisfaction: Question
    nps: Question
    effort: Question
    # Yes/no questions, asked when the file words them (optional answers).
    prepared: Question | None = None
    reference: Question | None = None
    comment: Question


class SurveyWording(_Strict):
    intro: str = Field(min_length=1, max_length=1000)
    button: str = Field(min_length=1, max_length=75)
    title: str = Field(min_length=1, max_length=24)  # a modal title
    thanks: str = Field(min_length=1, max_length=1000)
    answered: str = Field(min_length=1, max_length=300)
    questions: SurveyQuestions

    _answered = field_validator("answered")(_counts)


class FeedbackConfig(_Strict):
    pulse: PulseWording
    survey: SurveyWording

    @classmethod
    def load(cls, templates_dir: Path) -> FeedbackConfig:
        return load_yaml_model(cls, templates_dir / "feedback.yml", FeedbackConfigError)


@functools.cache
def load_feedback_config(templates_dir: Path) -> FeedbackConfig:
    """The wording of a templates directory, read once per process."""
    return FeedbackConfig.load(templates_dir)
