"""`/onboard timeline <customer>`: the plan as a Gantt-style picture, uploaded to Slack.

It goes to the channel the command came from when that channel is internal; in a channel shared
with another organisation (or one the bot cannot post in) it goes to the asker by DM instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps, deps_of
from bot.services.chart_data import load_timeline
from bot.slack.chart_images import render_timeline_png
from bot.slack.chart_views import timeline_comment, timeline_filename, timeline_sent_text
from bot.slack.client import is_shared_externally, slack_error
from bot.slack.commands import CommandRequest
from bot.slack.files import upload_file, upload_to_dm
from bot.slack.forms import button_model, click
from bot.slack.ids import ChartId
from bot.slack.status_views import PickValue
from handlers.command import CommandRouter
from handlers.customer import customer_of

log = logging.getLogger(__name__)


def send_timeline(
    deps: Deps,
    client: WebClient,
    respond: Respond,
    user_id: str,
    channel_id: str,
    onboarding_id: int,
) -> None:
    with deps.db.session() as session:
        chart = load_timeline(session, onboarding_id, deps.today())
    png = render_timeline_png(chart)
    file = {
        "filename": timeline_filename(chart),
        "title": f"{chart.company_name}: onboarding plan",
        "comment": timeline_comment(chart),
    }
    shared = is_shared_externally(client, channel_id)
    if not shared:
        try:
            upload_file(client, channel_id, png, **file)
        except SlackApiError as exc:
            log.info("timeline not uploaded to %s: %s", channel_id, slack_error(exc))
        else:
            respond(
                text=timeline_sent_text(chart, dm=False, shared=False), response_type="ephemeral"
            )
            return
    upload_to_dm(client, user_id, png, **file)
    respond(text=timeline_sent_text(chart, dm=True, shared=shared), response_type="ephemeral")


def handle_timeline_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, ChartId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    send_timeline(
        request.deps,
        request.client,
        request.respond,
        request.user_id,
        request.channel_id,
        onboarding_id,
    )


def handle_chart_pick_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    pick = button_model(action, PickValue)
    channel_id = (body.get("channel") or {}).get("id") or ""
    send_timeline(
        deps_of(context), client, respond, body["user"]["id"], channel_id, pick.onboarding_id
    )


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("timeline",), handle_timeline_command)
    app.action(re.compile(f"^{ChartId.PICK_CUSTOMER}-\\d+$"))(click(handle_chart_pick_click))
