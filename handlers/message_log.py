"""The "Log on onboarding" message shortcut: a message (typically the customer's, in the shared
channel) becomes a blocker or a hypercare issue; the confirmation is ephemeral to the user."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services.follow_ups import after_change
from bot.services.message_log import (
    MessageLogged,
    MessageLogInvalid,
    SourceMessage,
    linked_onboarding,
    log_from_message,
)
from bot.slack import blocks as bk
from bot.slack.client import slack_error
from bot.slack.deps import deps_of
from bot.slack.forms import ViewForm, submission
from bot.slack.ids import MessageLogId, Shortcut
from bot.slack.message_log_views import (
    MessageLogMetadata,
    build_logged_message,
    build_message_log_modal,
    read_message_log_form,
)
from handlers.command import CommandRouter
from handlers.home import publish_home
from handlers.modals import save_modal

log = logging.getLogger(__name__)


def _permalink(client: WebClient, channel_id: str | None, ts: str | None) -> str | None:
    """A link to the message; None when Slack cannot give one (the log still names nothing
    internal, and the confirmation says "a message here")."""
    if not channel_id or not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError as exc:
        log.info("no permalink for the logged message: %s", slack_error(exc))
        return None


def handle_message_log_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id")
    with deps.db.session() as session:
        linked = linked_onboarding(session, channel_id)
    metadata = MessageLogMetadata(
        channel_id=channel_id,
        message_ts=message.get("ts"),
        permalink=_permalink(client, channel_id, message.get("ts")),
        linked_onboarding_id=linked.onboarding_id if linked else None,
        linked_company=linked.company_name if linked else None,
        linked_in_hypercare=linked.in_hypercare if linked else False,
    )
    view = build_message_log_modal(metadata, message.get("text") or "")
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def handle_message_log_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(MessageLogMetadata)
    form = read_message_log_form(fields, metadata)
    source = SourceMessage(metadata.channel_id or "", metadata.message_ts or "", metadata.permalink)

    def log_it(session: Session) -> MessageLogged:
        logged = log_from_message(
            session,
            form,
            source,
            user_id,
            admins=deps.admins,
            now=deps.now(),
            settings=deps.settings,
            view_id=view["id"],  # delivered twice: logged once, the second told so
        )
        after_change(session, deps, logged.onboarding_id)
        return logged

    logged = save_modal(ack, deps, MessageLogInvalid, "Log on onboarding", log_it)
    if logged is None:
        return
    _confirm(client, metadata, user_id, logged, deps.now())
    deps.outbox.kick()
    publish_home(client, context, user_id)


def _confirm(
    client: WebClient,
    metadata: MessageLogMetadata,
    user_id: str,
    logged: MessageLogged,
    now: datetime,
) -> None:
    """Ephemeral, in the message's channel (shared with the customer or not, only our user sees
    it); by DM when Onboard cannot post there (not a member)."""
    text, blocks = build_logged_message(logged, metadata.permalink, now)
    fallback = bk.fallback_text(text)
    if metadata.channel_id:
        try:
            client.chat_postEphemeral(
                channel=metadata.channel_id, user=user_id, text=fallback, blocks=blocks
            )
            return
        except SlackApiError as exc:
            log.info("confirmation not posted in the channel: %s", slack_error(exc))
    client.chat_postMessage(channel=user_id, text=fallback, blocks=blocks)


def register(app: App, commands: CommandRouter) -> None:
    app.shortcut(Shortcut.LOG_FROM_MESSAGE)(handle_message_log_shortcut)
    app.view(MessageLogId.VIEW)(submission(handle_message_log_submit))
