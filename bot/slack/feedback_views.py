"""The customer's voice in Slack: the pulse message, the survey invitation and the survey modal.

Pure builders (no database, no Slack calls). Everything here is read by the customer: it counts
answers and thanks people, and never shows a score or anything internal. `RENDERERS` turn the
queued `PulseQuestion` and `SurveyInvite` into messages when they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.services.feedback import (
    EFFORT_RANGE,
    NPS_RANGE,
    PULSE_KIND,
    SATISFACTION_RANGE,
    SURVEY_KIND,
    FeedbackKind,
    PulseQuestion,
    PulseWording,
    Question,
    SurveyAnswers,
    SurveyInvite,
    SurveySent,
    SurveyWording,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import PULSE_SCORES, FeedbackId, pulse_action_id
from bot.slack.mrkdwn import Mrkdwn, channel_link, count, escape
from bot.slack.rendering import Rendered, renderer

COMMENT_INPUT_MAX = 3000


class PulseValue(BaseModel):
    """A pulse button: which onboarding, which pulse, which score."""

    onboarding_id: int
    kind: str
    score: int


class SurveyValue(BaseModel):
    """The "Give feedback" button."""

    onboarding_id: int


class SurveyMetadata(BaseModel):
    """The survey modal's `private_metadata`: whose survey, and where it was opened."""

    onboarding_id: int
    channel_id: str | None = None


def answers_phrase(count: int) -> str:
    return "1 answer" if count == 1 else f"{count} answers"


def pulse_text(wording: PulseWording) -> str:
    return wording.question


def build_pulse_blocks(
    onboarding_id: int, kind: FeedbackKind, wording: PulseWording, answers: int
) -> list[bk.Block]:
    buttons = [
        bk.button(
            str(score),
            pulse_action_id(score),
            PulseValue(onboarding_id=onboarding_id, kind=kind.value, score=score).model_dump_json(),
        )
        for score in PULSE_SCORES
    ]
    blocks = [
        bk.section(Mrkdwn(f"*{escape(wording.question)}*")),
        bk.actions(*buttons, block_id=FeedbackId.PULSE),
        bk.context(f"{wording.low_label} · {wording.high_label}"),
    ]
    if answers:
        blocks.append(bk.context(wording.thanks.format(count=answers_phrase(answers))))
    return blocks


def survey_invite_text(company_name: str, wording: SurveyWording) -> str:
    return f"{wording.title}: {escape(company_name)}"


def build_survey_invite_blocks(
    onboarding_id: int, company_name: str, wording: SurveyWording, answers: int
) -> list[bk.Block]:
    blocks = [
        bk.header(f"{wording.title}: {company_name}"),
        bk.section(wording.intro),
        bk.actions(
            bk.button(
                wording.button,
                FeedbackId.SURVEY_OPEN,
                SurveyValue(onboarding_id=onboarding_id).model_dump_json(),
                style="primary",
            )
        ),
    ]
    if answers:
        blocks.append(bk.context(wording.answered.format(count=answers_phrase(answers))))
    return blocks


def render_pulse(question: PulseQuestion) -> Rendered:
    blocks = build_pulse_blocks(
        question.onboarding_id, question.pulse, question.wording, question.answers
    )
    return Rendered(pulse_text(question.wording), blocks)


def render_survey_invite(invite: SurveyInvite) -> Rendered:
    blocks = build_survey_invite_blocks(
        invite.onboarding_id, invite.company_name, invite.wording, invite.answers
    )
    return Rendered(survey_invite_text(invite.company_name, invite.wording), blocks)


RENDERERS = {
    PULSE_KIND: renderer(PulseQuestion, render_pulse),
    SURVEY_KIND: renderer(SurveyInvite, render_survey_invite),
}


def _scale_select(block_id: str, question: Question, scale: range, initial: int | None) -> bk.Block:
    element = bk.select_element(
        FeedbackId.INPUT,
        [bk.option(str(n), str(n)) for n in scale],
        initial=None if initial is None else str(initial),
        placeholder=f"{scale[0]} to {scale[-1]}",
    )
    return bk.input_block(block_id, question.label, element, hint=question.hint)


YES_NO = {"yes": True, "no": False}


def _yes_no(block_id: str, question: Question | None, initial: bool | None) -> list[bk.Block]:
    """An optional yes/no question, when the survey wording asks it."""
    if question is None:
        return []
    chosen = None if initial is None else ("yes" if initial else "no")
    element = bk.radio_element(
        FeedbackId.INPUT, [bk.option("Yes", "yes"), bk.option("No", "no")], initial=chosen
    )
    return [bk.input_block(block_id, question.label, element, optional=True, hint=question.hint)]


