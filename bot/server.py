"""HTTP mode: Bolt behind waitress, a multi-threaded production WSGI server."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.db import Database

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, db: Database
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route `POST /slack/events` to Bolt and `GET /healthz` to a database check."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def onboard_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(db, start_response)
        if path == EVENTS_PATH:
            return bolt(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return onboard_wsgi


def _health(db: Database, start_response: StartResponse) -> list[bytes]:
    try:
        healthy = db.ping()
    except Exception as exc:  # any database failure means unhealthy; say which
        log.warning("health check failed: %s", exc)
        healthy = False
    status = "200 OK" if healthy else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()]


def create_server(wsgi: Callable[..., Any], host: str, port: int, threads: int = 16) -> Any:
    """A waitress server (not yet running); `.run()` serves, `.close()` stops."""
    from waitress import create_server as waitress_server

    return waitress_server(wsgi, host=host, port=port, threads=threads, ident="onboard")
