"""App Home: refreshed when the user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import deps_of
from bot.services.book import book_for_user
from bot.slack.home_views import build_home_view
from bot.slack.ids import Event
from handlers.command import CommandRouter


def publish_home(client: WebClient, context: BoltContext, user_id: str) -> None:
    deps = deps_of(context)
    with deps.db.session() as session:
        entries = book_for_user(session, user_id)
    client.views_publish(user_id=user_id, view=build_home_view(entries, deps.today()))


def handle_home_event(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") == "home":
        publish_home(client, context, event["user"])


def register(app: App, commands: CommandRouter) -> None:
    app.event(Event.APP_HOME_OPENED)(handle_home_event)
