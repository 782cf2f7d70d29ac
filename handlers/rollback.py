"""`/onboard rollback <customer> <what happened>`: record a rollback after go-live, and ask for
its post-mortem within 48 hours (bot/services/rollback.py)."""

from __future__ import annotations

from slack_bolt import App

from bot.services.lookup import CustomerIndex
from bot.services.rollback import record_rollback
from bot.slack.commands import CommandRequest
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.rollback_views import ROLLBACK_USAGE, rollback_text
from handlers.actor import actor_of
from handlers.command import CommandRouter


def handle_rollback_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    words = request.args.split()
    with actor.deps.db.session() as session:
        lookup, rest = CustomerIndex.load(session).find_with_rest(words, need_rest=True)
    if len(words) < 2 or lookup.one is None or not rest:
        names = ", ".join(
            escape(ref.company_name) for ref in (lookup.matches or lookup.closest)[:5]
        )
        known = f" Did you mean: {names}?" if names and lookup.one is None else ""
        actor.say(Mrkdwn(f"Usage: {ROLLBACK_USAGE}.{known}"))
        return
    deps = actor.deps
    with deps.db.transaction() as session:
        recorded = record_rollback(
            session,
            lookup.one.onboarding_id,
            rest,
            actor.user_id,
            admins=actor.admins,
            now=deps.now(),
            default_tz=deps.settings.tz,
        )
        actor.follow_up(session, recorded.onboarding_id)
    actor.say(rollback_text(recorded))
    actor.changed()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("rollback",), handle_rollback_command)
