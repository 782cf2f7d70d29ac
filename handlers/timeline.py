""":pushpin: on a message in a linked channel pins it into the onboarding's timeline."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services.timeline import message_wanted, pin_message, unpin_message
from bot.slack.deps import deps_of
from bot.slack.ids import Event
from bot.slack.timeline import fetch_pinned_message, pin_reaction
from handlers.command import CommandRouter


def handle_timeline_pin_event(
    event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    reaction = pin_reaction(event)
    if reaction is None:
        return
    deps = deps_of(context)
    with deps.db.session() as session:
        wanted = message_wanted(session, reaction)
    message = fetch_pinned_message(client, reaction) if wanted else None  # no session held
    with deps.db.transaction() as session:
        pin_message(session, reaction, message, now=deps.now())


def handle_timeline_unpin_event(event: dict[str, Any], context: BoltContext) -> None:
    reaction = pin_reaction(event)
    if reaction is None:
        return
    deps = deps_of(context)
    with deps.db.transaction() as session:
        unpin_message(session, reaction, now=deps.now())


def register(app: App, commands: CommandRouter) -> None:
    app.event(Event.REACTION_ADDED)(handle_timeline_pin_event)
    app.event(Event.REACTION_REMOVED)(handle_timeline_unpin_event)
