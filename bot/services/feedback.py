"""The customer's voice: a one-click pulse after kickoff and after go-live, and the
post-onboarding survey at transition.

- **Pulse** (1-5): when the kickoff milestone completes, or go-live happens, one message goes to
  the customer channel (the outbox key is per onboarding and pulse, so it is queued once however
  many paths ask). Without a customer channel nothing is sent: the pulse is the customer's to
  answer, and an internal channel has no customer in it.
- **Survey** (satisfaction 1-10, NPS 0-10, effort 1-5, a comment): when the transition milestone
  completes, or the CSM runs `/onboard survey`, a "Give feedback" message goes to the customer
  channel or, without one, by DM to each customer stakeholder with a Slack user id.
- Answers are FeedbackResponse rows, one per (onboarding, kind, respondent): answering again
  changes the answer. Scores are internal: the messages only count answers.

Wording is data (templates/feedback.yml, validated at start-up). `recent_sentiment` feeds the
health score; `nps_of` and `summarise_feedback` feed the metrics.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from bot.db import insert_unless_exists
from bot.models import (
    FeedbackResponse,
    Milestone,
    MilestoneStatus,
    Onboarding,
    OutboxMessage,
)
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotAllowed
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, enqueue_update, message_by_key, outbox_key
from bot.services.permissions import ensure_can_change
from bot.slack.feedback_views import (
    build_pulse_blocks,
    build_survey_invite_blocks,
    pulse_text,
    survey_invite_text,
)
from bot.slack.mrkdwn import count

KICKOFF_MILESTONE = "kickoff"
TRANSITION_MILESTONE = "transition"
# A milestone completed longer ago than this gets no pulse or survey any more (nor a late one).
FEEDBACK_WINDOW = timedelta(days=3)
# recent_sentiment: answers of this many days before `now`.
SENTIMENT_WINDOW = timedelta(days=90)
COMMENT_MAX = 3000

PULSE_RANGE = range(1, 6)
SATISFACTION_RANGE = range(1, 11)
NPS_RANGE = range(0, 11)
EFFORT_RANGE = range(1, 6)


class FeedbackKind(enum.StrEnum):
    PULSE_KICKOFF = "pulse_kickoff"
    PULSE_GO_LIVE = "pulse_go_live"
    SURVEY = "survey"

    @property
    def is_pulse(self) -> bool:
        return self is not FeedbackKind.SURVEY


PULSE_KIND = "pulse"
SURVEY_KIND = "survey"


class InvalidAnswer(DomainError):
    """An answer out of its scale; `field` names the question."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# ---- wording: templates/feedback.yml ---------------------------------------------------------


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
        path = templates_dir / "feedback.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise FeedbackConfigError(f"{path}: cannot read: {exc}") from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise FeedbackConfigError(f"{path}: {where}: {first['msg']}") from None


@functools.cache
def load_feedback_config(templates_dir: Path) -> FeedbackConfig:
    """The wording of a templates directory, read once per process."""
    return FeedbackConfig.load(templates_dir)


# ---- what to send, and where -----------------------------------------------------------------


def pulse_key(onboarding_id: int, kind: FeedbackKind) -> str:
    return outbox_key(PULSE_KIND, onboarding_id, kind.value)


def survey_key(onboarding_id: int, destination: str) -> str:
    return outbox_key(SURVEY_KIND, onboarding_id, destination)


def pulse_kind_for(milestone: Milestone) -> FeedbackKind | None:
    if milestone.is_go_live:
        return FeedbackKind.PULSE_GO_LIVE
    if milestone.key == KICKOFF_MILESTONE:
        return FeedbackKind.PULSE_KICKOFF
    return None


@dataclass(frozen=True)
class SurveyTarget:
    """Where the survey invitation goes: the customer channel, or these people by DM."""

    channel_id: str | None
    user_ids: tuple[str, ...]

    @property
    def destinations(self) -> tuple[str, ...]:
        return (self.channel_id,) if self.channel_id else self.user_ids


