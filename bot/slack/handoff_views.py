"""The handoff modal: built, and read back (the messages a handoff produces:
bot/slack/handoff_messages.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from pydantic import BaseModel

from bot.playbooks import PlaybookLibrary
from bot.services.handoff import COMPANY_NAME_MAX, HandoffField, HandoffForm
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import HandoffId

F = HandoffField


class HandoffMetadata(BaseModel):
    """The modal's private_metadata: where it was opened from."""

    channel_id: str | None = None
    message_ts: str | None = None


def _text_input(
    field: HandoffField,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = True,
    placeholder: str = "",
    hint: str = "",
    max_length: int | None = None,
) -> bk.Block:
    element = bk.text_element(
        HandoffId.INPUT,
        initial,
        multiline=multiline,
        max_length=max_length,
        placeholder=placeholder,
    )
    return bk.input_block(field, label, element, optional=optional, hint=hint)


def _date_input(field: HandoffField, label: str, initial: date | None, optional: bool) -> bk.Block:
    element = bk.date_element(HandoffId.INPUT, initial)
    return bk.input_block(field, label, element, optional=optional)


def _company_blocks(form: HandoffForm, library: PlaybookLibrary, today: date) -> list[bk.Block]:
    return [
        bk.header("Company and contract"),
        _text_input(
            F.COMPANY_NAME,
            "Company name",
            initial=form.company_name,
            optional=False,
            max_length=COMPANY_NAME_MAX,
            placeholder="Acme Manufacturing",
        ),
        _text_input(F.WEBSITE, "Website", initial=form.website, placeholder="https://acme.com"),
        _text_input(F.INDUSTRY, "Industry", initial=form.industry),
        _text_input(
            F.COMPANY_SIZE, "Company size", initial=form.company_size, placeholder="1,200 employees"
        ),
        _text_input(
            F.ARR,
            "ARR (contract value)",
            initial=form.arr,
            optional=False,
            placeholder="$95K",
            hint="Any of $95K, 95,000, 95000 or 1.2M.",
        ),
        _text_input(
            F.CONTRACT_TERM, "Contract term", initial=form.contract_term, placeholder="12 months"
        ),
        _date_input(F.CLOSED_ON, "Deal closed on", form.closed_on or today, True),
        _date_input(F.START_DATE, "Contract start date", form.start_date or today, False),
        *_routing_blocks(form, library),
    ]


def _routing_blocks(form: HandoffForm, library: PlaybookLibrary) -> list[bk.Block]:
    """Who receives the customer, where, and on which playbook."""
    segment_element = bk.select_element(
        HandoffId.INPUT,
        [bk.option(f"{p.segment}", p.key) for p in library],
        initial=form.segment,
        placeholder="Automatic, from ARR",
    )
    csm_element = bk.user_element(HandoffId.INPUT, form.csm_user_id)
    channel_element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": HandoffId.INPUT,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if form.customer_channel_id:
        channel_element["initial_conversation"] = form.customer_channel_id
    create_option = bk.option("Create a private internal channel", HandoffId.CREATE_CHANNEL_OPTION)
    options_element = bk.checkboxes_element(
        HandoffId.INPUT,
        [create_option],
        initial={HandoffId.CREATE_CHANNEL_OPTION} if form.create_internal_channel else set(),
    )
    return [
        bk.input_block(F.CSM, "Receiving CSM", csm_element, optional=False),
        bk.input_block(
            F.CUSTOMER_CHANNEL,
            "Customer channel",
            channel_element,
            optional=True,
            hint="Where the customer talks with us. A channel shared with the customer "
            "never gets internal details.",
        ),
        bk.input_block(
            F.SEGMENT,
            "Segment (playbook)",
            segment_element,
            optional=True,
            hint="Leave empty to pick it from the ARR.",
        ),
        bk.input_block(F.OPTIONS, "Internal channel", options_element, optional=True),
    ]


def _people_and_drivers_blocks(form: HandoffForm) -> list[bk.Block]:
    return [
        bk.header("People"),
        _text_input(
            F.STAKEHOLDERS,
            "Stakeholders, one per line",
            initial=form.stakeholders,
            multiline=True,
            placeholder="Dana Reyes | VP Operations | executive sponsor | dana@acme.com",
            hint="Name | Title | Role | email or @user, or the same with dashes or commas, "
            "or Name (Title, Role) email. Roles: executive sponsor, champion (project lead), "
            "technical lead, end-user champion, detractor.",
        ),
        bk.header("Why they bought"),
        _text_input(F.WHY_BOUGHT, "Business drivers", initial=form.why_bought, multiline=True),
        _text_input(
            F.ALTERNATIVES, "Alternatives considered", initial=form.alternatives, multiline=True
        ),
        _text_input(
            F.SUCCESS_CRITERIA,
            "Success criteria, one per line",
            initial=form.success_criteria,
            multiline=True,
            placeholder="Real-time visibility across 3 plants | 2027-01-31",
            hint="Measurable, as the customer said it. Optional target date after |.",
        ),
    ]


