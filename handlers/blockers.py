"""`/onboard block|unblock|channel` and the *Add blocker* button and modal on the status card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.blockers import add_blocker, link_customer_channel, resolve_blocker
from bot.services.follow_ups import after_change
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.slack.deps import deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import StatusId
from bot.slack.mrkdwn import Mrkdwn, channel_link, escape
from bot.slack.status_replies import (
    BlockerMetadata,
    blocker_text,
    build_blocker_modal,
    parse_channel_ref,
    parse_number,
    usage_text,
)
from handlers.actor import Actor, actor_of
from handlers.home import publish_home


def block(actor: Actor, onboarding_id: int, rest: str) -> None:
    with actor.deps.db.transaction() as session:
        change = add_blocker(
            session, onboarding_id, rest, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
        actor.follow_up(session, onboarding_id)
    actor.say(blocker_text(change, added=True))
    actor.changed()


def unblock(actor: Actor, onboarding_id: int, rest: str) -> None:
    number = parse_number(rest)
    if isinstance(number, str):
        actor.say(usage_text("unblock"))
        return
    with actor.deps.db.transaction() as session:
        change = resolve_blocker(
            session, onboarding_id, number, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
        actor.follow_up(session, onboarding_id)
    actor.say(blocker_text(change, added=False))
    actor.changed()


def link_channel(actor: Actor, onboarding_id: int, rest: str) -> None:
    channel_id = parse_channel_ref(rest)
    if channel_id is None:
        actor.say(usage_text("channel"))
        return
    with actor.deps.db.transaction() as session:
        company = link_customer_channel(
            session,
            onboarding_id,
            channel_id,
            actor.user_id,
            admins=actor.admins,
            now=actor.deps.now(),
        )
        actor.follow_up(session, onboarding_id)
    linked = f"Linked {channel_link(channel_id)} to *{escape(company)}*."
    try:
        actor.client.conversations_join(channel=channel_id)
        actor.say(Mrkdwn(f"{linked} I joined the channel."))
    except SlackApiError:
        actor.say(
            Mrkdwn(
                f"{linked} I can't join it myself: run `/invite @Onboard` "
                f"in {channel_link(channel_id)}."
            )
        )
    actor.changed()


def handle_status_add_blocker_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    with actor.deps.db.session() as session:
        onboarding = get_onboarding(session, button_id(action))
        ensure_can_change(onboarding, actor.user_id, actor.admins)
        company = onboarding.company_name
    metadata = BlockerMetadata(onboarding_id=button_id(action), channel_id=actor.channel_id or None)
    client.views_open(trigger_id=body["trigger_id"], view=build_blocker_modal(metadata, company))


def handle_status_blocker_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    fields = ViewForm(view)
    metadata = fields.metadata(BlockerMetadata)
    reason = fields.text(StatusId.BLOCKER_REASON)
    if not reason.strip():
        ack(response_action="errors", errors={StatusId.BLOCKER_REASON: "Say what is blocking."})
        return
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.transaction() as session:
        change = add_blocker(
            session,
            metadata.onboarding_id,
            reason,
            user_id,
            admins=deps.admins,
            now=deps.now(),
        )
        after_change(session, deps, metadata.onboarding_id)
    text = blocker_text(change, added=True)
    if metadata.channel_id:
        client.chat_postEphemeral(channel=metadata.channel_id, user=user_id, text=text)
    deps.outbox.kick()
    publish_home(client, context, user_id)


def register_blocker_buttons(app: App) -> None:
    app.action(StatusId.ADD_BLOCKER)(click(handle_status_add_blocker_click))
    app.view(StatusId.BLOCKER_VIEW)(submission(handle_status_blocker_submit))