def survey_target(onboarding: Onboarding) -> SurveyTarget:
    if onboarding.customer_channel_id:
        return SurveyTarget(onboarding.customer_channel_id, ())
    people = dict.fromkeys(
        s.slack_user_id
        for s in onboarding.stakeholders
        if s.slack_user_id and s.departed_at is None
    )
    return SurveyTarget(None, tuple(people))


def _pulse_post(
    onboarding: Onboarding,
    kind: FeedbackKind,
    config: FeedbackConfig,
    *,
    answers: int = 0,
    expires_at: datetime | None = None,
) -> Post | None:
    if not onboarding.customer_channel_id:
        return None
    return Post(
        key=pulse_key(onboarding.id, kind),
        kind=PULSE_KIND,
        channel=onboarding.customer_channel_id,
        text=pulse_text(config.pulse),
        blocks=build_pulse_blocks(onboarding.id, kind, config.pulse, answers),
        onboarding_id=onboarding.id,
        expires_at=expires_at,
    )


def _survey_post(
    onboarding: Onboarding, destination: str, config: FeedbackConfig, *, answers: int = 0
) -> Post:
    in_channel = destination == onboarding.customer_channel_id
    return Post(
        key=survey_key(onboarding.id, destination),
        kind=SURVEY_KIND,
        channel=destination,
        text=survey_invite_text(onboarding.company_name, config.survey),
        blocks=build_survey_invite_blocks(
            onboarding.id, onboarding.company_name, config.survey, answers if in_channel else 0
        ),
        onboarding_id=onboarding.id,
    )


def queue_pulse(
    session: Session,
    milestone: Milestone,
    config: FeedbackConfig,
    *,
    now: datetime,
) -> str | None:
    """Queue the pulse a completed kickoff or go-live milestone asks for, unless it was queued
    before, the completion is older than FEEDBACK_WINDOW, or there is no customer channel.
    The queued key, or None. The caller commits."""
    kind = pulse_kind_for(milestone)
    if (
        kind is None
        or milestone.status != MilestoneStatus.COMPLETE
        or milestone.completed_at is None
        or now >= milestone.completed_at + FEEDBACK_WINDOW
    ):
        return None
    post = _pulse_post(
        milestone.onboarding, kind, config, expires_at=milestone.completed_at + FEEDBACK_WINDOW
    )
    if post is None or not enqueue(session, post, now=now):
        return None
    return post.key


@dataclass(frozen=True)
class SurveySent:
    company_name: str
    target: SurveyTarget
    queued: tuple[str, ...]  # destinations queued by this call

    @property
    def already_sent(self) -> bool:
        return bool(self.target.destinations) and not self.queued


def queue_survey(
    session: Session, onboarding: Onboarding, config: FeedbackConfig, *, now: datetime
) -> SurveySent:
    """Queue the survey invitation to every destination that has not had it. Caller commits."""
    target = survey_target(onboarding)
    queued = tuple(
        destination
        for destination in target.destinations
        if enqueue(session, _survey_post(onboarding, destination, config), now=now)
    )
    return SurveySent(onboarding.company_name, target, queued)


