"""The customer's answers: a pulse click or a submitted survey, one FeedbackResponse per
(onboarding, kind, respondent), so answering again changes the answer. The posted question is
edited to count the answers; scores stay internal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import insert_unless_exists
from bot.models import FeedbackResponse, Onboarding, OutboxMessage
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotAllowed
from bot.services.feedback.questions import (
    FeedbackKind,
    pulse_key,
    pulse_post,
    survey_key,
    survey_post,
    survey_target,
)
from bot.services.feedback.wording import FeedbackConfig
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue_update, message_by_key

COMMENT_MAX = 3000
PULSE_RANGE = range(1, 6)
SATISFACTION_RANGE = range(1, 11)
NPS_RANGE = range(0, 11)
EFFORT_RANGE = range(1, 6)


class InvalidAnswer(DomainError):
    """An answer out of its scale; `field` names the question."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SurveyAnswers:
    satisfaction: int
    nps: int
    effort: int
    comment: str = ""
    prepared: bool | None = None  # "prepared for ongoing success?", when answered
    reference: bool | None = None  # "would you be a reference?", when answered

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
    **answers: int | str | bool | None,
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
    pulse message is edited to count the answers."""
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
    _retell(session, key, pulse_post(onboarding, kind, config, answers=answers), now)
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
    """A submitted survey; submitting again changes the answers."""
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
        prepared=answers.prepared,
        reference=answers.reference,
        comment=answers.comment.strip(),
    )
    record_activity(
        session, onboarding, respondent, "feedback", "post-onboarding survey answered", now=now
    )
    session.flush()
    count = _count(session, onboarding_id, FeedbackKind.SURVEY)
    if onboarding.customer_channel_id:
        post = survey_post(onboarding, onboarding.customer_channel_id, config, answers=count)
        _retell(session, key, post, now)
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
    return SurveyAnswers(
        row.satisfaction, row.nps, row.effort, row.comment, row.prepared, row.reference
    )


def _describe(kind: FeedbackKind) -> str:
    return {
        FeedbackKind.PULSE_KICKOFF: "kickoff pulse",
        FeedbackKind.PULSE_GO_LIVE: "go-live pulse",
        FeedbackKind.SURVEY: "post-onboarding survey",
    }[kind]
