"""`/onboard stakeholders|commitments|criteria <customer>`, the stakeholder map's buttons and
its modal. The three cards share the customer lookup and the "which customer?" buttons.

Every card is an ephemeral reply to a member of our organisation (sentiment and detractors are
internal); a button redraws the card in place, a modal redraws it through the response URL of
the click that opened it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.stakeholder_changes import (
    log_contact,
    mark_departed,
    save_stakeholder,
)
from bot.services.stakeholders import (
    StakeholderInvalid,
    load_stakeholder_map,
    onboarding_of_stakeholder,
    open_stakeholder_form,
)
from bot.slack import blocks as bk
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import StakeholderId
from bot.slack.stakeholder_views import (
    StakeholderMetadata,
    build_stakeholder_blocks,
    build_stakeholder_modal,
    contact_notice,
    departed_notice,
    read_stakeholder_form,
)
from handlers.command import CommandRouter
from handlers.commitments import commitment_card, criteria_card
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.modals import Card, CardModal, replace_card, saved_notice


def stakeholder_card(deps: Deps, onboarding_id: int, notice: str = "") -> Card:
    with deps.db.session() as session:
        stakeholders = load_stakeholder_map(
            session, onboarding_id, minimum=deps.settings.min_stakeholders
        )
    blocks = build_stakeholder_blocks(stakeholders, deps.today(), notice)
    return f"Stakeholders: {stakeholders.company_name}", blocks


CARDS: dict[str, Callable[..., Card]] = {
    "stakeholders": stakeholder_card,
    "commitments": commitment_card,
    "criteria": criteria_card,
}
MODAL = CardModal("Stakeholders", StakeholderInvalid, stakeholder_card)


def handle_stakeholders_command(request: CommandRequest) -> None:
    """`stakeholders`, `commitments` and `criteria`: find the customer, reply with its card."""
    request.ack()
    onboarding_id = customer_of(request, StakeholderId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    text, blocks = CARDS[request.name](request.deps, onboarding_id)
    request.respond(text=bk.fallback_text(text), blocks=blocks, response_type="ephemeral")


def handle_stakeholders_pick_click(pick: CustomerPick) -> None:
    if pick.sub in CARDS:
        replace_card(pick.respond, CARDS[pick.sub](pick.deps, pick.onboarding_id))


def _open_modal(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    onboarding_id: int,
    stakeholder_id: int | None,
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.session() as session:
        company, form = open_stakeholder_form(
            session, onboarding_id, stakeholder_id, user_id, admins=deps.admins
        )
    metadata = StakeholderMetadata(onboarding_id=onboarding_id, stakeholder_id=stakeholder_id)
    metadata = metadata.opened_from(body)
    view = build_stakeholder_modal(metadata, company, form)
    if (body.get("container") or {}).get("type") == "view":
        # From a modal (the status modal of App Home): pushed on top of it.
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_stakeholder_add_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_modal(body, client, context, button_id(action), None)


def handle_stakeholder_edit_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id = onboarding_of_stakeholder(session, button_id(action))
    _open_modal(body, client, context, onboarding_id, button_id(action))


def handle_stakeholder_contact_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.transaction() as session:
        change = log_contact(
            session, button_id(action), body["user"]["id"], admins=deps.admins, now=deps.now()
        )
    replace_card(respond, stakeholder_card(deps, change.onboarding_id, contact_notice(change)))


def handle_stakeholder_depart_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.transaction() as session:
        change = mark_departed(
            session,
            button_id(action),
            body["user"]["id"],
            admins=deps.admins,
            playbooks=deps.playbooks,
            now=deps.now(),
        )
    replace_card(respond, stakeholder_card(deps, change.onboarding_id, departed_notice(change)))


def handle_stakeholder_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(StakeholderMetadata)
    form = read_stakeholder_form(fields)
    MODAL.submit(
        ack,
        client,
        deps,
        metadata,
        user_id,
        lambda session: save_stakeholder(
            session,
            metadata.onboarding_id,
            metadata.stakeholder_id,
            form,
            user_id,
            admins=deps.admins,
            now=deps.now(),
        ),
        lambda change: saved_notice(":bust_in_silhouette:", change),
    )


def register(app: App, commands: CommandRouter) -> None:
    commands.add(CARDS, handle_stakeholders_command)
    on_pick(app, StakeholderId.PICK_CUSTOMER, handle_stakeholders_pick_click)
    app.action(StakeholderId.ADD)(click(handle_stakeholder_add_click))
    app.action(StakeholderId.EDIT)(click(handle_stakeholder_edit_click))
    app.action(StakeholderId.LOG_CONTACT)(click(handle_stakeholder_contact_click))
    app.action(StakeholderId.DEPART)(click(handle_stakeholder_depart_click))
    app.view(StakeholderId.VIEW)(submission(handle_stakeholder_submit))