def _technical_blocks(form: HandoffForm) -> list[bk.Block]:
    return [
        bk.header("Technical context"),
        _text_input(
            F.SYSTEMS,
            "Systems to integrate",
            initial=form.systems,
            placeholder="SAP ERP, Salesforce",
        ),
        _text_input(F.SSO, "SSO", initial=form.sso, placeholder="Okta"),
        _text_input(
            F.DATA_MIGRATION, "Data migration", initial=form.data_migration, multiline=True
        ),
        _text_input(
            F.CONSTRAINTS, "Technical constraints", initial=form.constraints, multiline=True
        ),
    ]


def _promises_blocks(form: HandoffForm) -> list[bk.Block]:
    return [
        bk.header("Promises, scope and risks"),
        _text_input(
            F.PROMISES,
            "Promises made during the sale, one per line",
            initial=form.promises,
            multiline=True,
            hint="Each becomes a tracked commitment. Optional due date after |.",
        ),
        _text_input(
            F.OUT_OF_SCOPE, "Explicitly out of scope", initial=form.out_of_scope, multiline=True
        ),
        _text_input(
            F.RISKS,
            "Risks and red flags, one per line",
            initial=form.risks,
            multiline=True,
            placeholder="high: IT team stretched by an ERP upgrade",
            hint="Start a line with high:, medium: or low: (medium if not given).",
        ),
        _text_input(
            F.HARD_DEADLINES,
            "Hard deadlines and blackout periods",
            initial=form.hard_deadlines,
            multiline=True,
        ),
        _date_input(F.GO_LIVE_TARGET, "Go-live target", form.go_live_target, True),
    ]


def build_handoff_modal(
    form: HandoffForm,
    library: PlaybookLibrary,
    *,
    today: date,
    metadata: HandoffMetadata | None = None,
) -> dict[str, Any]:
    """The sales-to-CS handoff modal, pre-filled with `form`."""
    view_blocks = [
        bk.context(
            "Everything the CSM needs to start without asking the customer again. "
            "Fields marked optional still count towards the handoff score."
        ),
        *_company_blocks(form, library, today),
        *_people_and_drivers_blocks(form),
        *_technical_blocks(form),
        *_promises_blocks(form),
    ]
    return {
        "type": "modal",
        "callback_id": HandoffId.VIEW,
        "title": bk.plain("New handoff", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Hand off"),
        "close": bk.plain("Cancel"),
        "private_metadata": (metadata or HandoffMetadata()).model_dump_json(),
        "blocks": view_blocks,
    }


def message_day(ts: str | None, tz: tzinfo) -> date | None:
    """The local day a Slack message (its `ts`, epoch seconds) was posted: a closed-won message
    says when the deal closed."""
    try:
        return datetime.fromtimestamp(float(ts or ""), UTC).astimezone(tz).date()
    except (ValueError, OverflowError, OSError):
        return None


def read_handoff_form(form: ViewForm) -> HandoffForm:
    """The handoff modal's fields as typed input."""

    def text(field: HandoffField) -> str:
        return form.text(field).strip()

    return HandoffForm(
        company_name=text(F.COMPANY_NAME),
        website=text(F.WEBSITE),
        industry=text(F.INDUSTRY),
        company_size=text(F.COMPANY_SIZE),
        arr=text(F.ARR),
        contract_term=text(F.CONTRACT_TERM),
        closed_on=form.date(F.CLOSED_ON),
        start_date=form.date(F.START_DATE),
        csm_user_id=form.user(F.CSM),
        customer_channel_id=form.conversation(F.CUSTOMER_CHANNEL),
        segment=form.choice(F.SEGMENT),
        create_internal_channel=HandoffId.CREATE_CHANNEL_OPTION in form.choices(F.OPTIONS),
        stakeholders=text(F.STAKEHOLDERS),
        why_bought=text(F.WHY_BOUGHT),
        alternatives=text(F.ALTERNATIVES),
        success_criteria=text(F.SUCCESS_CRITERIA),
        systems=text(F.SYSTEMS),
        sso=text(F.SSO),
        data_migration=text(F.DATA_MIGRATION),
        constraints=text(F.CONSTRAINTS),
        promises=text(F.PROMISES),
        out_of_scope=text(F.OUT_OF_SCOPE),
        risks=text(F.RISKS),
        hard_deadlines=text(F.HARD_DEADLINES),
        go_live_target=form.date(F.GO_LIVE_TARGET),
    )
