"""Structured logs: one JSON line per event, with the Slack user, the command and a request id."""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
slack_user: contextvars.ContextVar[str] = contextvars.ContextVar("slack_user", default="-")
slack_command: contextvars.ContextVar[str] = contextvars.ContextVar("slack_command", default="-")


P = ParamSpec("P")
R = TypeVar("R")


def new_request_id() -> str:
    return secrets.token_hex(6)  # 12 hex digits, as a uuid4's first 12 were, for less


def start_request(request: str | None = None) -> str:
    """A new request on this thread: its id (new unless given), and no user or command yet."""
    request = request or new_request_id()
    request_id.set(request)
    slack_user.set("-")
    slack_command.set("-")
    return request


class ContextCarrying(Executor):
    """Runs each task of `inner` in a copy of the submitter's context variables, so the request
    id, user and command follow a listener onto its thread (a plain pool drops them)."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        context = contextvars.copy_context()
        return self._inner.submit(context.run, fn, *args, **kwargs)  # type: ignore[arg-type]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "request_id": request_id.get(),
            "user": slack_user.get(),
            "command": slack_command.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # waitress warns once per request queued behind busy threads: under a burst, a line per
    # request that says what onboard_slack_ack_seconds in /metrics says once.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