def build_survey_modal(
    metadata: SurveyMetadata, wording: SurveyWording, previous: SurveyAnswers | None = None
) -> dict[str, Any]:
    """The four questions; `previous` fills in the respondent's earlier answers (their own)."""
    questions = wording.questions
    comment = bk.text_element(
        FeedbackId.INPUT,
        previous.comment if previous else "",
        multiline=True,
        max_length=COMMENT_INPUT_MAX,
    )
    comment_block = bk.input_block(
        FeedbackId.COMMENT,
        questions.comment.label,
        comment,
        optional=True,
        hint=questions.comment.hint,
    )
    return {
        "type": "modal",
        "callback_id": FeedbackId.SURVEY_VIEW,
        "private_metadata": metadata.model_dump_json(),
        "title": bk.plain(wording.title, bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Send"),
        "close": bk.plain("Cancel"),
        "blocks": [
            bk.section(wording.intro),
            _scale_select(
                FeedbackId.SATISFACTION,
                questions.satisfaction,
                SATISFACTION_RANGE,
                previous.satisfaction if previous else None,
            ),
            _scale_select(
                FeedbackId.NPS, questions.nps, NPS_RANGE, previous.nps if previous else None
            ),
            _scale_select(
                FeedbackId.EFFORT,
                questions.effort,
                EFFORT_RANGE,
                previous.effort if previous else None,
            ),
            *_yes_no(FeedbackId.PREPARED, questions.prepared, previous and previous.prepared),
            *_yes_no(FeedbackId.REFERENCE, questions.reference, previous and previous.reference),
            comment_block,
        ],
    }


# Which block shows the error for which answer (bot/services/feedback.InvalidAnswer.field).
ERROR_BLOCKS = {
    "satisfaction": FeedbackId.SATISFACTION,
    "nps": FeedbackId.NPS,
    "effort": FeedbackId.EFFORT,
    "comment": FeedbackId.COMMENT,
}


@dataclass(frozen=True)
class SurveyForm:
    """What the modal sent: numbers where a choice was made, errors by block id otherwise."""

    satisfaction: int | None
    nps: int | None
    effort: int | None
    comment: str
    errors: dict[str, str]
    prepared: bool | None = None
    reference: bool | None = None


def _chosen(form: ViewForm, block_id: str) -> int | None:
    value = form.choice(block_id) or ""
    return int(value) if value.isascii() and value.isdigit() else None


def read_survey_form(form: ViewForm) -> SurveyForm:
    """The survey modal's fields as typed input."""
    numbers = {
        name: _chosen(form, ERROR_BLOCKS[name]) for name in ("satisfaction", "nps", "effort")
    }
    errors = {
        ERROR_BLOCKS[name]: "Please choose a number." for name, v in numbers.items() if v is None
    }
    return SurveyForm(
        comment=form.text(FeedbackId.COMMENT),
        errors=errors,
        prepared=YES_NO.get(form.choice(FeedbackId.PREPARED) or ""),
        reference=YES_NO.get(form.choice(FeedbackId.REFERENCE) or ""),
        **numbers,
    )


def build_notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (the thanks, or why the answer was not taken)."""
    return {
        "type": "modal",
        "title": bk.plain(title, bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(text)],
    }


def internal_respondent_text() -> str:
    return (
        "This question is for the customer: answers from our own team are not counted. "
        "Nothing was recorded."
    )


def pulse_thanks_text() -> str:
    return "Thanks! Your answer is recorded. Click another number to change it."


def survey_sent_text(sent: SurveySent) -> Mrkdwn:
    """The CSM's ephemeral answer to `/onboard survey`."""
    company = escape(sent.company_name)
    target = sent.target
    where = (
        channel_link(target.channel_id)
        if target.channel_id
        else f"{count(len(target.user_ids), 'customer stakeholder')} by DM"
    )
    if not target.destinations:
        return Mrkdwn(
            f"*{company}* has no customer channel and no stakeholder with a Slack user, so "
            "there is nobody to ask. Link the channel with `/onboard channel` first."
        )
    if sent.already_sent:
        return Mrkdwn(f"The survey of *{company}* was already sent to {where}.")
    if target.channel_id:
        return Mrkdwn(f"The post-onboarding survey of *{company}* is on its way to {where}.")
    return Mrkdwn(
        f"*{company}* has no customer channel: the survey is on its way to {where} "
        f"({len(sent.queued)} new)."
    )
