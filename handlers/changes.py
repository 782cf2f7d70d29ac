"""`/onboard change <customer> <what>` and the CSM's card: Approve (a modal: what to add to the
plan) and Defer (to the parking lot). Each use case is one transaction; the card is edited in
place through the outbox, so the reply comes after the commit."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services.changes import (
    ChangeCard,
    ChangeInvalid,
    approval_form,
    approve_change,
    defer_change,
    log_change,
)
from bot.services.follow_ups import after_change
from bot.services.lookup import CustomerIndex
from bot.slack.change_views import (
    ApprovalMetadata,
    build_approval_modal,
    decided_text,
    logged_text,
    read_approval_form,
)
from bot.slack.commands import CommandRequest
from bot.slack.deps import deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import ChangeId
from bot.slack.mrkdwn import Mrkdwn
from handlers.actor import Actor, actor_of
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, ask_which, on_pick
from handlers.modals import save_modal

USAGE = Mrkdwn(
    "Usage: `/onboard change <customer> <what>`, e.g. `/onboard change acme SSO for contractors`"
)


def _log(actor: Actor, onboarding_id: int, what: str) -> None:
    with actor.deps.db.transaction() as session:
        card = log_change(session, onboarding_id, what, actor.user_id, now=actor.deps.now())
    actor.say(logged_text(card))
    actor.deps.outbox.kick()


def handle_change_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    words = request.args.split()
    if len(words) < 2:
        actor.say(USAGE)
        return
    with actor.deps.db.session() as session:
        lookup, what = CustomerIndex.load(session).find_with_rest(words, need_rest=True)
    if lookup.one is None:
        ask_which(actor.say, lookup, request.name, what, ChangeId.PICK_CUSTOMER)
        return
    _log(actor, lookup.one.onboarding_id, what)


def handle_change_pick_click(pick: CustomerPick) -> None:
    actor = actor_of(pick.body, pick.client, pick.context, pick.respond)
    _log(actor, pick.onboarding_id, pick.rest)


def handle_change_approve_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.session() as session:
        form = approval_form(session, button_id(action), user_id, admins=deps.admins)
    metadata = ApprovalMetadata(
        change_id=button_id(action), channel_id=(body.get("channel") or {}).get("id")
    )
    client.views_open(trigger_id=body["trigger_id"], view=build_approval_modal(form, metadata))


def handle_change_defer_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    with actor.deps.db.transaction() as session:
        card = defer_change(
            session, button_id(action), actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
    actor.say(decided_text(card), replace_original=False)
    actor.deps.outbox.kick()


def handle_change_approve_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(ApprovalMetadata)
    asked = read_approval_form(fields)

    def save(session: Session) -> ChangeCard:
        card = approve_change(
            session,
            metadata.change_id,
            asked,
            user_id,
            admins=deps.admins,
            holidays=deps.settings.holidays,
            now=deps.now(),
        )
        after_change(session, deps, card.onboarding_id)  # the living plan shows the addition
        return card

    card = save_modal(ack, deps, ChangeInvalid, "Approve change", save)
    if card is None:
        return
    if metadata.channel_id:
        client.chat_postEphemeral(
            channel=metadata.channel_id, user=user_id, text=decided_text(card)
        )
    deps.outbox.kick()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(["change"], handle_change_command)
    on_pick(app, ChangeId.PICK_CUSTOMER, handle_change_pick_click)
    app.action(ChangeId.APPROVE)(click(handle_change_approve_click))
    app.action(ChangeId.DEFER)(click(handle_change_defer_click))
    app.view(ChangeId.VIEW)(submission(handle_change_approve_submit))
