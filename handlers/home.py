"""App Home: refreshed when the user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.book import blockers_owned_by, book_for_user
from bot.services.health import health_rules
from bot.services.metrics import book_metrics, ttfv_targets
from bot.services.status import load_status
from bot.slack.deps import deps_of
from bot.slack.forms import button_id, click
from bot.slack.home_views import build_home_view
from bot.slack.ids import Event, HomeId
from bot.slack.metrics_views import build_book_health_blocks
from bot.slack.status_views import build_status_modal
from handlers.command import CommandRouter


def publish_home(client: WebClient, context: BoltContext, user_id: str) -> None:
    deps = deps_of(context)
    with deps.db.session() as session:
        entries = book_for_user(session, user_id)
        blockers = blockers_owned_by(session, user_id)
        # Leaders (the Onboard admins) see the book's health first.
        leaders = (
            build_book_health_blocks(
                book_metrics(session, today=deps.today(), ttfv_targets=ttfv_targets(deps.playbooks))
            )
            if user_id in deps.admins
            else []
        )
    client.views_publish(
        user_id=user_id, view=build_home_view(entries, deps.today(), blockers, leaders=leaders)
    )


def handle_home_event(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") == "home":
        publish_home(client, context, event["user"])


def handle_home_open_status_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """App Home has no message to reply to: the status card opens in a modal."""
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        card = load_status(
            session,
            button_id(action),
            deps.today(),
            health_rules(deps.settings),
            min_stakeholders=deps.settings.min_stakeholders,
            playbooks=deps.playbooks,
        )
    client.views_open(trigger_id=body["trigger_id"], view=build_status_modal(card))


def register(app: App, commands: CommandRouter) -> None:
    app.event(Event.APP_HOME_OPENED)(handle_home_event)
    app.action(HomeId.OPEN_STATUS)(click(handle_home_open_status_click))
