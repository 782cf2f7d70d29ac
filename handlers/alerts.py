"""The buttons of a stall alert: Acknowledge, Snooze 1 day, Snooze 3 days.

Open status reuses the status card's button (handlers/status.py). Who may answer: the CSM, the
AE and the admins (`ensure_can_change`), like any change to the onboarding; guests and other
organisations' users never get here (the global guard refuses them).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.alerts import acknowledge_alerts, snooze_alerts
from bot.services.signals import load_catalog
from bot.slack import blocks as bk
from bot.slack.alert_views import AlertAction, answered_text, snoozed_verb, with_alert_status
from bot.slack.deps import deps_of
from bot.slack.forms import button_model, click
from bot.slack.ids import AlertId
from handlers.command import CommandRouter


def handle_alert_answer_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    value = button_model(action, AlertAction)
    catalog = load_catalog(deps.settings.templates_dir)
    with deps.db.transaction() as session:
        if action["action_id"] == AlertId.ACKNOWLEDGE:
            answer = acknowledge_alerts(
                session,
                value.o,
                value.a,
                user_id,
                admins=deps.admins,
                catalog=catalog,
                now=deps.now(),
            )
            verb = "Acknowledged"
        else:
            answer = snooze_alerts(
                session,
                value.o,
                value.a,
                value.d,
                user_id,
                admins=deps.admins,
                catalog=catalog,
                default_timezone=deps.settings.timezone,
                now=deps.now(),
            )
            verb = snoozed_verb(value.d)
    message = body.get("message") or {}
    status = answered_text(verb, user_id, answer.at, deps.settings.tz, answer.snoozed_until)
    client.chat_update(
        channel=body["channel"]["id"],
        ts=message["ts"],
        text=bk.fallback_text(message.get("text") or f"Stall alert: {answer.company_name}"),
        blocks=with_alert_status(message.get("blocks") or [], status),
    )


def register(app: App, commands: CommandRouter) -> None:
    app.action(re.compile(f"^({AlertId.ACKNOWLEDGE}|{AlertId.SNOOZE_1}|{AlertId.SNOOZE_3})$"))(
        click(handle_alert_answer_click)
    )
