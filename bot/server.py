"""HTTP mode: Bolt behind waitress, a multi-threaded production WSGI server."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs
from bot.db import Database
from bot.services import replays
from bot.slack.request_gate import Rejection, check_request

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
StartResponse = Callable[..., Any]
# How often one process drops the signatures too old to be replayed.
_FORGET_EVERY_SECONDS = 60.0


def make_wsgi_app(
    app: App, db: Database
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route `POST /slack/events` through the request gate to Bolt and `GET /healthz` to a
    database check."""
    events = SlackEvents(app, db)

    def onboard_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(db, start_response)
        if path == EVENTS_PATH:
            return events(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return onboard_wsgi


class SlackEvents:
    """`/slack/events`: a body of bounded size, signed by Slack, in a shape Slack sends, and not
    seen before; only then Bolt. Every refusal is a 4xx and one log line, with no Web API
    call, no response_url call and no database write."""

    def __init__(self, app: App, db: Database) -> None:
        settings = app.onboard_deps.settings  # type: ignore[attr-defined]
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._db = db
        self._secret: str = settings.slack_signing_secret
        self._max_body = settings.max_request_bytes
        self._forgotten_at = 0.0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Named here so the refusals below and everything Bolt logs share one id; a header the
        # sender chose is overwritten, never trusted.
        environ["HTTP_X_ONBOARD_REQUEST_ID"] = logs.start_request()
        if environ.get("REQUEST_METHOD") != "POST":
            return _refuse(Rejection(405, "not a POST"), start_response)
        body = self._read_body(environ)
        if isinstance(body, Rejection):
            return _refuse(body, start_response)
        headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key != "HTTP_X_ONBOARD_REQUEST_ID"
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        verdict = check_request(body, headers, self._secret, time.time())
        if isinstance(verdict, Rejection):
            return _refuse(verdict, start_response)
        if not self._first_sighting(verdict.digest):
            log.info("replayed request ignored")
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b""]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self._bolt(environ, start_response)

    def _read_body(self, environ: dict[str, Any]) -> bytes | Rejection:
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return Rejection(411, "no Content-Length")
        if length < 0 or length > self._max_body:
            return Rejection(413, f"body over {self._max_body} bytes")
        body = environ["wsgi.input"].read(length)
        return body if len(body) == length else Rejection(400, "body shorter than announced")

    def _first_sighting(self, digest: str) -> bool:
        now = datetime.now(UTC)
        with self._db.session() as session:
            first = replays.first_sighting(session, digest, now)
            if self._time_to_forget():
                replays.forget_old(session, now)
            session.commit()
        return first

    def _time_to_forget(self) -> bool:
        with self._lock:
            due = time.monotonic() - self._forgotten_at >= _FORGET_EVERY_SECONDS
            if due:
                self._forgotten_at = time.monotonic()
            return due


def _refuse(rejection: Rejection, start_response: StartResponse) -> list[bytes]:
    log.info("refused a request: %s", rejection.reason)
    start_response(rejection.status_line, [("Content-Type", "text/plain")])
    return [rejection.reason.encode()]


def _health(db: Database, start_response: StartResponse) -> list[bytes]:
    try:
        healthy = db.ping()
    except Exception as exc:  # any database failure means unhealthy; say which
        log.warning("health check failed: %s", exc)
        healthy = False
    status = "200 OK" if healthy else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()]


def create_server(
    wsgi: Callable[..., Any],
    host: str,
    port: int,
    threads: int = 16,
    max_body_bytes: int = 1024 * 1024,
) -> Any:
    """A waitress server (not yet running); `.run()` serves, `.close()` stops. Bodies over
    `max_body_bytes` are refused by waitress before they are buffered."""
    from waitress import create_server as waitress_server

    return waitress_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="onboard",
        max_request_body_size=max_body_bytes,
    )
