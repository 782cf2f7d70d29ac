"""`/onboard timeline <customer>`: the plan as a Gantt-style picture, uploaded to Slack.

It goes to the channel the command came from when that channel is internal; in a channel shared
with another organisation (or one the bot cannot post in) it goes to the asker by DM instead.
"""

from __future__ import annotations

import logging

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.chart_data import load_timeline
from bot.slack.chart_images import render_timeline_png
from bot.slack.chart_views import timeline_comment, timeline_filename, timeline_sent_text
from bot.slack.client import is_shared_externally, slack_error
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps
from bot.slack.files import upload_file, upload_to_dm
from bot.slack.ids import ChartId
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick

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


def handle_chart_pick_click(pick: CustomerPick) -> None:
    send_timeline(
        pick.deps,
        pick.client,
        pick.respond,
        pick.user_id,
        pick.channel_id or "",
        pick.onboarding_id,
    )


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("timeline",), handle_timeline_command)
    on_pick(app, ChartId.PICK_CUSTOMER, handle_chart_pick_click)
