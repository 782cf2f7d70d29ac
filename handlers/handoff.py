"""The sales-to-CS handoff: open the modal, take the submission, acknowledge from the DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.parsing import parse_date, prefill_from_message
from bot.services.handoff import (
    DuplicateHandoff,
    HandoffField,
    HandoffForm,
    HandoffInvalid,
    create_onboarding,
    validate_handoff,
)
from bot.services.onboardings import acknowledge_handoff
from bot.slack import blocks as bk
from bot.slack.announce import announce_handoff
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.handoff_messages import acknowledged_text, build_csm_handoff_dm, duplicate_error
from bot.slack.handoff_views import (
    HandoffMetadata,
    build_handoff_modal,
    message_day,
    read_handoff_form,
)
from bot.slack.ids import HandoffId, Shortcut
from handlers.command import CommandRouter
from handlers.home import publish_home


def _open_modal(
    client: WebClient, deps: Deps, trigger_id: str, form: HandoffForm, metadata: HandoffMetadata
) -> None:
    form.create_internal_channel = deps.settings.create_internal_channel
    view = build_handoff_modal(form, deps.playbooks, today=deps.today(), metadata=metadata)
    client.views_open(trigger_id=trigger_id, view=view)


def handle_handoff_command(request: CommandRequest) -> None:
    request.ack()
    _open_modal(
        request.client,
        request.deps,
        request.trigger_id,
        HandoffForm(),
        HandoffMetadata(channel_id=request.channel_id),
    )


def handle_handoff_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_modal(client, deps_of(context), shortcut["trigger_id"], HandoffForm(), HandoffMetadata())


def handle_handoff_message_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    message = shortcut.get("message") or {}
    found = prefill_from_message(message.get("text", ""))
    form = HandoffForm(
        company_name=found.get("company_name", ""),
        arr=found.get("arr", ""),
        industry=found.get("industry", ""),
        website=found.get("website", ""),
        company_size=found.get("company_size", ""),
        contract_term=found.get("contract_term", ""),
        closed_on=message_day(message.get("ts"), deps_of(context).settings.tz),
        start_date=parse_date(found.get("start_date", "")),
        go_live_target=parse_date(found.get("go_live_target", "")),
    )
    metadata = HandoffMetadata(
        channel_id=(shortcut.get("channel") or {}).get("id"), message_ts=message.get("ts")
    )
    _open_modal(client, deps_of(context), shortcut["trigger_id"], form, metadata)


def handle_handoff_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    fields = ViewForm(view)
    fields.metadata(HandoffMetadata)  # not needed to save; a form that cannot be read is stale
    form = read_handoff_form(fields)
    try:
        with deps.db.transaction() as session:
            onboarding_id = _store_handoff(session, deps, form, body["user"]["id"], view.get("id"))
    except HandoffInvalid as invalid:
        ack(response_action="errors", errors={str(k): v for k, v in invalid.errors.items()})
        return
    except DuplicateHandoff as duplicate:
        _ack_duplicate(ack, duplicate, view, deps)
        return
    ack()
    announce_handoff(client, deps, onboarding_id, create_channel=form.create_internal_channel)


def _store_handoff(
    session: Session, deps: Deps, form: HandoffForm, actor: str, view_id: str | None
) -> int:
    plan = validate_handoff(
        session,
        form,
        today=deps.today(),
        library=deps.playbooks,
        max_future_days=deps.settings.handoff_max_future_days,
        min_stakeholders=deps.settings.min_stakeholders,
        user_name=deps.users.display_name,
    )
    return create_onboarding(session, plan, actor=actor, now=deps.now(), view_id=view_id).id


def _ack_duplicate(ack: Ack, duplicate: DuplicateHandoff, view: dict[str, Any], deps: Deps) -> None:
    existing = duplicate.onboarding
    if existing is None or existing.handoff_view_id == view.get("id"):
        ack()  # the same modal submitted twice: the first submission did everything
        return
    owner = deps.users.display_name(existing.csm_user_id)
    error = duplicate_error(existing.company_name, existing.id, owner)
    ack(response_action="errors", errors={HandoffField.COMPANY_NAME: error})


def handle_handoff_acknowledge_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.transaction() as session:
        onboarding, newly = acknowledge_handoff(session, button_id(action), user_id, now=deps.now())
        blocks = build_csm_handoff_dm(onboarding)
        name, ae = onboarding.company_name, onboarding.ae_user_id
    client.chat_update(
        channel=body["channel"]["id"],
        ts=body["message"]["ts"],
        blocks=blocks,
        text=bk.fallback_text(f"Handoff: {name} (acknowledged)"),
    )
    publish_home(client, context, user_id)
    if newly:
        client.chat_postMessage(channel=ae, text=acknowledged_text(user_id, name))


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("new", "handoff"), handle_handoff_command)
    app.shortcut(Shortcut.NEW_HANDOFF)(handle_handoff_shortcut)
    app.shortcut(Shortcut.HANDOFF_FROM_MESSAGE)(handle_handoff_message_shortcut)
    app.view(HandoffId.VIEW)(submission(handle_handoff_submit))
    app.action(HandoffId.ACKNOWLEDGE)(click(handle_handoff_acknowledge_click))
