"""The weekly health check and the health score (domain.md "Health score during onboarding").

The questions, weights, statuses and their responses are data (templates/health.yml, validated
at start-up); ONBOARD_HEALTH_WEIGHTS and ONBOARD_HEALTH_THRESHOLDS override the weights and the
status thresholds. Decisions, documented here once:

- Each component is rated 1..5. Engagement, adoption, sentiment and technical are asked;
  progress is computed from the milestones (`progress_rating`).
- A rating maps to 0..100 as (rating - 1) / 4 * 100: 1 -> 0, 2 -> 25, 3 -> 50, 4 -> 75,
  5 -> 100. The score is the weighted mean of the five, rounded half up to a whole number
  (exact arithmetic, no floats), and the status is read from that whole number: with the
  default thresholds 85..100 healthy, 70..84 monitor, 50..69 at risk, 30..49 critical,
  0..29 emergency.
- Progress: of the milestones that are due (due date before today) or done, the share done on
  time (completed on or before the due date; waived ones do not count either way), and the
  number overdue (not done, due date before today). The rating is the lower of
      share:   >= 90% -> 5, >= 75% -> 4, >= 50% -> 3, >= 25% -> 2, less -> 1
      overdue: 0 -> 5, 1 -> 4, 2 -> 3, 3 -> 2, 4 or more -> 1
  and 5 when nothing is due yet.
- The YES/NO answers give the colour: all YES green, 1-2 NO yellow, 3+ NO red (red asks for
  an escalation meeting within 24 hours); the thresholds are in the template. The colour is
  shown beside the score; it does not change it.
- Trend: the score against the previous check of the same onboarding (up, down or flat, with
  the points), "first" when there is none.
- Sentiment is prefilled from the customer's recent answers (bot/services/feedback.py
  recent_sentiment: pulses as they are, survey satisfaction put on 1-5, the mean rounded half
  up). The CSM can change it.
"""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import DEFAULT_TEMPLATES_DIR, HEALTH_COMPONENTS, Settings
from bot.models import HealthCheck, Milestone, MilestoneStatus, Onboarding
from bot.playbooks import PlaybookError
from bot.services.activity import record_activity
from bot.services.errors import DomainError
from bot.services.feedback import SENTIMENT_WINDOW, RecentSentiment, recent_sentiment
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change

ASKED = ("engagement", "adoption", "sentiment", "technical")
COMPUTED = "progress"
RATINGS = (1, 2, 3, 4, 5)
QUESTIONS_MAX = 10  # a checkboxes element holds ten options
QUESTION_TEXT_MAX = 75  # an option's text
AREAS_MAX = 10
NOTE_MAX = 2000
ACTIVITY_ACTION = "health_check"

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


# At risk or worse is a stall signal (bot/services/signals.py).
LOW_STATUSES = (HealthStatus.AT_RISK, HealthStatus.CRITICAL, HealthStatus.EMERGENCY)


