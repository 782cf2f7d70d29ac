"""`/onboard checklist <customer>`, the "Open checklist" buttons and the checklist modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.checklist import ChecklistInvalid, open_checklist, save_checklist
from bot.services.errors import DomainError
from bot.slack import blocks as bk
from bot.slack.checklist_views import (
    ChecklistMetadata,
    build_checklist_modal,
    build_notice_view,
    checklist_edit,
    read_checklist_form,
    saved_text,
)
from bot.slack.commands import CommandRequest
from bot.slack.deps import deps_of
from bot.slack.forms import (
    StaleButton,
    ViewForm,
    button_id,
    click,
    read_model,
    selected_value,
    submission,
)
from bot.slack.ids import ChecklistId
from bot.slack.refusals import refusal_text
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.home import publish_home

log = logging.getLogger(__name__)


def _checklist_view(
    context: BoltContext,
    user_id: str,
    onboarding_id: int,
    *,
    phase_key: str | None = None,
    offset: int = 0,
    channel_id: str | None = None,
) -> dict[str, Any]:
    deps = deps_of(context)
    with deps.db.session() as session:
        checklist = open_checklist(
            session, onboarding_id, user_id, admins=deps.admins, phase_key=phase_key
        )
    return build_checklist_modal(checklist, offset, channel_id)


def handle_checklist_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, ChecklistId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    view = _checklist_view(
        request.context, request.user_id, onboarding_id, channel_id=request.channel_id
    )
    request.client.views_open(trigger_id=request.trigger_id, view=view)


def _open(
    body: dict[str, Any], client: WebClient, context: BoltContext, onboarding_id: int
) -> None:
    """A click on a message (the status card, a pick button) opens the modal; a click in a
    modal (the status modal of App Home) pushes it on top."""
    channel_id = (body.get("channel") or {}).get("id")
    view = _checklist_view(context, body["user"]["id"], onboarding_id, channel_id=channel_id)
    if (body.get("container") or {}).get("type") == "view":
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_checklist_open_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open(body, client, context, button_id(action))


def handle_checklist_pick_click(pick: CustomerPick) -> None:
    _open(pick.body, pick.client, pick.context, pick.onboarding_id)


def _switch(body: dict[str, Any], client: WebClient, context: BoltContext, **where: Any) -> None:
    """Show another phase or page of the checklist in the same modal."""
    current = body.get("view") or {}
    metadata = read_model(ChecklistMetadata, current.get("private_metadata"), StaleButton)
    where.setdefault("phase_key", metadata.phase_key)
    view = _checklist_view(
        context, body["user"]["id"], metadata.onboarding_id, channel_id=metadata.channel_id, **where
    )
    client.views_update(view_id=current["id"], hash=current.get("hash"), view=view)


def handle_checklist_phase_select(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _switch(body, client, context, phase_key=selected_value(action))


def handle_checklist_page_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _switch(body, client, context, offset=button_id(action))


def handle_checklist_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(ChecklistMetadata)
    edit = checklist_edit(metadata, read_checklist_form(fields))
    try:
        with deps.db.transaction() as session:
            change = save_checklist(session, edit, user_id, admins=deps.admins, now=deps.now())
    except ChecklistInvalid as invalid:
        ack(response_action="errors", errors={ChecklistId.ADD_ITEMS: str(invalid)})
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(refusal_text(refused)))
        return
    ack()
    if not change.changed:
        return
    if metadata.channel_id:
        _tell(
            client, metadata.channel_id, user_id, saved_text(change.company_name, change.summary())
        )
    publish_home(client, context, user_id)


def _tell(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """An ephemeral confirmation where the modal was opened; the saved modal is confirmation
    enough when the channel does not take it (a DM with someone else, a channel without us)."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=bk.fallback_text(text))
    except SlackApiError as exc:
        log.info("checklist confirmation not posted: %s", exc.response.get("error"))


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("checklist",), handle_checklist_command)
    app.action(ChecklistId.OPEN)(click(handle_checklist_open_click))
    on_pick(app, ChecklistId.PICK_CUSTOMER, handle_checklist_pick_click)
    app.action(ChecklistId.PHASE)(click(handle_checklist_phase_select))
    app.action(ChecklistId.PAGE)(click(handle_checklist_page_click))
    app.view(ChecklistId.VIEW)(submission(handle_checklist_submit))
