"""`/onboard metrics`, `/onboard export` and App Home's "Open full metrics"."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.chart_data import metrics_chart_data
from bot.services.export import may_export, write_csv
from bot.services.metrics import (
    BookFilter,
    BookMetrics,
    SliceBy,
    book_metrics,
    nps_targets,
    ttfv_targets,
)
from bot.slack import blocks as bk
from bot.slack.chart_images import render_metrics_chart
from bot.slack.client import slack_error
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.files import upload_to_dm
from bot.slack.forms import click
from bot.slack.ids import MetricsId
from bot.slack.metrics_views import (
    build_metrics_blocks,
    build_metrics_modal,
    parse_metrics_args,
)
from bot.slack.mrkdwn import Mrkdwn, escape
from handlers.command import CommandRouter

EXPORT_REFUSED = "Only Onboard admins and CSMs can export the book."


def load_metrics(
    deps: Deps, slice_by: SliceBy | None = None, book_filter: BookFilter | None = None
) -> BookMetrics:
    with deps.db.session() as session:
        return book_metrics(
            session,
            today=deps.today(),
            ttfv_targets=ttfv_targets(deps.playbooks),
            nps_targets=nps_targets(deps.playbooks),
            hypercare_sla=deps.settings.hypercare_sla,
            slice_by=slice_by,
            book_filter=book_filter,
        )


def _say(request: CommandRequest, text: str, blocks: list[bk.Block] | None = None) -> None:
    request.respond(
        text=bk.fallback_text(text), blocks=blocks or [bk.section(text)], response_type="ephemeral"
    )


def handle_metrics_command(request: CommandRequest) -> None:
    """Internal figures: an ephemeral reply only, never a message in the channel."""
    request.ack()
    parsed = parse_metrics_args(request.args, request.user_id)
    if isinstance(parsed, str):
        _say(request, parsed)
        return
    metrics = load_metrics(request.deps, parsed.slice_by, parsed.book_filter)
    _say(request, "Onboarding metrics", build_metrics_blocks(metrics))
    if parsed.chart:
        _send_chart(request, metrics)


def _send_chart(request: CommandRequest, metrics: BookMetrics) -> None:
    """The chart goes by DM: the figures are internal, wherever the command was typed."""
    png = render_metrics_chart(metrics_chart_data(metrics))
    try:
        upload_to_dm(
            request.client,
            request.user_id,
            png,
            filename=f"onboard-metrics-{request.deps.today():%Y-%m-%d}.png",
            title="Time to first value by segment, and the funnel",
        )
    except SlackApiError as exc:
        _say(request, Mrkdwn(f"I couldn't send you the chart ({escape(slack_error(exc))})."))


def handle_export_command(request: CommandRequest) -> None:
    """The book as CSV, uploaded to the requester's DM (admins and CSMs only)."""
    request.ack()
    deps = request.deps
    with deps.db.session() as session:
        allowed = may_export(session, request.user_id, deps.admins)
    if not allowed:
        _say(request, EXPORT_REFUSED)
        return
    filename = f"onboard-book-{deps.today():%Y-%m-%d}.csv"
    with tempfile.TemporaryDirectory(prefix="onboard-export-") as folder:
        path = Path(folder) / filename
        with path.open("w", newline="", encoding="utf-8") as out, deps.db.session() as session:
            count = write_csv(session, out, ttfv_targets(deps.playbooks))
        try:
            upload_to_dm(
                request.client,
                request.user_id,
                path,
                filename=filename,
                title=f"Onboarding book, {deps.today():%Y-%m-%d}",
                comment=f"The book as CSV: {count} onboardings. Internal: keep it inside the team.",
            )
        except SlackApiError as exc:
            _say(request, Mrkdwn(f"I couldn't send you the CSV ({escape(slack_error(exc))})."))
            return
    _say(request, f"I sent you the book as CSV ({count} onboardings) in a DM.")


def handle_metrics_open_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """App Home has no message to reply to: the full metrics open in a modal."""
    ack()
    metrics = load_metrics(deps_of(context), SliceBy.SEGMENT)
    client.views_open(trigger_id=body["trigger_id"], view=build_metrics_modal(metrics))


def register(app: App, commands: CommandRouter) -> None:
    commands.add(["metrics"], handle_metrics_command)
    commands.add(["export"], handle_export_command)
    app.action(MetricsId.OPEN)(click(handle_metrics_open_click))