class Colour(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class HealthTemplateError(PlaybookError):
    """templates/health.yml is missing, unreadable or invalid; the message says where."""


class HealthInvalid(DomainError):
    """The submitted check is incomplete: `errors` maps a component or "note" to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


# ---- the template: templates/health.yml -----------------------------------------------------


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
        return self


@functools.cache
def load_health_template(templates_dir: Path) -> HealthTemplate:
    """templates/health.yml of a templates directory, read once per process."""
    path = templates_dir / "health.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HealthTemplateError(f"{path}: cannot read: {exc}") from None
    try:
        return HealthTemplate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise HealthTemplateError(f"{path}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class HealthRules:
    """The template with the settings applied: what every computation here reads."""

    weights: Mapping[str, int]
    statuses: tuple[StatusDef, ...]
    components: Mapping[str, ComponentDef]
    areas: tuple[AreaDef, ...]
    colour: ColourDef
    rating_words: Mapping[int, str]

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
    )


# ---- the arithmetic ---------------------------------------------------------------------------


def rating_points(rating: int) -> Fraction:
    """A 1..5 rating on the 0..100 scale: (rating - 1) / 4 * 100."""
    if rating not in RATINGS:
        raise ValueError(f"a rating is 1 to 5, got {rating!r}")
    return Fraction(rating - 1, 4) * 100


def _round_half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def health_score(ratings: Mapping[str, int], weights: Mapping[str, int]) -> int:
    """The weighted mean of the components' points, rounded half up (0..100)."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("the weights must sum to more than 0")
    weighted = sum(Fraction(w) * rating_points(ratings[c]) for c, w in weights.items())
    return _round_half_up(weighted / total)


def status_for(score: int, rules: HealthRules) -> StatusDef:
    """The first status (best first) whose lowest score the score reaches."""
    return next((s for s in rules.statuses if score >= s.min), rules.statuses[-1])


def colour_for(no_count: int, rules: HealthRules) -> Colour:
    if no_count >= rules.colour.red_from:
        return Colour.RED
    return Colour.YELLOW if no_count >= rules.colour.yellow_from else Colour.GREEN


@dataclass(frozen=True)
class Trend:
    direction: Literal["up", "down", "flat", "first"]
    points: int = 0  # score minus the previous score
    previous_score: int | None = None
    previous_at: datetime | None = None


def trend(score: int, previous_score: int | None, previous_at: datetime | None = None) -> Trend:
    if previous_score is None:
        return Trend("first")
    points = score - previous_score
    direction = "up" if points > 0 else "down" if points < 0 else "flat"
    return Trend(direction, points, previous_score, previous_at)


class MilestoneLike(Protocol):
    due_date: date
    status: str
    completed_on: date | None


@dataclass(frozen=True)
class ProgressFacts:
    rating: int
    due: int  # milestones due (due date before today) or done
    on_time: int
    overdue: int


_SHARE_BANDS = ((Fraction(9, 10), 5), (Fraction(3, 4), 4), (Fraction(1, 2), 3), (Fraction(1, 4), 2))


def progress_rating(milestones: Iterable[MilestoneLike], today: date) -> ProgressFacts:
    """The computed progress rating; the mapping is in the module docstring."""
    due = on_time = overdue = 0
    for m in milestones:
        if m.status == MilestoneStatus.WAIVED:
            continue
        done = m.status == MilestoneStatus.COMPLETE
        if not done and m.due_date >= today:
            continue  # not due yet
        due += 1
        if done and m.completed_on is not None and m.completed_on <= m.due_date:
            on_time += 1
        elif not done:
            overdue += 1
    if due == 0:
        return ProgressFacts(5, 0, 0, 0)
    share = Fraction(on_time, due)
    by_share = next((rating for floor, rating in _SHARE_BANDS if share >= floor), 1)
    by_overdue = max(1, 5 - overdue)
    return ProgressFacts(min(by_share, by_overdue), due, on_time, overdue)


@dataclass(frozen=True)
class HealthEntry:
    """What the CSM submitted: the ticked (YES) question numbers by area, the asked ratings
    (None when not chosen) and a note."""

    yes: Mapping[str, Collection[int]]
    ratings: Mapping[str, int | None]
    note: str = ""


@dataclass(frozen=True)
class Assessment:
    answers: dict[str, dict[str, bool]]
    ratings: dict[str, int]
    no_count: int
    score: int
    status: StatusDef
    colour: Colour
    progress: ProgressFacts


def assess(entry: HealthEntry, progress: ProgressFacts, rules: HealthRules) -> Assessment:
    """Validate a submitted check and compute its score; HealthInvalid names what is missing."""
    errors = {
        c: f"Choose a rating for {rules.components[c].name.lower()}."
        for c in ASKED
        if entry.ratings.get(c) not in RATINGS
    }
    if len(entry.note) > NOTE_MAX:
        errors["note"] = f"Keep the note under {NOTE_MAX} characters."
    if errors:
        raise HealthInvalid(errors)
    answers = {
        area.key: {
            question: i in set(entry.yes.get(area.key, ()))
            for i, question in enumerate(area.questions)
        }
        for area in rules.areas
    }
    no_count = sum(1 for area in answers.values() for yes in area.values() if not yes)
    ratings = {c: int(entry.ratings[c]) for c in ASKED}  # type: ignore[arg-type]
    ratings[COMPUTED] = progress.rating
    ordered = {c: ratings[c] for c in HEALTH_COMPONENTS}
    score = health_score(ordered, rules.weights)
    return Assessment(
        answers,
        ordered,
        no_count,
        score,
        status_for(score, rules),
        colour_for(no_count, rules),
        progress,
    )


# ---- reading and recording ----------------------------------------------------------------


@dataclass(frozen=True)
class HealthSummary:
    """The latest check of an onboarding, as the status card and the metrics show it."""

    onboarding_id: int
    check_id: int
    checked_at: datetime
    checked_by: str
    score: int
    status: HealthStatus
    status_name: str
    response: str
    no_count: int
    colour: Colour
    trend: Trend


def ranked_checks(onboarding_ids: Select | Collection[int], depth: int) -> Select:
    """The `depth` latest checks of each onboarding, newest first, ordered by onboarding id:
    one query whatever the number of onboardings (a window over the (onboarding, checked_at)
    index)."""
    rank = (
        func.row_number()
        .over(
            partition_by=HealthCheck.onboarding_id,
            order_by=(HealthCheck.checked_at.desc(), HealthCheck.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            HealthCheck.onboarding_id,
            HealthCheck.id,
            HealthCheck.checked_at,
            HealthCheck.checked_by,
            HealthCheck.score,
            HealthCheck.status,
            HealthCheck.no_count,
            rank,
        )
        .where(HealthCheck.onboarding_id.in_(onboarding_ids))
        .subquery()
    )
    return (
        select(
            ranked.c.onboarding_id,
            ranked.c.id,
            ranked.c.checked_at,
            ranked.c.checked_by,
            ranked.c.score,
            ranked.c.status,
            ranked.c.no_count,
        )
        .where(ranked.c.rank <= depth)
        .order_by(ranked.c.onboarding_id, ranked.c.rank)
    )


def latest_health(
    session: Session, onboarding_ids: Collection[int], rules: HealthRules
) -> dict[int, HealthSummary]:
    """The latest check of each onboarding that has one, with its trend: one query."""
    if not onboarding_ids:
        return {}
    by_onboarding: dict[int, list[tuple]] = {}
    for row in session.execute(ranked_checks(list(onboarding_ids), 2)):
        by_onboarding.setdefault(row.onboarding_id, []).append(row)
    return {
        oid: _summary(rows[0], rows[1] if len(rows) > 1 else None, rules)
        for oid, rows in by_onboarding.items()
    }


def _summary(row, previous, rules: HealthRules) -> HealthSummary:  # type: ignore[no-untyped-def]
    status = rules.status(row.status)
    return HealthSummary(
        onboarding_id=row.onboarding_id,
        check_id=row.id,
        checked_at=row.checked_at,
        checked_by=row.checked_by,
        score=row.score,
        status=HealthStatus(status.key),
        status_name=status.name,
        response=status.response,
        no_count=row.no_count,
        colour=colour_for(row.no_count, rules),
        trend=trend(
            row.score,
            previous.score if previous is not None else None,
            previous.checked_at if previous is not None else None,
        ),
    )


@dataclass(frozen=True)
class HealthForm:
    """Everything the health check modal shows."""

    onboarding_id: int
    company_name: str
    areas: tuple[AreaDef, ...]
    components: Mapping[str, ComponentDef]
    rating_words: Mapping[int, str]
    progress: ProgressFacts
    sentiment: RecentSentiment | None
    previous: HealthSummary | None
    weights: Mapping[str, int]
    sentiment_window_days: int = SENTIMENT_WINDOW.days


@dataclass(frozen=True)
class HealthResult:
    onboarding_id: int
    company_name: str
    check_id: int
    assessment: Assessment
    trend: Trend
    checked_at: datetime
    red_response: str = ""


def open_health_check(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    rules: HealthRules,
    now: datetime,
    today: date,
) -> HealthForm:
    """The modal's content; only the CSM, the AE and the admins may run the check."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    return HealthForm(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        areas=rules.areas,
        components=rules.components,
        rating_words=rules.rating_words,
        progress=progress_rating(onboarding.milestones, today),
        sentiment=recent_sentiment(session, onboarding.id, now),
        previous=latest_health(session, [onboarding.id], rules).get(onboarding.id),
        weights=rules.weights,
    )


def record_health_check(
    session: Session,
    onboarding_id: int,
    actor: str,
    entry: HealthEntry,
    *,
    admins: Collection[str],
    rules: HealthRules,
    now: datetime,
    today: date,
    view_id: str | None = None,
) -> HealthResult:
    """Store the check with an activity entry (one commit); the trend is against the check
    before it. Progress is computed now, from the milestones as they are. A modal submitted
    again (`view_id` already stored: Slack delivering it twice) stores nothing and gets the
    stored check's result."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    if view_id and (stored := _stored_check(session, view_id)) is not None:
        return _stored_result(session, stored, rules, today)
    milestones: Sequence[Milestone] = onboarding.milestones
    assessment = assess(entry, progress_rating(milestones, today), rules)
    previous = latest_health(session, [onboarding.id], rules).get(onboarding.id)
    check = HealthCheck(
        onboarding_id=onboarding.id,
        checked_at=now,
        checked_by=actor,
        answers=assessment.answers,
        ratings=assessment.ratings,
        no_count=assessment.no_count,
        score=assessment.score,
        status=assessment.status.key.value,
        note=entry.note.strip(),
        view_id=view_id,
    )
    session.add(check)
    try:
        session.flush()
    except IntegrityError:
        # The same view, delivered twice at once: the other delivery stored it first.
        session.rollback()
        stored = _stored_check(session, view_id) if view_id else None
        if stored is None:
            raise
        return _stored_result(session, stored, rules, today)
    result_trend = trend(
        assessment.score,
        previous.score if previous else None,
        previous.checked_at if previous else None,
    )
    record_activity(
        session,
        onboarding,
        actor,
        ACTIVITY_ACTION,
        f"ran the health check: {assessment.score}/100, {assessment.status.name.lower()}",
        now=now,
        data={
            "health_check_id": check.id,
            "score": assessment.score,
            "status": assessment.status.key.value,
            "no_count": assessment.no_count,
            "trend": result_trend.points,
        },
    )
    session.commit()
    return _result(onboarding, check, assessment, result_trend, rules)


def _result(
    onboarding: Onboarding,
    check: HealthCheck,
    assessment: Assessment,
    result_trend: Trend,
    rules: HealthRules,
) -> HealthResult:
    return HealthResult(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        check_id=check.id,
        assessment=assessment,
        trend=result_trend,
        checked_at=check.checked_at,
        red_response=rules.colour.red_response if assessment.colour == Colour.RED else "",
    )


def _stored_check(session: Session, view_id: str) -> HealthCheck | None:
    return session.scalar(select(HealthCheck).where(HealthCheck.view_id == view_id))


def _stored_result(
    session: Session, check: HealthCheck, rules: HealthRules, today: date
) -> HealthResult:
    """The result `record_health_check` gave when it stored `check`, read back from it (the
    progress counts as the plan reads today: the check keeps its rating, not the counts)."""
    onboarding = check.onboarding
    previous = session.scalar(
        select(HealthCheck)
        .where(
            HealthCheck.onboarding_id == check.onboarding_id,
            or_(
                HealthCheck.checked_at < check.checked_at,
                and_(HealthCheck.checked_at == check.checked_at, HealthCheck.id < check.id),
            ),
        )
        .order_by(HealthCheck.checked_at.desc(), HealthCheck.id.desc())
        .limit(1)
    )
    assessment = Assessment(
        check.answers,
        check.ratings,
        check.no_count,
        check.score,
        rules.status(check.status),
        colour_for(check.no_count, rules),
        progress_rating(onboarding.milestones, today),
    )
    result_trend = trend(
        check.score,
        previous.score if previous else None,
        previous.checked_at if previous else None,
    )
    return _result(onboarding, check, assessment, result_trend, rules)
