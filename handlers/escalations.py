"""The Acknowledge button of an escalation to CS leadership.

Only an Onboard admin may acknowledge (anyone else is told so, ephemerally); the service edits
every copy of the escalation in place through the outbox, so the clicked message and the other
leaders' DMs say who acknowledged and when. A second click is told who already did.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services.escalations import acknowledge_escalation
from bot.slack.deps import deps_of
from bot.slack.forms import button_id, click
from bot.slack.ids import EscalationId


def handle_escalation_acknowledge_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    escalation_id = button_id(action)
    with deps.db.transaction() as session:
        acknowledge_escalation(
            session,
            escalation_id,
            body["user"]["id"],
            admins=deps.admins,
            default_timezone=deps.settings.timezone,
            now=deps.now(),
        )
    deps.outbox.kick()


def register(app: App) -> None:
    app.action(EscalationId.ACKNOWLEDGE)(click(handle_escalation_acknowledge_click))
