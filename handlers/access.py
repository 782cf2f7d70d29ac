"""app_uninstalled and tokens_revoked: Slack access is suspended until the token works again.

While it is, the outbox sender parks every post and the jobs stand down (bot/slack/access.py,
bot/entry/runner.py). Any other verified request asks the sender to probe at once: Slack sends none
to an app that is not installed, so it may be the first since a reinstall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.services.access import suspend
from bot.slack.deps import Deps, deps_of
from bot.slack.ids import Event

log = logging.getLogger(__name__)
LIFECYCLE_EVENTS = frozenset({Event.APP_UNINSTALLED.value, Event.TOKENS_REVOKED.value})


def handle_access_uninstalled_event(context: BoltContext) -> None:
    _suspend(deps_of(context), Event.APP_UNINSTALLED)


def handle_access_revoked_event(event: dict[str, Any], context: BoltContext) -> None:
    if not (event.get("tokens") or {}).get("bot"):
        log.info("tokens_revoked for user tokens only: the bot token still works")
        return
    _suspend(deps_of(context), Event.TOKENS_REVOKED)


def _suspend(deps: Deps, reason: str) -> None:
    with deps.db.session() as session:
        newly = suspend(session, reason, now=deps.now())
        session.commit()
    if newly:
        log.error("Slack access suspended (%s): posts are parked until the token works", reason)
    deps.outbox.kick()  # its next pass sees the suspension and parks what is due


def recheck_access(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> Any:
    """A Bolt middleware: a verified request (other than the two above) while access is
    suspended makes the sender probe auth.test now rather than at its interval."""
    event = body.get("event")
    if not (isinstance(event, dict) and event.get("type") in LIFECYCLE_EVENTS):
        deps_of(context).outbox.recheck_access()
    return next()


def register(app: App) -> None:
    app.use(recheck_access)
    app.event(Event.APP_UNINSTALLED)(handle_access_uninstalled_event)
    app.event(Event.TOKENS_REVOKED)(handle_access_revoked_event)
