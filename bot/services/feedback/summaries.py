"""What the customer's answers add up to: NPS and averages for the metrics, and the recent
sentiment (1-5) the health score reads."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import FeedbackResponse
from bot.services.feedback.questions import FeedbackKind

# recent_sentiment: answers of this many days before `now`.
SENTIMENT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), over `n` answers."""

    n: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.n - self.promoters - self.detractors

    @property
    def score(self) -> int | None:
        """-100 to 100, rounded half away from zero; None without answers."""
        if not self.n:
            return None
        value = 100 * (self.promoters - self.detractors) / self.n
        return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def nps_of(scores: Iterable[int]) -> Nps:
    values = list(scores)
    return Nps(
        n=len(values),
        promoters=sum(1 for v in values if v >= 9),
        detractors=sum(1 for v in values if v <= 6),
    )


@dataclass(frozen=True)
class FeedbackSummary:
    """Averages say how many answers they rest on; None without any."""

    pulse_n: int
    pulse_average: float | None
    survey_n: int
    satisfaction_average: float | None
    effort_average: float | None
    nps: Nps


def summarise_feedback(
    session: Session, onboarding_ids: Collection[int] | None = None
) -> FeedbackSummary:
    """Average pulse, satisfaction and effort, and NPS, over the given onboardings (or all),
    in one aggregate query."""
    pulse = FeedbackResponse.kind.in_((FeedbackKind.PULSE_KICKOFF, FeedbackKind.PULSE_GO_LIVE))
    survey = FeedbackResponse.kind == FeedbackKind.SURVEY
    nps_answered = survey & FeedbackResponse.nps.is_not(None)

    def count(condition):  # type: ignore[no-untyped-def]
        return func.count().filter(condition)

    query = select(
        count(pulse & FeedbackResponse.pulse.is_not(None)),
        func.avg(FeedbackResponse.pulse).filter(pulse),
        count(survey),
        func.avg(FeedbackResponse.satisfaction).filter(survey),
        func.avg(FeedbackResponse.effort).filter(survey),
        count(nps_answered),
        count(nps_answered & (FeedbackResponse.nps >= 9)),
        count(nps_answered & (FeedbackResponse.nps <= 6)),
    )
    if onboarding_ids is not None:
        query = query.where(FeedbackResponse.onboarding_id.in_(list(onboarding_ids)))
    row = session.execute(query).one()

    def avg(value: object) -> float | None:
        return None if value is None else float(value)  # type: ignore[arg-type]

    return FeedbackSummary(
        pulse_n=row[0],
        pulse_average=avg(row[1]),
        survey_n=row[2],
        satisfaction_average=avg(row[3]),
        effort_average=avg(row[4]),
        nps=Nps(n=row[5], promoters=row[6], detractors=row[7]),
    )


def satisfaction_on_five(satisfaction: int) -> float:
    """Satisfaction 1-10 on the pulse's 1-5 scale (1 -> 1, 10 -> 5)."""
    return 1 + (satisfaction - 1) * 4 / 9


@dataclass(frozen=True)
class RecentSentiment:
    """The mean of recent answers on a 1-5 scale, and how many answers it rests on."""

    average: float
    responses: int

    @property
    def rating(self) -> int:
        """The nearest whole rating (halves round up), as the health check asks it."""
        return min(5, max(1, int(self.average + 0.5)))


def recent_sentiment(
    session: Session, onboarding_id: int, now: datetime, *, window: timedelta = SENTIMENT_WINDOW
) -> RecentSentiment | None:
    """The customer's expressed satisfaction, 1-5, for the health score's sentiment: the mean
    of the pulses and of the surveys' satisfaction (put on 1-5) answered within `window` before
    `now`. None when nobody answered lately (the health check then asks the CSM)."""
    rows = session.execute(
        select(FeedbackResponse.pulse, FeedbackResponse.satisfaction).where(
            FeedbackResponse.onboarding_id == onboarding_id,
            FeedbackResponse.created_at > now - window,
            FeedbackResponse.created_at <= now,
        )
    ).all()
    values = [float(pulse) for pulse, _ in rows if pulse is not None]
    values += [satisfaction_on_five(s) for _, s in rows if s is not None]
    if not values:
        return None
    return RecentSentiment(round(sum(values) / len(values), 2), len(values))
