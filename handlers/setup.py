"""`/onboard setup <customer>`: the integrations card (Edit, Add integration) and its modal.

The card is an ephemeral reply to a member of our organisation; the modal redraws it through
the response URL of the click that opened it. Anyone of ours may read the card; editing needs
the onboarding's CSM, its AE or an admin (checked when the modal opens and when it is saved)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.integrations import (
    IntegrationInvalid,
    load_setup,
    onboarding_of_integration,
    open_integration_form,
    save_integration,
)
from bot.slack import blocks as bk
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_id, click, selected_id, submission
from bot.slack.ids import SetupId
from bot.slack.setup_views import (
    SetupMetadata,
    build_integration_modal,
    build_setup_blocks,
    read_integration_form,
)
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.modals import Card, redraw, replace_card, save_modal, saved_notice


def setup_card(deps: Deps, onboarding_id: int, notice: str = "") -> Card:
    with deps.db.transaction() as session:  # the first read makes the rows from the handoff
        card = load_setup(session, onboarding_id)
    return f"Technical setup: {card.company_name}", build_setup_blocks(card, notice)


def handle_setup_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, SetupId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    text, blocks = setup_card(request.deps, onboarding_id)
    request.respond(text=bk.fallback_text(text), blocks=blocks, response_type="ephemeral")


def handle_setup_pick_click(pick: CustomerPick) -> None:
    replace_card(pick.respond, setup_card(pick.deps, pick.onboarding_id))


def _open_modal(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    onboarding_id: int,
    integration_id: int | None,
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.session() as session:
        company, form = open_integration_form(
            session, onboarding_id, integration_id, user_id, admins=deps.admins
        )
    metadata = SetupMetadata(onboarding_id=onboarding_id, integration_id=integration_id)
    metadata = metadata.opened_from(body)
    client.views_open(
        trigger_id=body["trigger_id"], view=build_integration_modal(metadata, company, form)
    )


def handle_setup_add_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_modal(body, client, context, button_id(action), None)


def handle_setup_edit_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    integration_id = selected_id(action) if "selected_option" in action else button_id(action)
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id = onboarding_of_integration(session, integration_id)
    _open_modal(body, client, context, onboarding_id, integration_id)


def handle_setup_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(SetupMetadata)
    form = read_integration_form(fields)
    change = save_modal(
        ack,
        deps,
        IntegrationInvalid,
        "Technical setup",
        lambda session: save_integration(
            session,
            metadata.onboarding_id,
            metadata.integration_id,
            form,
            user_id,
            admins=deps.admins,
            now=deps.now(),
        ),
    )
    if change is None:
        return
    notice = saved_notice(":electric_plug:", change)
    card = setup_card(deps, metadata.onboarding_id, notice)
    redraw(client, metadata, user_id, card)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("setup",), handle_setup_command)
    on_pick(app, SetupId.PICK_CUSTOMER, handle_setup_pick_click)
    app.action(SetupId.ADD)(click(handle_setup_add_click))
    app.action(SetupId.EDIT)(click(handle_setup_edit_click))
    app.action(SetupId.EDIT_PICK)(click(handle_setup_edit_click))
    app.view(SetupId.VIEW)(submission(handle_setup_submit))
