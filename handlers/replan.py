"""`/onboard replan <customer>` and the status card's Replan button: the replan modal, and its
submission saved in one transaction with its follow-ups (the living plan, the customer's
notice), then confirmed to whoever replanned."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services.follow_ups import after_change
from bot.services.replan import Replan, ReplanInvalid, open_replan_form, replan
from bot.slack.commands import CommandRequest
from bot.slack.deps import deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import ReplanId
from bot.slack.replan_views import (
    ReplanMetadata,
    build_replan_modal,
    read_replan_form,
    replanned_text,
)
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.modals import save_modal


def _open_modal(
    client: WebClient,
    context: BoltContext,
    trigger_id: str,
    onboarding_id: int,
    user_id: str,
    channel_id: str | None,
) -> None:
    deps = deps_of(context)
    with deps.db.session() as session:
        form = open_replan_form(session, onboarding_id, user_id, admins=deps.admins)
    metadata = ReplanMetadata(onboarding_id=onboarding_id, channel_id=channel_id)
    client.views_open(trigger_id=trigger_id, view=build_replan_modal(form, metadata))


def handle_replan_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, ReplanId.PICK_CUSTOMER)
    if onboarding_id is not None:
        _open_modal(
            request.client,
            request.context,
            request.trigger_id,
            onboarding_id,
            request.user_id,
            request.channel_id,
        )


def handle_replan_pick_click(pick: CustomerPick) -> None:
    _open_modal(
        pick.client,
        pick.context,
        pick.trigger_id,
        pick.onboarding_id,
        pick.user_id,
        pick.channel_id,
    )


def handle_replan_open_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    channel_id = (body.get("channel") or {}).get("id")
    _open_modal(
        client, context, body["trigger_id"], button_id(action), body["user"]["id"], channel_id
    )


def handle_replan_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(ReplanMetadata)
    asked = read_replan_form(fields)

    def save(session: Session) -> Replan:
        change = replan(
            session,
            metadata.onboarding_id,
            asked,
            user_id,
            admins=deps.admins,
            holidays=deps.settings.holidays,
            today=deps.today(),
            now=deps.now(),
        )
        after_change(session, deps, metadata.onboarding_id)
        return change

    change = save_modal(ack, deps, ReplanInvalid, "Replan", save)
    if change is None:
        return
    if metadata.channel_id:
        client.chat_postEphemeral(
            channel=metadata.channel_id, user=user_id, text=replanned_text(change)
        )
    deps.outbox.kick()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(["replan"], handle_replan_command)
    on_pick(app, ReplanId.PICK_CUSTOMER, handle_replan_pick_click)
    app.action(ReplanId.OPEN)(click(handle_replan_open_click))
    app.view(ReplanId.VIEW)(submission(handle_replan_submit))
