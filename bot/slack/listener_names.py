"""The `listener` label of /metrics for a verified request: which listener it is for, in words
the code chose, never the user's.

`/onboard status` (the subcommand only when it is one the router knows; anything else typed is
`/onboard other`), `action:status-pick-customer-N` (digits in an action id, such as an
onboarding id, become N), `view_submission:handoff`, `shortcut:…`, `event:app_home_opened`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.observability import OTHER

_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
_DIGITS = re.compile(r"\d+")
VIEW_KINDS = ("view_submission", "view_closed")
SHORTCUT_KINDS = ("shortcut", "message_action")


class ListenerNames:
    """Names requests by listener; `subcommands` are filled in once the handlers registered."""

    def __init__(self, subcommands: Iterable[str] = ()) -> None:
        self.know(subcommands)

    def know(self, subcommands: Iterable[str]) -> None:
        # help is no subcommand of the router's: it is what the router answers by itself.
        self.subcommands = frozenset([*subcommands, "help"])

    def of(self, payload: dict[str, Any]) -> tuple[str, str]:
        """(kind, listener): kind is `command`, an interaction's type or `event_callback`."""
        if "command" in payload:
            return "command", self._command(payload)
        kind = "ssl_check" if "ssl_check" in payload else str(payload.get("type") or "")
        if kind == "block_actions":
            actions = payload.get("actions")
            first = _dict(actions[0]) if isinstance(actions, list) and actions else {}
            return kind, "action:" + _named(first.get("action_id"))
        if kind in VIEW_KINDS:
            return kind, f"{kind}:{_named(_dict(payload.get('view')).get('callback_id'))}"
        if kind in SHORTCUT_KINDS:
            return kind, "shortcut:" + _named(payload.get("callback_id"))
        if kind == "event_callback":
            return kind, "event:" + _named(_dict(payload.get("event")).get("type"))
        named = _named(kind)
        return named, named

    def _command(self, payload: dict[str, Any]) -> str:
        command = _named(payload.get("command"))
        first = str(payload.get("text") or "").split(maxsplit=1)[:1]
        word = first[0].lower() if first else "help"  # what the router answers an empty one with
        return f"{command} {word if word in self.subcommands else OTHER}"


def _named(value: Any) -> str:
    """An id as the code wrote it, digits folded (`-12` and `-13` are one listener)."""
    text = _DIGITS.sub("N", value) if isinstance(value, str) else ""
    return text if _NAME.match(text) else OTHER


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
