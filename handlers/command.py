"""`/onboard <subcommand> ...`: parse the subcommand and hand over to its feature."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack.commands import CommandRequest, help_blocks, parse_command
from bot.slack.ids import Command

Subcommand = Callable[[CommandRequest], None]
# Tried for a first word that is no subcommand; True when it answered the request.
Fallback = Callable[[CommandRequest], bool]


class CommandRouter:
    """Subcommands by name; each feature adds its own in its `register`."""

    def __init__(self) -> None:
        self._handlers: dict[str, Subcommand] = {}
        self._fallback: Fallback | None = None

    def add(self, names: Iterable[str], handler: Subcommand) -> None:
        for name in names:
            self._handlers[name] = handler

    def set_fallback(self, fallback: Fallback) -> None:
        self._fallback = fallback

    @property
    def names(self) -> list[str]:
        return sorted(self._handlers)

    def handle_onboard_command(
        self,
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        request = parse_command(body, client=client, respond=respond, context=context, ack=ack)
        handler = self._handlers.get(request.name)
        if handler is not None:
            handler(request)
        elif request.name == "help" and not request.args:
            # Plain `help` (or nothing) is never a customer's name: no lookup before the ack.
            ack(response_type="ephemeral", blocks=help_blocks(), text="Onboard help")
        elif self._fallback is None or not self._fallback(request):
            blocks = help_blocks(request.name, self.suggestion(request.name, request.args))
            ack(response_type="ephemeral", blocks=blocks, text="Onboard help")

    def suggestion(self, name: str, args: str) -> str:
        """The command line with a mistyped subcommand corrected (`stauts acme` -> `status
        acme`); "" when no subcommand is close enough."""
        close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.7)
        return " ".join(filter(None, [close[0], args])) if close else ""


def register(app: App, router: CommandRouter) -> None:
    app.command(Command.ONBOARD)(router.handle_onboard_command)