def send_survey(
    session: Session,
    onboarding_id: int,
    actor: str,
    config: FeedbackConfig,
    *,
    admins: Collection[str],
    now: datetime,
) -> SurveySent:
    """`/onboard survey <customer>`: the CSM (AE, admin) sends the survey now. Commits."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    ensure_can_change(onboarding, actor, admins)
    sent = queue_survey(session, onboarding, config, now=now)
    if sent.queued:
        record_activity(
            session,
            onboarding,
            actor,
            "survey_sent",
            f"post-onboarding survey sent ({count(len(sent.queued), 'destination')})",
            now=now,
        )
    session.commit()
    return sent


def _recent_milestones(
    session: Session, now: datetime, onboarding_id: int | None
) -> list[Milestone]:
    query = (
        select(Milestone)
        .join(Onboarding, Onboarding.id == Milestone.onboarding_id)
        .where(
            Milestone.status == MilestoneStatus.COMPLETE,
            Milestone.completed_at > now - FEEDBACK_WINDOW,
            Milestone.completed_at <= now,
            or_(
                Milestone.key.in_((KICKOFF_MILESTONE, TRANSITION_MILESTONE)),
                Milestone.is_go_live.is_(True),
            ),
        )
        .options(joinedload(Milestone.onboarding).selectinload(Onboarding.stakeholders))
        .order_by(Milestone.completed_at, Milestone.id)
    )
    if onboarding_id is not None:
        query = query.where(Milestone.onboarding_id == onboarding_id)
    return list(session.scalars(query).unique())


def queue_due_feedback(
    session: Session, config: FeedbackConfig, *, now: datetime, onboarding_id: int | None = None
) -> list[str]:
    """Pulses and surveys due for milestones completed within FEEDBACK_WINDOW and not yet
    queued (of one onboarding, or all). The `feedback` job and `after_change` call it; the
    outbox keys make it safe to call any number of times. The caller commits."""
    queued: list[str] = []
    for milestone in _recent_milestones(session, now, onboarding_id):
        if milestone.key == TRANSITION_MILESTONE and not milestone.is_go_live:
            sent = queue_survey(session, milestone.onboarding, config, now=now)
            queued += [survey_key(milestone.onboarding_id, d) for d in sent.queued]
        elif (key := queue_pulse(session, milestone, config, now=now)) is not None:
            queued.append(key)
    return queued


# ---- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyAnswers:
    satisfaction: int
    nps: int
    effort: int
    comment: str = ""

    def check(self) -> None:
        """InvalidAnswer naming the first answer out of its scale."""
        for name, value, scale in (
            ("satisfaction", self.satisfaction, SATISFACTION_RANGE),
            ("nps", self.nps, NPS_RANGE),
            ("effort", self.effort, EFFORT_RANGE),
        ):
            if value not in scale:
                raise InvalidAnswer(name, f"Choose a number from {scale[0]} to {scale[-1]}.")
        if len(self.comment) > COMMENT_MAX:
            raise InvalidAnswer("comment", f"At most {COMMENT_MAX} characters, please.")


@dataclass(frozen=True)
class Answered:
    """What the respondent may be told: how many answered, never what."""

    onboarding_id: int
    kind: FeedbackKind
    answers: int
    changed_answer: bool


def ensure_may_answer(
    onboarding: Onboarding, kind: FeedbackKind, channel_id: str | None, respondent: str
) -> None:
    """The question was asked where the click came from: the customer channel, or (the survey
    without a channel) a DM to a stakeholder."""
    if channel_id and channel_id == onboarding.customer_channel_id:
        return
    if kind is FeedbackKind.SURVEY and respondent in survey_target(onboarding).user_ids:
        return
    raise NotAllowed("This question was not asked here, so your answer was not recorded.")


def _upsert(
    session: Session,
    onboarding: Onboarding,
    kind: FeedbackKind,
    respondent: str,
    now: datetime,
    **answers: int | str | None,
) -> bool:
    """Insert the answer, or change the respondent's earlier one. True when it was a change."""
    values = {
        "onboarding_id": onboarding.id,
        "kind": kind.value,
        "respondent": respondent,
        "created_at": now,
        "comment": "",
        **answers,
    }
    if insert_unless_exists(session, FeedbackResponse, values) is not None:
        return False
    row = session.scalars(
        select(FeedbackResponse)
        .where(
            FeedbackResponse.onboarding_id == onboarding.id,
            FeedbackResponse.kind == kind.value,
            FeedbackResponse.respondent == respondent,
        )
        .with_for_update()
    ).one()
    for name, value in answers.items():
        setattr(row, name, value)
    row.created_at = now
    return True


def _lock_message(session: Session, key: str) -> None:
    """Lock the question's outbox row (PostgreSQL; SQLite has one writer), so concurrent
    answers edit the message in turn and the last edit carries the final count."""
    session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key).with_for_update()
    ).all()


def _count(session: Session, onboarding_id: int, kind: FeedbackKind) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(FeedbackResponse)
            .where(
                FeedbackResponse.onboarding_id == onboarding_id, FeedbackResponse.kind == kind.value
            )
        )
        or 0
    )


