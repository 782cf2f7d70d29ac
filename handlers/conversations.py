"""Message events in an onboarding's channels: who spoke when, never what (Slack's side:
bot/slack/conversations.py; the rules: bot/services/conversations.py). Bolt acknowledges
the event before this runs."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.services.conversations import forget_message, linked_channel, record_message
from bot.slack.conversations import channel_message, counted_message, deleted_message
from bot.slack.deps import deps_of
from bot.slack.ids import Event


def handle_conversation_message_event(event: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    deleted = deleted_message(event)
    if deleted is not None:
        with deps.db.transaction() as session:
            forget_message(session, *deleted)
        return
    counted = counted_message(event)
    if counted is None:
        return
    with deps.db.session() as session:
        if linked_channel(session, counted.channel_id) is None:
            return  # a channel of no open onboarding: Slack is not asked who wrote it
    message = channel_message(counted, deps.users, deps.own_team)  # no session held
    with deps.db.transaction() as session:
        record_message(session, message)


def register(app: App) -> None:
    app.event(Event.MESSAGE)(handle_conversation_message_event)
