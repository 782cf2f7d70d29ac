"""The technical-setup card and the integration modal (`/onboard setup <customer>`).

Configuration notes and limitations are internal working notes: the card is only ever an
ephemeral reply to a member of our own organisation (the guard refuses anyone else).

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from typing import Any

from bot.models import IntegrationStatus
from bot.services.integrations import (
    NOTES_MAX,
    STATUS_LABELS,
    WAIVED_REASON_MAX,
    IntegrationField,
    IntegrationForm,
    IntegrationLine,
    SetupCard,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import SetupId
from bot.slack.mrkdwn import Mrkdwn, escape, mention, truncate

F = IntegrationField
# notice, header, context, one section per integration (its Edit button as the accessory),
# "also" + a select for the rest, the add button: at most 46 blocks, under Slack's 50.
WITH_BUTTONS_MAX = 40
SHOWN_TEXT_MAX = 300
STATUS_ICON = {
    IntegrationStatus.NOT_STARTED: ":white_circle:",
    IntegrationStatus.CONFIGURING: ":large_blue_circle:",
    IntegrationStatus.VERIFIED: ":white_check_mark:",
    IntegrationStatus.FAILING: ":red_circle:",
    IntegrationStatus.WAIVED: ":heavy_minus_sign:",
}


class SetupMetadata(bk.CardModalMetadata):
    """`private_metadata` of the modal: the integration it edits (None: a new one)."""

    integration_id: int | None = None


def _said(text: str) -> str:
    return escape(truncate(" ".join(text.split()), SHOWN_TEXT_MAX))


def integration_text(line: IntegrationLine) -> Mrkdwn:
    icon = STATUS_ICON.get(line.status, "")
    owner = f"owner {mention(line.owner_user_id)}" if line.owner_user_id else "no owner"
    lines = [f"{icon} *{escape(truncate(line.name, 120))}* · {escape(line.status_label)} · {owner}"]
    if line.status == IntegrationStatus.WAIVED:
        lines.append(f"Waived: {_said(line.waived_reason)}")
    if line.config_notes:
        lines.append(f"Configuration: {_said(line.config_notes)}")
    if line.migration_result:
        lines.append(f"Data migration: {_said(line.migration_result)}")
    if line.known_limitations:
        lines.append(f"Known limitations: {_said(line.known_limitations)}")
    return Mrkdwn("\n".join(lines))


def _summary(card: SetupCard) -> str:
    counts = {status: 0 for status in IntegrationStatus}
    for line in card.lines:
        if line.status in counts:
            counts[IntegrationStatus(line.status)] += 1
    parts = [f"{n} {STATUS_LABELS[s].lower()}" for s, n in counts.items() if n]
    listed = ", ".join(parts) if parts else "no integrations"
    if card.technical_setup_done:
        gate = "technical setup is complete"
    elif card.open_names:
        gate = (
            f"technical setup waits for {len(card.open_names)} (each verified end to end or "
            "waived with a reason)"
        )
    else:
        gate = "technical setup may complete"
    return f"{listed} · {gate}"


def build_setup_blocks(card: SetupCard, notice: str = "") -> list[bk.Block]:
    """The integrations, each with Edit; past WITH_BUTTONS_MAX the rest are named and editable
    through a select; then Add integration."""
    blocks: list[bk.Block] = []
    if notice:
        blocks.append(bk.section(notice))
    blocks += [
        bk.header(f"Technical setup · {card.company_name}"),
        bk.context(escape(_summary(card))),
    ]
    if not card.lines:
        blocks.append(
            bk.section(
                "No integrations: the handoff named no systems or SSO. Add each system the "
                "customer connects (ERP, CRM, SSO…)."
            )
        )
    for line in card.lines[:WITH_BUTTONS_MAX]:
        edit = bk.button("Edit", SetupId.EDIT, str(line.integration_id))
        blocks.append(bk.section(integration_text(line), accessory=edit))
    rest = card.lines[WITH_BUTTONS_MAX:]
    if rest:
        names = ", ".join(
            f"{escape(truncate(line.name, 60))} ({escape(line.status_label.lower())})"
            for line in rest
        )
        blocks.append(bk.section(Mrkdwn(truncate(f"*Also*: {names}", bk.SECTION_TEXT_MAX))))
        options = [bk.option(line.name, str(line.integration_id)) for line in rest]
        pick = bk.select_element(SetupId.EDIT_PICK, options, placeholder="Edit another integration")
        blocks.append(bk.actions(pick))
    blocks.append(
        bk.actions(bk.button("Add integration", SetupId.ADD, str(card.onboarding_id), "primary"))
    )
    return bk.fit_message(blocks)


# ---- the modal -------------------------------------------------------------------------------


def _text_input(
    field: F,
    label: str,
    initial: str,
    *,
    optional: bool = True,
    multiline: bool = True,
    max_length: int = NOTES_MAX,
    placeholder: str = "",
    hint: str = "",
) -> bk.Block:
    element = bk.text_element(
        SetupId.INPUT,
        initial,
        multiline=multiline,
        max_length=max_length,
        placeholder=placeholder,
    )
    return bk.input_block(field, label, element, optional=optional, hint=hint)


def build_integration_modal(
    metadata: SetupMetadata, company_name: str, form: IntegrationForm
) -> dict[str, Any]:
    owner = bk.user_element(
        SetupId.INPUT, form.owner_user_id, placeholder="Who gets it verified end to end"
    )
    status = bk.select_element(
        SetupId.INPUT,
        [bk.option(STATUS_LABELS[s], s.value) for s in IntegrationStatus],
        initial=form.status,
        placeholder="Choose",
    )
    new = metadata.integration_id is None
    return {
        "type": "modal",
        "callback_id": SetupId.VIEW,
        "title": bk.plain("Add integration" if new else "Edit integration", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Add" if new else "Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.context(
                Mrkdwn(
                    f"*{escape(company_name)}* · technical setup completes when every "
                    "integration is verified end to end or waived with a reason."
                )
            ),
            _text_input(
                F.NAME,
                "System",
                form.name,
                optional=False,
                multiline=False,
                max_length=120,
                placeholder="SAP ERP, Salesforce, Okta SSO…",
            ),
            bk.input_block(F.OWNER, "Owner", owner, optional=True),
            bk.input_block(F.STATUS, "Status", status),
            _text_input(F.NOTES, "Configuration notes", form.config_notes),
            _text_input(
                F.MIGRATION,
                "Data-migration validation result",
                form.migration_result,
                placeholder="e.g. 4,812 of 4,812 supplier records reconciled",
            ),
            _text_input(
                F.LIMITATIONS,
                "Known limitations",
                form.known_limitations,
                hint="They go into the transition report for the adoption team.",
            ),
            _text_input(
                F.WAIVED_REASON,
                "Waive reason",
                form.waived_reason,
                max_length=WAIVED_REASON_MAX,
                hint="Required when the status is Waived: why go-live does not need it.",
            ),
        ],
    }


def read_integration_form(form: ViewForm) -> IntegrationForm:
    """The integration modal's fields as typed input."""
    return IntegrationForm(
        name=form.text(F.NAME),
        owner_user_id=form.user(F.OWNER),
        status=form.choice(F.STATUS) or "",
        config_notes=form.text(F.NOTES),
        migration_result=form.text(F.MIGRATION),
        known_limitations=form.text(F.LIMITATIONS),
        waived_reason=form.text(F.WAIVED_REASON),
    )
