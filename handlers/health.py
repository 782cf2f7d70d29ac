"""`/onboard health <customer>`: the weekly health check modal, and its ephemeral result.

Health is internal: the result goes to the person who ran the check only (an ephemeral
message where the modal was opened, else a DM from the app), never into a channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import DomainError
from bot.services.health import (
    HealthInvalid,
    HealthResult,
    health_rules,
    open_health_check,
    record_health_check,
)
from bot.slack import blocks as bk
from bot.slack.commands import CommandRequest
from bot.slack.deps import deps_of
from bot.slack.forms import ViewForm, submission
from bot.slack.health_views import (
    HealthMetadata,
    build_health_modal,
    build_health_result_blocks,
    build_notice_view,
    health_errors,
    read_health_form,
    result_text,
)
from bot.slack.ids import HealthId
from bot.slack.mrkdwn import Mrkdwn
from bot.slack.refusals import refusal_text
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.home import publish_home

log = logging.getLogger(__name__)


def _health_modal(
    context: BoltContext, user_id: str, onboarding_id: int, channel_id: str | None
) -> dict[str, Any]:
    deps = deps_of(context)
    with deps.db.session() as session:
        form = open_health_check(
            session,
            onboarding_id,
            user_id,
            admins=deps.admins,
            rules=health_rules(deps.settings),
            now=deps.now(),
            today=deps.today(),
            playbooks=deps.playbooks,
        )
    return build_health_modal(
        form, HealthMetadata(onboarding_id=onboarding_id, channel_id=channel_id)
    )


def handle_health_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, HealthId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    view = _health_modal(
        request.context, request.user_id, onboarding_id, request.channel_id or None
    )
    request.client.views_open(trigger_id=request.trigger_id, view=view)


def handle_health_pick_click(pick: CustomerPick) -> None:
    view = _health_modal(pick.context, pick.user_id, pick.onboarding_id, pick.channel_id)
    pick.client.views_open(trigger_id=pick.trigger_id, view=view)


def handle_health_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(HealthMetadata)
    entry = read_health_form(fields)
    rules = health_rules(deps.settings)
    try:
        with deps.db.transaction() as session:
            result = record_health_check(
                session,
                metadata.onboarding_id,
                user_id,
                entry,
                admins=deps.admins,
                rules=rules,
                now=deps.now(),
                today=deps.today(),
                view_id=view.get("id"),  # delivered twice: stored once, answered the same
            )
    except HealthInvalid as invalid:
        ack(response_action="errors", errors=health_errors(invalid))
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(Mrkdwn(refusal_text(refused))))
        return
    ack()
    names = {key: c.name for key, c in rules.components.items()}
    _tell(client, metadata.channel_id, user_id, result, build_health_result_blocks(result, names))
    publish_home(client, context, user_id)


def _tell(
    client: WebClient,
    channel_id: str | None,
    user_id: str,
    result: HealthResult,
    blocks: list[bk.Block],
) -> None:
    """Ephemeral where the modal was opened; a DM from the app when that channel does not take
    it (a DM with someone else, a channel without us). Never a message others can read."""
    text = bk.fallback_text(result_text(result))
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("health result not posted ephemerally: %s", exc.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("health",), handle_health_command)
    on_pick(app, HealthId.PICK_CUSTOMER, handle_health_pick_click)
    app.view(HealthId.VIEW)(submission(handle_health_submit))
