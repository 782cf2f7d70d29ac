"""`/onboard training <customer>`: the training plan card, Schedule session and Mark delivered.

The card is an ephemeral reply; a modal redraws it through the response URL of the click that
opened it (handlers/modals.redraw). Marking a session delivered may complete "Training
delivered" (bot/services/training.py): the plan, the celebration and the feedback go out as
after any completed milestone (handlers/status.after_change)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps, deps_of
from bot.services.training import (
    TrainingInvalid,
    load_training_plan,
    mark_delivered,
    open_schedule_form,
    open_session,
    schedule_session,
)
from bot.slack import blocks as bk
from bot.slack.commands import CommandRequest
from bot.slack.forms import ViewForm, button_id, button_model, click, submission
from bot.slack.ids import TrainingId
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.status_views import PickValue
from bot.slack.training_views import (
    TrainingMetadata,
    build_deliver_modal,
    build_schedule_modal,
    build_training_blocks,
    read_delivery_form,
    read_schedule_form,
)
from handlers.command import CommandRouter
from handlers.customer import customer_of
from handlers.modals import Card, redraw, replace_card, save_modal
from handlers.status import after_change


def training_card(deps: Deps, onboarding_id: int, notice: str = "") -> Card:
    with deps.db.session() as session:
        plan = load_training_plan(session, onboarding_id, deps.playbooks)
    return f"Training plan: {plan.company_name}", build_training_blocks(plan, notice)


def handle_training_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, TrainingId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    text, blocks = training_card(request.deps, onboarding_id)
    request.respond(text=bk.fallback_text(text), blocks=blocks, response_type="ephemeral")


def handle_training_pick_click(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    pick = button_model(action, PickValue)
    replace_card(respond, training_card(deps_of(context), pick.onboarding_id))


def handle_training_schedule_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, onboarding_id = deps_of(context), button_id(action)
    with deps.db.session() as session:
        plan = open_schedule_form(
            session, onboarding_id, body["user"]["id"], admins=deps.admins, playbooks=deps.playbooks
        )
    metadata = TrainingMetadata(onboarding_id=onboarding_id).opened_from(body)
    view = build_schedule_modal(metadata, plan)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_training_deliver_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id, company, track_name, line = open_session(
            session,
            button_id(action),
            body["user"]["id"],
            admins=deps.admins,
            playbooks=deps.playbooks,
        )
    metadata = TrainingMetadata(onboarding_id=onboarding_id, session_id=line.session_id)
    metadata = metadata.opened_from(body)
    client.views_open(
        trigger_id=body["trigger_id"],
        view=build_deliver_modal(metadata, company, track_name, line),
    )


def handle_training_schedule_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(TrainingMetadata)
    entry = read_schedule_form(fields)
    change = save_modal(
        ack,
        deps,
        TrainingInvalid,
        "Training",
        lambda session: schedule_session(
            session,
            metadata.onboarding_id,
            entry,
            user_id,
            admins=deps.admins,
            playbooks=deps.playbooks,
            now=deps.now(),
            today=deps.today(),
        ),
    )
    if change is None:
        return
    notice = Mrkdwn(f":calendar: Scheduled: *{escape(change.track_name)}*.")
    card = training_card(deps, metadata.onboarding_id, notice)
    redraw(client, metadata, user_id, card)


def handle_training_deliver_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(TrainingMetadata)
    entry = read_delivery_form(fields)
    change = save_modal(
        ack,
        deps,
        TrainingInvalid,
        "Training",
        lambda session: mark_delivered(
            session,
            metadata.session_id or 0,
            entry,
            user_id,
            admins=deps.admins,
            playbooks=deps.playbooks,
            now=deps.now(),
        ),
    )
    if change is None:
        return
    said = f":white_check_mark: Delivered: *{escape(change.track_name)}*."
    if not change.attendance_met:
        said = f":warning: Delivered: *{escape(change.track_name)}*, attendance below threshold."
    if change.completed_milestone_id is not None:
        said += (
            f" :tada: *{escape(change.completed_milestone_name)}* is complete: every required"
            " track is delivered above threshold."
        )
    card = training_card(deps, metadata.onboarding_id, Mrkdwn(said))
    redraw(client, metadata, user_id, card)
    if change.completed_milestone_id is not None:
        after_change(deps, change.onboarding_id, change.completed_milestone_id)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("training",), handle_training_command)
    app.action(re.compile(f"^{TrainingId.PICK_CUSTOMER}-\\d+$"))(click(handle_training_pick_click))
    app.action(TrainingId.SCHEDULE)(click(handle_training_schedule_click))
    app.action(re.compile(f"^{TrainingId.DELIVER}-\\d+$"))(click(handle_training_deliver_click))
    app.view(TrainingId.SCHEDULE_VIEW)(submission(handle_training_schedule_submit))
    app.view(TrainingId.DELIVER_VIEW)(submission(handle_training_deliver_submit))
