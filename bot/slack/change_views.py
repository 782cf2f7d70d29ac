"""Change requests on the Slack side: the CSM's card (Approve, Defer; edited in place once
decided), the approval modal and what it submitted, and the confirmations.

Pure functions of typed input. The card goes to the CSM's DM only: a request may name internal
matters, so it never goes to a channel."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.models import ChangeStatus
from bot.services.changes import (
    ADDED_LABELS,
    CHANGE_CARD_KIND,
    ITEM_TEXT_MAX,
    AddKind,
    ApprovalForm,
    ApprovalRequest,
    ChangeCard,
    ChangeField,
)
from bot.slack import blocks as bk
from bot.slack.forms import FormError, ViewForm
from bot.slack.ids import ChangeId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, truncate
from bot.slack.rendering import Rendered, renderer

ADD_LABELS = {
    AddKind.NOTHING: "Nothing: approve as it is",
    AddKind.MILESTONE: "A milestone",
    AddKind.CHECKLIST: "A checklist item",
}


class ApprovalMetadata(BaseModel):
    """The change request, and the channel the Approve button was clicked in."""

    change_id: int
    channel_id: str | None = None


def _title(card: ChangeCard) -> str:
    company = escape(truncate(card.company_name, 200))
    return f"*CR-{card.number}* for *{company}*: {escape(truncate(card.text, 1500))}"


def _decision(card: ChangeCard) -> str:
    if card.status == ChangeStatus.DEFERRED:
        return (
            f":parking: Deferred to the parking lot by {mention(card.decided_by)}: the "
            "transition report lists it."
        )
    added = ""
    if card.added_kind:
        due = f" (due {day(card.added_due)})" if card.added_due else ""
        label = ADDED_LABELS.get(card.added_kind, card.added_kind)
        added = f" · added the {label} *{escape(truncate(card.added_text, 500))}*{due}"
    return f":white_check_mark: Approved by {mention(card.decided_by)}{added}"


def build_change_card(card: ChangeCard) -> Rendered:
    """The CSM's card: the request, who asked, and Approve / Defer until it is decided."""
    blocks: list[bk.Block] = [
        bk.section(Mrkdwn(f":memo: Change request {_title(card)}")),
        bk.context(Mrkdwn(f"Requested by {mention(card.requested_by)}")),
    ]
    if card.status == ChangeStatus.OPEN:
        value = str(card.change_id)
        blocks.append(
            bk.actions(
                bk.button("Approve", ChangeId.APPROVE, value, style="primary"),
                bk.button("Defer to the parking lot", ChangeId.DEFER, value),
            )
        )
    else:
        blocks.append(bk.section(Mrkdwn(_decision(card))))
    text = f"Change request CR-{card.number} for {card.company_name}: {card.text}"
    return Rendered(bk.fallback_text(text), blocks)


def logged_text(card: ChangeCard) -> Mrkdwn:
    """The ephemeral confirmation for whoever logged the request."""
    return Mrkdwn(
        f":memo: Logged {_title(card)}\n{mention(card.csm_user_id)} (the CSM) decides it: "
        "approve, or defer it to the parking lot."
    )


def decided_text(card: ChangeCard) -> Mrkdwn:
    return Mrkdwn(f"{_title(card)}\n{_decision(card)}")


def build_approval_modal(form: ApprovalForm, metadata: ApprovalMetadata) -> dict[str, Any]:
    """What to add to the plan (nothing by default), its name, due date and phase."""
    phases = [bk.option(p.name, p.key) for p in form.phases]
    blocks: list[bk.Block] = [
        bk.section(Mrkdwn(f"Approving {_title(form.card)}")),
        bk.input_block(
            ChangeField.ADD,
            "Add to the plan",
            bk.radio_element(
                ChangeId.INPUT,
                [bk.option(label, kind.value) for kind, label in ADD_LABELS.items()],
                initial=AddKind.NOTHING.value,
            ),
        ),
        bk.input_block(
            ChangeField.TEXT,
            "Milestone name or checklist item",
            bk.text_element(ChangeId.INPUT, max_length=ITEM_TEXT_MAX),
            optional=True,
            hint="A milestone's name takes 120 characters at most.",
        ),
        bk.input_block(
            ChangeField.DUE,
            "Due date (a milestone)",
            bk.date_element(ChangeId.INPUT),
            optional=True,
            hint="A business day, not a holiday.",
        ),
    ]
    if phases:
        blocks.append(
            bk.input_block(
                ChangeField.PHASE,
                "Phase",
                bk.select_element(ChangeId.INPUT, phases, initial=form.current_phase),
                optional=True,
            )
        )
    return {
        "type": "modal",
        "callback_id": ChangeId.VIEW,
        "private_metadata": metadata.model_dump_json(),
        "title": bk.plain("Approve change", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Approve"),
        "close": bk.plain("Cancel"),
        "blocks": blocks,
    }


def read_approval_form(fields: ViewForm) -> ApprovalRequest:
    chosen = fields.choice(ChangeField.ADD, ChangeId.INPUT) or AddKind.NOTHING.value
    try:
        add = AddKind(chosen)
    except ValueError:
        raise FormError(ChangeField.ADD) from None
    return ApprovalRequest(
        add=add,
        text=fields.text(ChangeField.TEXT, ChangeId.INPUT),
        due=fields.date(ChangeField.DUE, ChangeId.INPUT),
        phase_key=fields.choice(ChangeField.PHASE, ChangeId.INPUT),
    )


RENDERERS = {CHANGE_CARD_KIND: renderer(ChangeCard, build_change_card)}
