"""What handlers need besides the Bolt arguments, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from slack_bolt import BoltContext

from bot.config import Settings
from bot.db import Database
from bot.observability import Metrics
from bot.playbooks import PlaybookLibrary
from bot.services.permissions import Admins
from bot.slack.client import UserDirectory
from bot.slack.listener_names import ListenerNames
from bot.slack.outbox_loop import NoOutbox, OutboxLoop

DEPS_KEY = "onboard"


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    playbooks: PlaybookLibrary
    users: UserDirectory
    # Who may change any onboarding (ONBOARD_ADMINS, with its user group resolved).
    admins: Admins = field(default_factory=Admins)
    # The outbox sender's loop: handlers call `deps.outbox.kick()` after they enqueue.
    outbox: OutboxLoop | NoOutbox = field(default_factory=NoOutbox)
    # What GET /metrics shows (bot/observability.py), and how it names each request's listener.
    metrics: Metrics = field(default_factory=Metrics)
    listener_names: ListenerNames = field(default_factory=ListenerNames)
    # The installing team and enterprise (auth.test at start-up): who counts as "our team".
    own_team: tuple[str, str | None] = ("", None)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.settings.tz).date()


def deps_of(context: BoltContext) -> Deps:
    return context[DEPS_KEY]
