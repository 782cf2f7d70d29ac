"""The health score's arithmetic (domain.md "Health score during onboarding"), pure functions
of the answers, the milestones and the rules. Decisions, documented here once:

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

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Literal, Protocol

from bot.config import HEALTH_COMPONENTS
from bot.models import MilestoneStatus
from bot.services.errors import DomainError
from bot.services.health.rules import ASKED, COMPUTED, RATINGS, Colour, HealthRules, StatusDef

NOTE_MAX = 2000


class HealthInvalid(DomainError):
    """The submitted check is incomplete: `errors` maps a component or "note" to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


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
