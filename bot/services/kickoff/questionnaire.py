"""The pre-kickoff questionnaire's answers: checked, stored as an activity entry, the
first-value answer pre-filling an empty definition, and the CSM told by DM (queued as
`QuestionnaireAnswers`, kind `questionnaire_answers`, rendered by bot/slack/kickoff_views.py).
The customer sees nothing but the questions and a thank-you."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotAllowed
from bot.services.kickoff.config import QuestionDef, QuestionnaireDef
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key, post_data

ANSWERS_KIND = "questionnaire_answers"
ANSWER_MAX = 2000


class QuestionnaireInvalid(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors  # question key -> message


def ensure_questionnaire_here(onboarding: Onboarding, channel_id: str | None) -> None:
    """The questionnaire is answered where it was asked: the customer channel."""
    if not channel_id or channel_id != onboarding.customer_channel_id:
        raise NotAllowed("These questions were not asked here, so your answers were not recorded.")


def open_questionnaire(session: Session, onboarding_id: int, channel_id: str | None) -> None:
    ensure_questionnaire_here(get_onboarding(session, onboarding_id), channel_id)


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """The CSM's DM: who answered, and each question with its answer."""

    company_name: str
    respondent: str
    questions: list[QuestionDef]
    answers: dict[str, str]
    prefilled_first_value: bool


@dataclass(frozen=True)
class QuestionnaireAnswered:
    onboarding_id: int
    company_name: str
    csm_user_id: str
    prefilled_first_value: bool


def record_questionnaire(
    session: Session,
    onboarding_id: int,
    respondent: str,
    answers: dict[str, str],
    config: QuestionnaireDef,
    *,
    channel_id: str | None,
    now: datetime,
) -> QuestionnaireAnswered:
    """Store the answers (an activity entry with them in `data`), pre-fill the first-value
    definition when empty, and queue a DM to the CSM with the answers."""
    cleaned = {q.key: (answers.get(q.key) or "").strip() for q in config.questions}
    errors = {
        q.key: "Please answer this question."
        for q in config.questions
        if not q.optional and not cleaned[q.key]
    }
    errors |= {
        key: f"At most {ANSWER_MAX} characters, please."
        for key, value in cleaned.items()
        if len(value) > ANSWER_MAX
    }
    if errors:
        raise QuestionnaireInvalid(errors)
    onboarding = get_onboarding(session, onboarding_id)
    ensure_questionnaire_here(onboarding, channel_id)
    first_value = cleaned[config.first_value_key]
    prefilled = bool(first_value) and not onboarding.first_value_definition.strip()
    if prefilled:
        onboarding.first_value_definition = first_value
    entry = record_activity(
        session,
        onboarding,
        respondent,
        "questionnaire_answered",
        "pre-kickoff questionnaire answered",
        now=now,
        data={"answers": cleaned, "respondent": respondent},
    )
    session.flush()
    told = QuestionnaireAnswers(
        onboarding.company_name, respondent, list(config.questions), cleaned, prefilled
    )
    enqueue(
        session,
        Post(
            key=outbox_key(ANSWERS_KIND, onboarding_id, respondent, str(entry.id)),
            kind=ANSWERS_KIND,
            channel=onboarding.csm_user_id,
            data=post_data(told),
            onboarding_id=onboarding_id,
            internal=True,
        ),
        now=now,
    )
    return QuestionnaireAnswered(
        onboarding.id, onboarding.company_name, onboarding.csm_user_id, prefilled
    )
