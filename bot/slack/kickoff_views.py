"""Block Kit for the kickoff: the questionnaire (the customer's invitation and modal, the CSM's
copy to forward, the answers DM), the modal that records the kickoff, and the renderers of the
kickoff's posts (the internal pack itself is bot/slack/kickoff_pack_views.py). Pure builders: no
database, no Slack client."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.services.kickoff import (
    ANSWERS_KIND,
    PACK_KIND,
    QUESTIONNAIRE_KIND,
    KickoffField,
    KickoffForm,
    KickoffPack,
    KickoffSent,
    Questionnaire,
    QuestionnaireAnswers,
    QuestionnaireDef,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import KickoffId
from bot.slack.kickoff_pack_views import build_kickoff_pack_blocks, pack_text
from bot.slack.mrkdwn import Mrkdwn, channel_link, escape, mention, truncate
from bot.slack.rendering import Rendered, renderer

INPUT_MAX = 2000
AREA_LABELS = {
    "business": "Business context",
    "technical": "Technical context",
    "first_value": "First value",
}


class QuestionnaireValue(BaseModel):
    onboarding_id: int


class QuestionnaireMetadata(BaseModel):
    onboarding_id: int
    channel_id: str | None = None


class KickoffMetadata(BaseModel):
    onboarding_id: int
    channel_id: str | None = None


def questionnaire_text(wording: QuestionnaireDef) -> str:
    return wording.intro


def build_questionnaire_invite_blocks(
    onboarding_id: int, wording: QuestionnaireDef, champion_user_id: str | None
) -> list[bk.Block]:
    """What the customer channel sees: the intro and a button. Nothing internal."""
    greeting = f"{mention(champion_user_id)} " if champion_user_id else ""
    return [
        bk.section(Mrkdwn(f"{greeting}{escape(wording.intro)}")),
        bk.actions(
            bk.button(
                wording.button,
                KickoffId.QUESTIONNAIRE_OPEN,
                QuestionnaireValue(onboarding_id=onboarding_id).model_dump_json(),
                style="primary",
            ),
            block_id=KickoffId.QUESTIONNAIRE,
        ),
    ]


def _questions_by_area(wording: QuestionnaireDef) -> str:
    lines = []
    for area, label in AREA_LABELS.items():
        asked = [q for q in wording.questions if q.area == area]
        if asked:
            lines.append(f"*{label}*")
            lines += [f"• {escape(q.label)}" for q in asked]
    return "\n".join(lines)


def questionnaire_forward_text(company: str) -> str:
    return f"Pre-kickoff questions for {escape(company)}"


def build_questionnaire_forward_blocks(company: str, wording: QuestionnaireDef) -> list[bk.Block]:
    """To the CSM when the customer has no channel: the questions, to forward."""
    return [
        bk.section(
            Mrkdwn(
                f"*{escape(company)}* has no customer channel, so here are the pre-kickoff "
                "questions to forward to their project lead (email or a call):"
            )
        ),
        bk.section(Mrkdwn(truncate(_questions_by_area(wording), bk.SECTION_TEXT_MAX))),
        bk.context(escape(wording.intro)),
    ]


def build_questionnaire_modal(
    metadata: QuestionnaireMetadata, wording: QuestionnaireDef
) -> dict[str, Any]:
    """The questions as multiline inputs (at most 100 blocks: the config holds at most 40)."""
    blocks: list[bk.Block] = [bk.section(escape(wording.intro))]
    for q in wording.questions:
        block_id = f"{KickoffId.QUESTION}-{q.key}"
        blocks.append(_text_input(block_id, q.label, "", optional=q.optional, hint=q.hint))
    return {
        "type": "modal",
        "callback_id": KickoffId.QUESTIONNAIRE_VIEW,
        "private_metadata": metadata.model_dump_json(),
        "title": bk.plain(wording.title, bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Send"),
        "close": bk.plain("Cancel"),
        "blocks": blocks[: bk.MAX_VIEW_BLOCKS],
    }


def read_questionnaire_form(form: ViewForm, wording: QuestionnaireDef) -> dict[str, str]:
    return {q.key: form.text(f"{KickoffId.QUESTION}-{q.key}") for q in wording.questions}


def questionnaire_errors(errors: dict[str, str]) -> dict[str, str]:
    return {f"{KickoffId.QUESTION}-{key}": message for key, message in errors.items()}


def build_questionnaire_answers_blocks(told: QuestionnaireAnswers) -> list[bk.Block]:
    """The CSM's DM: who answered and what, question by question."""
    blocks: list[bk.Block] = [
        bk.section(
            Mrkdwn(
                f"{mention(told.respondent)} answered the pre-kickoff questions for "
                f"*{escape(told.company_name)}*."
            )
        )
    ]
    for q in told.questions:
        answer = told.answers.get(q.key) or ""
        blocks.append(
            bk.section(
                Mrkdwn(
                    f"*{escape(truncate(q.label, 500))}*\n"
                    + (escape(truncate(answer, 2000)) if answer else "_no answer_")
                )
            )
        )
    if told.prefilled_first_value:
        blocks.append(
            bk.context(
                "Their first-value answer is now the draft first-value definition: confirm or "
                "change it when you record the kickoff (`/onboard done <customer> kickoff`)."
            )
        )
    return bk.fit_message(blocks)