def _retell(session: Session, key: str, post: Post | None, now: datetime) -> None:
    """Edit the posted question to show the new count. Only a message that reached Slack is
    edited (a pending or skipped one is left alone), and an edit never expires."""
    row: OutboxMessage | None = message_by_key(session, key)
    if row is None or not row.ts or post is None or post.channel != row.channel:
        return
    row.expires_at = None
    enqueue_update(session, post, now=now)


def record_pulse(
    session: Session,
    onboarding_id: int,
    kind: FeedbackKind,
    respondent: str,
    pulse: int,
    config: FeedbackConfig,
    *,
    channel_id: str | None,
    now: datetime,
) -> Answered:
    """A click on a pulse button; a second click by the same person changes the answer. The
    pulse message is edited to count the answers. Commits."""
    if not kind.is_pulse:
        raise InvalidAnswer("pulse", "That is not a pulse question.")
    if pulse not in PULSE_RANGE:
        raise InvalidAnswer("pulse", "Choose a number from 1 to 5.")
    onboarding = get_onboarding(session, onboarding_id)
    ensure_may_answer(onboarding, kind, channel_id, respondent)
    # Lock the message first, so concurrent answers edit it in order and the last count wins.
    key = pulse_key(onboarding_id, kind)
    _lock_message(session, key)
    changed = _upsert(session, onboarding, kind, respondent, now, pulse=pulse)
    record_activity(
        session, onboarding, respondent, "feedback", f"{_describe(kind)} answered", now=now
    )
    session.flush()
    answers = _count(session, onboarding_id, kind)
    _retell(session, key, _pulse_post(onboarding, kind, config, answers=answers), now)
    session.commit()
    return Answered(onboarding_id, kind, answers, changed)


def record_survey(
    session: Session,
    onboarding_id: int,
    respondent: str,
    answers: SurveyAnswers,
    config: FeedbackConfig,
    *,
    channel_id: str | None,
    now: datetime,
) -> Answered:
    """A submitted survey; submitting again changes the answers. Commits."""
    answers.check()
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    ensure_may_answer(onboarding, FeedbackKind.SURVEY, channel_id, respondent)
    key = survey_key(onboarding_id, onboarding.customer_channel_id or "")
    _lock_message(session, key)
    changed = _upsert(
        session,
        onboarding,
        FeedbackKind.SURVEY,
        respondent,
        now,
        satisfaction=answers.satisfaction,
        nps=answers.nps,
        effort=answers.effort,
        comment=answers.comment.strip(),
    )
    record_activity(
        session, onboarding, respondent, "feedback", "post-onboarding survey answered", now=now
    )
    session.flush()
    count = _count(session, onboarding_id, FeedbackKind.SURVEY)
    if onboarding.customer_channel_id:
        post = _survey_post(onboarding, onboarding.customer_channel_id, config, answers=count)
        _retell(session, key, post, now)
    session.commit()
    return Answered(onboarding_id, FeedbackKind.SURVEY, count, changed)


def open_survey(
    session: Session, onboarding_id: int, respondent: str, channel_id: str | None
) -> SurveyAnswers | None:
    """The survey is about to open for `respondent`: their earlier answers, if any (their own,
    to change them). NotAllowed when the survey was not asked where they clicked."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    ensure_may_answer(onboarding, FeedbackKind.SURVEY, channel_id, respondent)
    row = session.scalars(
        select(FeedbackResponse).where(
            FeedbackResponse.onboarding_id == onboarding_id,
            FeedbackResponse.kind == FeedbackKind.SURVEY.value,
            FeedbackResponse.respondent == respondent,
        )
    ).one_or_none()
    if row is None or row.satisfaction is None or row.nps is None or row.effort is None:
        return None
    return SurveyAnswers(row.satisfaction, row.nps, row.effort, row.comment)


def _describe(kind: FeedbackKind) -> str:
    return {
        FeedbackKind.PULSE_KICKOFF: "kickoff pulse",
        FeedbackKind.PULSE_GO_LIVE: "go-live pulse",
        FeedbackKind.SURVEY: "post-onboarding survey",
    }[kind]


# ---- summaries -------------------------------------------------------------------------------


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
