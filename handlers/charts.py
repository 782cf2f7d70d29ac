"""`/onboard timeline <customer>`: the plan as a Gantt-style picture, uploaded to Slack; and
the status card's *Usage chart* button: weekly active users.

It goes to the channel the command came from when that channel is internal; in a channel shared
with another organisation (or one the bot cannot post in) it goes to the asker by DM instead.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.chart_data import TimelineChart, load_timeline
from bot.services.usage_adoption import UsageChart, load_usage_chart
from bot.slack.chart_images import render_timeline_png, render_usage_png
from bot.slack.chart_views import (
    timeline_comment,
    timeline_filename,
    timeline_sent_text,
    usage_comment,
    usage_filename,
    usage_sent_text,
)
from bot.slack.client import is_shared_externally, slack_error
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps
from bot.slack.files import upload_file, upload_to_dm
from bot.slack.forms import button_id, click
from bot.slack.ids import ChartId
from handlers.actor import actor_of
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
    file = {
        "filename": timeline_filename(chart),
        "title": f"{chart.company_name}: onboarding plan",
        "comment": timeline_comment(chart),
    }
    _upload(client, respond, user_id, channel_id, render_timeline_png(chart), file, chart)


def send_usage_chart(
    deps: Deps,
    client: WebClient,
    respond: Respond,
    user_id: str,
    channel_id: str,
    onboarding_id: int,
) -> None:
    """Weekly active users: internal, so never into a channel shared with the customer."""
    with deps.db.session() as session:
        chart = load_usage_chart(session, onboarding_id, deps.today())
    file = {
        "filename": usage_filename(chart),
        "title": f"{chart.company_name}: weekly active users",
        "comment": usage_comment(chart),
    }
    _upload(client, respond, user_id, channel_id, render_usage_png(chart), file, chart)


def _upload(
    client: WebClient,
    respond: Respond,
    user_id: str,
    channel_id: str,
    png: bytes,
    file: dict[str, str],
    chart: TimelineChart | UsageChart,
) -> None:
    """Into the channel when it is ours, else (shared, or no access) to the asker by DM."""
    sent_text = usage_sent_text if isinstance(chart, UsageChart) else timeline_sent_text
    shared = bool(channel_id) and is_shared_externally(client, channel_id)
    if channel_id and not shared:
        try:
            upload_file(client, channel_id, png, **file)
        except SlackApiError as exc:
            log.info("chart not uploaded to %s: %s", channel_id, slack_error(exc))
        else:
            respond(text=sent_text(chart, dm=False, shared=False), response_type="ephemeral")  # type: ignore[arg-type]
            return
    upload_to_dm(client, user_id, png, **file)
    respond(text=sent_text(chart, dm=True, shared=shared), response_type="ephemeral")  # type: ignore[arg-type]


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


def handle_usage_chart_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    send_usage_chart(
        actor.deps, client, respond, actor.user_id, actor.channel_id or "", button_id(action)
    )


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("timeline",), handle_timeline_command)
    app.action(ChartId.USAGE)(click(handle_usage_chart_click))
    on_pick(app, ChartId.PICK_CUSTOMER, handle_chart_pick_click)
