"""`/onboard settings`: each user's own settings (how their stall alerts reach them), on an
ephemeral card whose buttons change them in place."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services.user_settings import choose_alert_digest, user_settings
from bot.slack.commands import CommandRequest
from bot.slack.deps import deps_of
from bot.slack.forms import click
from bot.slack.ids import SettingsId
from bot.slack.settings_views import SETTINGS_TEXT, build_settings_blocks
from handlers.command import CommandRouter


def handle_settings_command(request: CommandRequest) -> None:
    request.ack()
    with request.deps.db.session() as session:
        settings = user_settings(session, request.user_id)
    request.respond(
        text=SETTINGS_TEXT, blocks=build_settings_blocks(settings), response_type="ephemeral"
    )


def handle_settings_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    digest = action["action_id"] == SettingsId.ALERTS_DIGEST
    with deps.db.transaction() as session:
        settings = choose_alert_digest(session, body["user"]["id"], digest, now=deps.now())
    respond(
        text=SETTINGS_TEXT,
        blocks=build_settings_blocks(settings, saved=True),
        replace_original=True,
        response_type="ephemeral",
    )


def register(app: App, commands: CommandRouter) -> None:
    commands.add(["settings"], handle_settings_command)
    choices = f"^({SettingsId.ALERTS_PER_ONBOARDING}|{SettingsId.ALERTS_DIGEST})$"
    app.action(re.compile(choices))(click(handle_settings_click))
