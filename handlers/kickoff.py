"""`/onboard kickoff <customer>`: the kickoff pack (agenda, RACI draft) and the pre-kickoff
questionnaire; the questionnaire's button and modal (open to the customer's users); and the
submission of the modal that records the kickoff (`done <customer> kickoff`: handlers/status.py
opens it with handlers/kickoff_modal.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import DomainError
from bot.services.follow_ups import after_change
from bot.services.kickoff import (
    KickoffAgreements,
    KickoffInvalid,
    QuestionnaireInvalid,
    load_kickoff_config,
    open_questionnaire,
    pack_channel,
    prepare_kickoff,
    record_kickoff,
    record_questionnaire,
)
from bot.services.lookup import CustomerIndex
from bot.slack import blocks as bk
from bot.slack.client import is_shared_externally
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_model, click, submission
from bot.slack.ids import KickoffId
from bot.slack.kickoff_views import (
    KickoffMetadata,
    QuestionnaireMetadata,
    QuestionnaireValue,
    build_notice_view,
    build_questionnaire_modal,
    kickoff_sent_text,
    questionnaire_errors,
    read_kickoff_done_form,
    read_questionnaire_form,
)
from bot.slack.mrkdwn import Mrkdwn
from bot.slack.picker import build_pick_blocks
from bot.slack.refusals import refusal_text
from bot.slack.status_views import build_done_blocks
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, on_pick
from handlers.home import publish_home

log = logging.getLogger(__name__)
USAGE = Mrkdwn("Usage: `/onboard kickoff <customer>`")


def _prepare(
    deps: Deps, client: WebClient, respond: Respond, user_id: str, onboarding_id: int
) -> None:
    with deps.db.session() as session:
        internal = pack_channel(session, onboarding_id, user_id, admins=deps.admins)
    # Asked of Slack before the transaction; a channel that changed since counts as shared.
    shared = internal is None or is_shared_externally(client, internal)
    with deps.db.transaction() as session:
        sent = prepare_kickoff(
            session,
            onboarding_id,
            user_id,
            load_kickoff_config(deps.settings.templates_dir),
            admins=deps.admins,
            is_shared=lambda channel: channel != internal or shared,
            now=deps.now(),
        )
    deps.outbox.kick()
    respond(text=kickoff_sent_text(sent), response_type="ephemeral")


def handle_kickoff_command(request: CommandRequest) -> None:
    request.ack()
    words = request.args.split()
    if not words:
        request.respond(text=USAGE, response_type="ephemeral")
        return
    with request.deps.db.session() as session:
        lookup, _ = CustomerIndex.load(session).find_with_rest(words, need_rest=False)
    if lookup.one is None:
        refs = lookup.matches or lookup.closest
        blocks = build_pick_blocks(
            lookup.query,
            refs,
            "kickoff",
            "",
            found=bool(lookup.matches),
            action_id=KickoffId.PICK_CUSTOMER,
        )
        request.respond(text="Which customer?", blocks=blocks, response_type="ephemeral")
        return
    _prepare(
        request.deps, request.client, request.respond, request.user_id, lookup.one.onboarding_id
    )


def handle_kickoff_pick_click(pick: CustomerPick) -> None:
    _prepare(pick.deps, pick.client, pick.respond, pick.user_id, pick.onboarding_id)


# ---- the questionnaire: open to the customer's users (bot/slack/guard.py) -----------------------


def handle_kickoff_questionnaire_open_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    deps = deps_of(context)
    value = button_model(action, QuestionnaireValue)
    channel_id = (body.get("channel") or {}).get("id")
    with deps.db.session() as session:
        try:
            open_questionnaire(session, value.onboarding_id, channel_id)
        except DomainError as refused:
            respond(text=refusal_text(refused), response_type="ephemeral", replace_original=False)
            return
    wording = load_kickoff_config(deps.settings.templates_dir).questionnaire
    metadata = QuestionnaireMetadata(onboarding_id=value.onboarding_id, channel_id=channel_id)
    client.views_open(
        trigger_id=body["trigger_id"], view=build_questionnaire_modal(metadata, wording)
    )


def handle_kickoff_questionnaire_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    wording = load_kickoff_config(deps.settings.templates_dir).questionnaire
    fields = ViewForm(view)
    metadata = fields.metadata(QuestionnaireMetadata)
    answers = read_questionnaire_form(fields, wording)
    try:
        with deps.db.transaction() as session:
            record_questionnaire(
                session,
                metadata.onboarding_id,
                body["user"]["id"],
                answers,
                wording,
                channel_id=metadata.channel_id,
                now=deps.now(),
            )
    except QuestionnaireInvalid as invalid:
        ack(response_action="errors", errors=questionnaire_errors(invalid.errors))
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(wording.title, refusal_text(refused)))
        return
    ack(response_action="update", view=build_notice_view(wording.title, wording.thanks))
    deps.outbox.kick()  # the CSM's DM with the answers


# ---- recording the kickoff ---------------------------------------------------------------------


def handle_kickoff_done_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(KickoffMetadata)
    first_value, cadence, escalation = read_kickoff_done_form(fields)
    try:
        with deps.db.transaction() as session:
            change = record_kickoff(
                session,
                metadata.onboarding_id,
                user_id,
                KickoffAgreements(first_value, cadence, escalation),
                admins=deps.admins,
                now=deps.now(),
            )
            completed = change.milestone_id if change.changed else None
            after_change(session, deps, change.onboarding_id, completed)
    except KickoffInvalid as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view("Kickoff", refusal_text(refused)))
        return
    ack()
    blocks = build_done_blocks(change)
    text = bk.fallback_text(f"{change.milestone_name} complete")
    _tell(client, metadata.channel_id, user_id, text, blocks)
    deps.outbox.kick()
    publish_home(client, context, user_id)


def _tell(
    client: WebClient, channel_id: str | None, user_id: str, text: str, blocks: list[bk.Block]
) -> None:
    """Ephemeral where the modal was opened; else a DM from the app."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("kickoff result not posted ephemerally: %s", exc.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("kickoff",), handle_kickoff_command)
    on_pick(app, KickoffId.PICK_CUSTOMER, handle_kickoff_pick_click)
    app.action(KickoffId.QUESTIONNAIRE_OPEN)(click(handle_kickoff_questionnaire_open_click))
    app.view(KickoffId.QUESTIONNAIRE_VIEW)(submission(handle_kickoff_questionnaire_submit))
    app.view(KickoffId.DONE_VIEW)(submission(handle_kickoff_done_submit))
