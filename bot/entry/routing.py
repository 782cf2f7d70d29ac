"""One Bolt listener per payload kind, finding its handler by id in a dict.

Bolt tries every registered listener in turn, and each try builds the full set of keyword
arguments (about 30, the payload parsed several times) just to compare one id: with some 70
listeners that is most of the CPU of a request, and it grows with every listener added.
`RoutedApp` keeps Bolt's API (`app.action(id)(fn)`, `app.view`, `app.shortcut`,
`app.command`), but files each such registration in the table of its payload kind; Bolt sees one
listener per kind, which looks the payload's id up (exact ids in a dict, then the patterns)
and runs the registered function as Bolt would have (same keyword arguments, same ack and
error handling). As with Bolt, the first registration that matches wins.

Routed: block actions by the first action's `action_id`, view submissions by callback id,
global and message shortcuts by callback id, slash commands by name. Anything else (events,
`view_closed`, a registration with matchers, middleware, lazy functions or a dict of
constraints, and the legacy attachment and dialog actions Onboard never sends) goes to Bolt's
own listeners unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from re import Pattern
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener import CustomListener, Listener
from slack_bolt.request.payload_utils import (
    is_block_actions,
    is_shortcut,
    is_slash_command,
    is_view_submission,
    to_action,
)

Constraint = str | Pattern[str]
Registration = Callable[..., Callable[..., BoltResponse | None] | None]
_ROUTED = "onboard_routed_listener"  # the listener found for this request (BoltContext key)


class RouteTable:
    """The listeners of one payload kind, by the id that payload names."""

    def __init__(self) -> None:
        self._exact: dict[str, tuple[int, CustomListener]] = {}
        self._patterns: list[tuple[int, Pattern[str], CustomListener]] = []
        self._added = 0

    def add(self, constraint: Constraint, listener: CustomListener) -> None:
        if isinstance(constraint, str):
            self._exact.setdefault(constraint, (self._added, listener))  # the first one wins
        else:
            self._patterns.append((self._added, constraint, listener))
        self._added += 1

    def find(self, key: Any) -> CustomListener | None:
        """The first registration matching `key` (Bolt's rule: a string equals it, a pattern
        is found in it)."""
        if not isinstance(key, str):
            return None
        exact = self._exact.get(key)
        for added, pattern, listener in self._patterns:
            if exact is not None and added > exact[0]:
                break
            if pattern.search(key):
                return listener
        return exact[1] if exact is not None else None


class RoutedListener(Listener):
    """What Bolt sees of one payload kind: matches when the table knows the payload's id, and
    runs the listener found there."""

    def __init__(
        self, name: str, applies: Callable[[dict[str, Any]], bool], key: Callable[..., Any]
    ) -> None:
        self.table = RouteTable()
        self._applies = applies
        self._key = key
        self.matchers = []
        self.middleware = []
        self.lazy_functions = []
        self.auto_acknowledgement = False
        self.ack_timeout = 3

        def route(**_: Any) -> None:  # only named: Bolt logs `ack_function`'s name
            return None

        route.__name__ = route.__qualname__ = f"route_{name}"
        self.ack_function = route

    def matches(self, *, req: BoltRequest, resp: BoltResponse) -> bool:
        body = req.body
        found = self.table.find(self._key(body)) if self._applies(body) else None
        if found is None:
            return False
        req.context[_ROUTED] = found
        return True

    def run_ack_function(self, *, request: BoltRequest, response: BoltResponse) -> Any:
        listener: CustomListener = request.context[_ROUTED]
        return listener.run_ack_function(request=request, response=response)


def _action_id(body: dict[str, Any]) -> Any:
    action = to_action(body)
    return action.get("action_id") if isinstance(action, dict) else None


_KINDS: dict[str, tuple[Callable[[dict[str, Any]], bool], Callable[..., Any]]] = {
    "block_actions": (is_block_actions, _action_id),
    "view_submission": (is_view_submission, lambda body: body["view"]["callback_id"]),
    "shortcut": (is_shortcut, lambda body: body["callback_id"]),
    "command": (is_slash_command, lambda body: body["command"]),
}


class RoutedApp(App):
    """A Bolt App whose action, view, shortcut and command listeners are found by id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._routes: dict[str, RoutedListener] = {}

    def action(  # type: ignore[override]
        self, constraints: Any, matchers: Any = None, middleware: Any = None
    ) -> Registration:
        fallback = super().action(constraints, matchers, middleware)
        return self._route("block_actions", constraints, matchers, middleware, fallback)

    def view(  # type: ignore[override]
        self, constraints: Any, matchers: Any = None, middleware: Any = None
    ) -> Registration:
        fallback = super().view(constraints, matchers, middleware)
        return self._route("view_submission", constraints, matchers, middleware, fallback)

    def shortcut(  # type: ignore[override]
        self, constraints: Any, matchers: Any = None, middleware: Any = None
    ) -> Registration:
        fallback = super().shortcut(constraints, matchers, middleware)
        return self._route("shortcut", constraints, matchers, middleware, fallback)

    def command(  # type: ignore[override]
        self, command: Any, matchers: Any = None, middleware: Any = None
    ) -> Registration:
        fallback = super().command(command, matchers, middleware)
        return self._route("command", command, matchers, middleware, fallback)

    def _route(
        self,
        kind: str,
        constraint: Any,
        matchers: Sequence[Any] | None,
        middleware: Sequence[Any] | None,
        fallback: Registration,
    ) -> Registration:
        """Bolt's registration (`fallback`) unless this one can be looked up by id."""
        if matchers or middleware or not isinstance(constraint, str | Pattern):
            return fallback

        def register(*functions: Any, **kwargs: Any) -> Any:
            if kwargs or len(functions) != 1:  # lazy listeners: Bolt's way
                return fallback(*functions, **kwargs)
            self._listener_of(kind).table.add(constraint, self._custom(functions[0]))
            return functions[0]

        return register

    def _custom(self, function: Callable[..., Any]) -> CustomListener:
        return CustomListener(
            app_name=self.name,
            ack_function=function,
            lazy_functions=[],
            matchers=[],
            middleware=[],
            base_logger=self._base_logger,
        )

    def _listener_of(self, kind: str) -> RoutedListener:
        if kind not in self._routes:
            applies, key = _KINDS[kind]
            self._routes[kind] = RoutedListener(kind, applies, key)
            self._listeners.append(self._routes[kind])
        return self._routes[kind]
