"""`/onboard training <customer>`: the training plan card, Schedule session and Mark delivered.

The card is an ephemeral reply; a modal redraws it through the response URL of the click that
opened it (handlers/modals.redraw). Marking a session delivered may complete "Training
delivered" (bot/services/training.py): the plan, the celebration and the feedback are queued
in the same transaction, as after any completed milestone (bot/services/follow_ups.py)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services.follow_ups import after_change
from bot.services.training import (
    TrainingChange,
    TrainingInvalid,
    load_training_plan,
    mark_delivered,
    open_schedule_form,
    open_session,
    schedule_session,
)
from bot.slack import blocks as bk
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import TrainingId
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.training_views import (
    TrainingMetadata,
    build_deliver_modal,
    build_schedule_modal,
    build_training_blocks,
    delivered_notice,
    read_delivery_form,
    read_schedule_form,
)
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.modals import Card, redraw, replace_card, save_modal


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


def handle_training_pick_click(pick: CustomerPick) -> None:
    replace_card(pick.respond, training_card(pick.deps, pick.onboarding_id))


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

    def deliver(session: Session) -> TrainingChange:
        change = mark_delivered(
            session,
            metadata.session_id or 0,
            entry,
            user_id,
            admins=deps.admins,
            playbooks=deps.playbooks,
            now=deps.now(),
        )
        if change.completed_milestone_id is not None:
            after_change(session, deps, change.onboarding_id, change.completed_milestone_id)
        return change

    change = save_modal(ack, deps, TrainingInvalid, "Training", deliver)
    if change is None:
        return
    card = training_card(deps, metadata.onboarding_id, delivered_notice(change))
    redraw(client, metadata, user_id, card)
    deps.outbox.kick()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("training",), handle_training_command)
    on_pick(app, TrainingId.PICK_CUSTOMER, handle_training_pick_click)
    app.action(TrainingId.SCHEDULE)(click(handle_training_schedule_click))
    app.action(re.compile(f"^{TrainingId.DELIVER}-\\d+$"))(click(handle_training_deliver_click))
    app.view(TrainingId.SCHEDULE_VIEW)(submission(handle_training_schedule_submit))
    app.view(TrainingId.DELIVER_VIEW)(submission(handle_training_deliver_submit))
