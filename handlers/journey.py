"""The journey's "Need help?" button: page the onboarding's owner.

The button sits on customer-facing messages, so it is one of the few entry points open to the
customer's own users (bot/slack/guard.py: CUSTOMER_ACTIONS). The clicker learns only that the
CSM was told; the page goes to the CSM by DM through the outbox.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.journey import ask_for_help
from bot.slack.deps import deps_of
from bot.slack.forms import click
from bot.slack.ids import JourneyId
from bot.slack.journey_views import HELP_GONE_TEXT, help_thanks_text, parse_help_value
from handlers.command import CommandRouter


def _permalink(client: WebClient, channel_id: str | None, ts: str | None) -> str | None:
    """A link to the message the button is on; None if Slack cannot give one."""
    if not channel_id or not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError:
        return None  # the page still names the channel


def handle_journey_help_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    deps = deps_of(context)
    value = parse_help_value(action.get("value"))
    channel_id = (body.get("channel") or {}).get("id")
    link = _permalink(client, channel_id, (body.get("container") or {}).get("message_ts"))
    request = None
    if value is not None:
        with deps.db.transaction() as session:
            request = ask_for_help(
                session,
                value.onboarding_id,
                value.step,
                body["user"]["id"],
                channel_id,
                link,
                day=deps.today(),
                now=deps.now(),
            )
        deps.outbox.kick()
    text = help_thanks_text(request.csm_user_id) if request else HELP_GONE_TEXT
    respond(text=text, response_type="ephemeral", replace_original=False)


def register(app: App, commands: CommandRouter) -> None:
    app.action(JourneyId.HELP)(click(handle_journey_help_click))
