"""The go-live readiness gate: `/onboard golive <customer>` (handlers/hypercare.py finds the
customer and calls `open_gate_modal`) and the modal's submission, which decides."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import DomainError
from bot.services.follow_ups import after_change
from bot.services.gate import (
    GateDecision,
    GateIncomplete,
    OverrideNotAllowed,
    OverrideReasonMissing,
    decide_gate_by_id,
    open_gate,
)
from bot.slack import blocks as bk
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, submission
from bot.slack.gate_views import (
    GateMetadata,
    build_decision_blocks,
    build_decision_view,
    build_gate_modal,
    build_notice_view,
    decision_text,
    item_block_id,
    read_gate_form,
    refusal_message,
)
from bot.slack.ids import GateId
from handlers.command import CommandRouter
from handlers.home import publish_home

log = logging.getLogger(__name__)


def open_gate_modal(
    deps: Deps,
    client: WebClient,
    trigger_id: str,
    user_id: str,
    onboarding_id: int,
    channel_id: str | None,
) -> None:
    """Open the readiness modal; who may not change the onboarding, or one already live, get
    the domain error as an ephemeral reply instead (the app's error handler)."""
    with deps.db.session() as session:
        form = open_gate(
            session,
            onboarding_id,
            user_id,
            admins=deps.admins,
            playbooks=deps.playbooks,
            tz=deps.settings.tz,
        )
    client.views_open(trigger_id=trigger_id, view=build_gate_modal(form, channel_id))


def _errors(metadata: GateMetadata, error: DomainError) -> dict[str, str]:
    if isinstance(error, GateIncomplete):
        shown = metadata.item_ids
        target = error.item_id if error.item_id in shown else (shown[-1] if shown else None)
        if target is not None:
            return {item_block_id(target): str(error)}
    return {GateId.OVERRIDE: str(error)}


def handle_gate_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(GateMetadata)
    submitted = read_gate_form(fields, metadata)
    try:
        with deps.db.transaction() as session:
            decision = decide_gate_by_id(
                session,
                metadata.onboarding_id,
                submitted.answers,
                user_id,
                admins=deps.admins,
                now=deps.now(),
                playbooks=deps.playbooks,
                tz=deps.settings.tz,
                override_reason=submitted.override_reason,
                view_id=view["id"],
            )
            after_change(session, deps, metadata.onboarding_id)
    except (GateIncomplete, OverrideNotAllowed, OverrideReasonMissing) as invalid:
        ack(response_action="errors", errors=_errors(metadata, invalid))
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(refusal_message(refused)))
        return
    ack(response_action="update", view=build_decision_view(decision))
    if metadata.channel_id:
        _tell(client, metadata.channel_id, user_id, decision_text(decision), decision)
    deps.outbox.kick()  # the plan, and the go-live post, go out
    publish_home(client, context, user_id)


def _tell(
    client: WebClient, channel_id: str, user_id: str, text: str, decision: GateDecision
) -> None:
    """The decision, ephemeral, where `golive` was typed; the modal shows it anyway when the
    channel does not take it (a DM with someone else, a channel without us)."""
    try:
        client.chat_postEphemeral(
            channel=channel_id,
            user=user_id,
            text=bk.fallback_text(text),
            blocks=build_decision_blocks(decision),
        )
    except SlackApiError as exc:
        log.info("gate decision not posted: %s", exc.response.get("error"))


def register(app: App, commands: CommandRouter) -> None:
    """`golive` itself is a hypercare subcommand (handlers/hypercare.py); the modal is ours."""
    app.view(GateId.VIEW)(submission(handle_gate_submit))