def build_notice_view(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": bk.plain(title, bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(text)],
    }


def _text_input(
    block_id: str, label: str, initial: str, *, optional: bool, hint: str = ""
) -> bk.Block:
    element = bk.text_element(KickoffId.INPUT, initial, multiline=True, max_length=INPUT_MAX)
    # Kickoff hints are kept to a line (150), tighter than Slack's 2000.
    return bk.input_block(block_id, label, element, optional=optional, hint=truncate(hint, 150))


def build_kickoff_done_modal(form: KickoffForm, channel_id: str | None) -> dict[str, Any]:
    """`done <customer> kickoff`: what was agreed, prefilled from what is stored."""
    metadata = KickoffMetadata(onboarding_id=form.onboarding_id, channel_id=channel_id)
    return {
        "type": "modal",
        "callback_id": KickoffId.DONE_VIEW,
        "private_metadata": metadata.model_dump_json(),
        "title": bk.plain("Kickoff held", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Complete kickoff"),
        "close": bk.plain("Cancel"),
        "blocks": [
            bk.section(Mrkdwn(f"What did you agree with *{escape(form.company_name)}*?")),
            _text_input(
                KickoffField.FIRST_VALUE,
                "First value, as agreed (measurable)",
                form.agreements.first_value_definition,
                optional=False,
                hint="e.g. 5 users run their first weekly report from their own data",
            ),
            _text_input(
                KickoffField.CADENCE,
                "Meeting cadence",
                form.agreements.meeting_cadence,
                optional=True,
                hint="e.g. weekly status on Tuesdays, monthly steering committee",
            ),
            _text_input(
                KickoffField.ESCALATION,
                "Escalation path",
                form.agreements.escalation_path,
                optional=True,
                hint="e.g. project lead → sponsor; CSM → CS manager",
            ),
        ],
    }


def read_kickoff_done_form(form: ViewForm) -> tuple[str, str, str]:
    return (
        form.text(KickoffField.FIRST_VALUE),
        form.text(KickoffField.CADENCE),
        form.text(KickoffField.ESCALATION),
    )


def kickoff_sent_text(sent: KickoffSent) -> Mrkdwn:
    where = (
        "to you by DM (no internal channel that is not shared)"
        if sent.pack_in_dm
        else f"to {channel_link(sent.pack_to)}"
    )
    if sent.questionnaire_in_channel:
        questions = (
            f"The pre-kickoff questionnaire went to {channel_link(sent.questionnaire_to)}."
            if sent.questionnaire_queued
            else f"The pre-kickoff questionnaire was already sent to "
            f"{channel_link(sent.questionnaire_to)}."
        )
    else:
        questions = "No customer channel: the questionnaire came to you by DM, to forward."
    return Mrkdwn(
        f"The kickoff pack for *{escape(sent.company_name)}* (agenda and RACI draft) is on its "
        f"way {where}. {questions}"
    )


def render_pack(pack: KickoffPack) -> Rendered:
    return Rendered(pack_text(pack), build_kickoff_pack_blocks(pack))


def render_questionnaire(asked: Questionnaire) -> Rendered:
    """In the customer channel the invitation; without one, the CSM's copy to forward."""
    if asked.in_channel:
        blocks = build_questionnaire_invite_blocks(
            asked.onboarding_id, asked.wording, asked.champion_user_id
        )
        return Rendered(questionnaire_text(asked.wording), blocks)
    blocks = build_questionnaire_forward_blocks(asked.company_name, asked.wording)
    return Rendered(questionnaire_forward_text(asked.company_name), blocks)


def render_answers(told: QuestionnaireAnswers) -> Rendered:
    text = f"{escape(told.company_name)} answered the pre-kickoff questions"
    return Rendered(text, build_questionnaire_answers_blocks(told))


RENDERERS = {
    PACK_KIND: renderer(KickoffPack, render_pack),
    QUESTIONNAIRE_KIND: renderer(Questionnaire, render_questionnaire),
    ANSWERS_KIND: renderer(QuestionnaireAnswers, render_answers),
}
