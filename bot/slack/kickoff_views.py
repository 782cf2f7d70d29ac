"""Block Kit for the kickoff pack: the internal agenda with its RACI draft, the questionnaire
(the customer's invitation and modal, the CSM's copy to forward, the answers DM) and the modal
that records the kickoff. Pure builders: no database, no Slack client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import KickoffId
from bot.slack.mrkdwn import Mrkdwn, channel_link, day, escape, mention, truncate

if TYPE_CHECKING:
    from bot.services.kickoff import (
        KickoffConfig,
        KickoffForm,
        KickoffPack,
        KickoffSent,
        QuestionnaireDef,
    )

# Lines per agenda list before "…and N more": the pack stays within Slack's limits (3,000
# characters a section, 50 blocks) for any number of stakeholders, criteria or milestones.
LIST_MAX = 15
ITEM_MAX = 200
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


def _short(text: str, limit: int = ITEM_MAX) -> Mrkdwn:
    return escape(truncate(" ".join(text.split()), limit))


def _bullets(lines: list[str], empty: str) -> str:
    if not lines:
        return f"_{empty}_"
    shown = lines[:LIST_MAX]
    more = len(lines) - len(shown)
    tail = [f"…and {more} more"] if more else []
    return "\n".join(f"• {line}" for line in shown + tail)


def _section(title: str, purpose: str, body: str) -> list[bk.Block]:
    text = Mrkdwn(
        f"*{escape(title)}*\n_{escape(purpose)}_\n{body}"
        if purpose
        else f"*{escape(title)}*\n{body}"
    )
    return [bk.section(text)]


def pack_text(pack: KickoffPack) -> str:
    return f"Kickoff pack: {escape(pack.company_name)}"


def _agenda_bodies(pack: KickoffPack) -> dict[str, str]:
    from bot.models import StakeholderRole

    def role(value: str) -> str:
        return StakeholderRole(value).label if value in set(StakeholderRole) else value

    people = [
        f"{_short(p.name, 100)}"
        + (f", {_short(p.title, 100)}" if p.title else "")
        + f" ({escape(role(p.role))})"
        + (f" {mention(p.slack_user_id)}" if p.slack_user_id else "")
        for p in pack.stakeholders
    ]
    ours = f"Our team: CSM {mention(pack.csm_user_id)}, AE {mention(pack.ae_user_id)}"
    criteria = [
        _short(c.text)
        + (f" (by {day(c.target_date)})" if c.target_date else "")
        + (" — *first value*" if c.is_first_value else "")
        for c in pack.criteria
    ]
    first_value = (
        f"*First value (agreed):* {_short(pack.first_value_definition, 500)}"
        if pack.first_value_definition
        else "*First value:* _to define together today, in measurable terms_"
    )
    why = f"*Why they bought:* {_short(pack.why_bought, 500)}\n" if pack.why_bought else ""
    scope = [
        f"*{label}:* {_short(value, 300)}"
        for label, value in (
            ("Systems", pack.systems),
            ("SSO", pack.sso),
            ("Data migration", pack.data_migration),
            ("Constraints", pack.constraints),
            ("Out of scope", pack.out_of_scope),
        )
        if value
    ]
    phases = " → ".join(escape(p) for p in pack.phases[:LIST_MAX])
    promises = [
        _short(c.text)
        + (f" — {mention(c.owner_user_id)}" if c.owner_user_id else " — _no owner_")
        + (f", due {day(c.due_date)}" if c.due_date else "")
        for c in pack.commitments
    ]
    communication = "\n".join(
        [
            "*Meeting cadence:* "
            + (_short(pack.meeting_cadence, 300) if pack.meeting_cadence else "_to agree_"),
            "*Escalation path:* "
            + (_short(pack.escalation_path, 300) if pack.escalation_path else "_to agree_"),
            "*Customer channel:* "
            + (
                channel_link(pack.customer_channel_id) if pack.customer_channel_id else "_none yet_"
            ),
        ]
    )
    milestones = [
        f"{'~' if m.done else ''}{_short(m.name, 100)}{'~' if m.done else ''} — {day(m.due_date)}"
        + (" (first value)" if m.is_first_value else "")
        + (" (go-live)" if m.is_go_live else "")
        for m in pack.milestones
    ]
    targets = "\n".join(
        line
        for line in (
            f"*Target first value:* {day(pack.target_first_value_date)}"
            if pack.target_first_value_date
            else "",
            f"*Target go-live:* {day(pack.target_go_live_date)}"
            if pack.target_go_live_date
            else "",
            f"*Hard deadlines:* {_short(pack.hard_deadlines, 300)}" if pack.hard_deadlines else "",
        )
        if line
    )
    return {
        "introductions": f"{_bullets(people, 'No stakeholders in the handoff yet')}\n{ours}",
        "mutual_objectives": f"{why}*Success criteria:*\n"
        f"{_bullets(criteria, 'No success criteria yet')}\n{first_value}",
        "plan": (f"*Phases:* {phases}\n" if phases else "")
        + "\n".join(scope or ["_No technical context in the handoff_"]),
        "accountability": "*Promises from the sale:*\n"
        + _bullets(promises, "No open commitments")
        + "\n_The RACI draft is below._",
        "communication": communication,
        "timeline": (f"{targets}\n" if targets else "") + _bullets(milestones, "No milestones"),
    }


def build_raci_blocks(pack: KickoffPack) -> list[bk.Block]:
    lines = [
        f"*{escape(r.phase)}*  R: {escape(', '.join(r.responsible))} · A: {escape(r.accountable)}"
        + (f" · C: {escape(', '.join(r.consulted))}" if r.consulted else "")
        + (f" · I: {escape(', '.join(r.informed))}" if r.informed else "")
        for r in pack.raci
    ]
    blocks = [bk.section(Mrkdwn("*RACI draft* (from the playbook's checklist owners)"))]
    chunk: list[str] = []
    for line in lines:  # several sections if the phases' lines pass 3,000 characters
        if chunk and len("\n".join([*chunk, line])) > bk.SECTION_TEXT_MAX - 100:
            blocks.append(bk.section(Mrkdwn("\n".join(chunk))))
            chunk = []
        chunk.append(truncate(line, 1000))
    if chunk:
        blocks.append(bk.section(Mrkdwn("\n".join(chunk))))
    blocks.append(
        bk.context(
            "R = owns the phase's checklist items · A = the CSM · C = owners of the phases "
            "before and after · I = everyone else on the playbook. A draft to agree at the kickoff."
        )
    )
    return blocks


def build_kickoff_pack_blocks(pack: KickoffPack, config: KickoffConfig) -> list[bk.Block]:
    """The internal kickoff agenda (IMPACT) and the RACI draft, within Slack's limits."""
    bodies = _agenda_bodies(pack)
    blocks: list[bk.Block] = [
        bk.header(f"Kickoff pack: {pack.company_name}"),
        bk.context(
            "Internal: agenda and RACI draft for the kickoff. Not for the customer channel."
        ),
    ]
    for agenda in config.agenda:
        blocks += _section(agenda.title, agenda.purpose, bodies[agenda.key])
    blocks.append(bk.divider())
    blocks += build_raci_blocks(pack)
    return bk.fit_message(blocks)


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


def build_questionnaire_answers_blocks(
    company: str,
    respondent: str,
    wording: QuestionnaireDef,
    answers: dict[str, str],
    prefilled_first_value: bool,
) -> list[bk.Block]:
    """The CSM's DM: who answered and what, question by question."""
    blocks: list[bk.Block] = [
        bk.section(
            Mrkdwn(
                f"{mention(respondent)} answered the pre-kickoff questions for *{escape(company)}*."
            )
        )
    ]
    for q in wording.questions:
        answer = answers.get(q.key) or ""
        blocks.append(
            bk.section(
                Mrkdwn(
                    f"*{escape(truncate(q.label, 500))}*\n"
                    + (escape(truncate(answer, 2000)) if answer else "_no answer_")
                )
            )
        )
    if prefilled_first_value:
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
    from bot.services.kickoff import KickoffField

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
    from bot.services.kickoff import KickoffField

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
