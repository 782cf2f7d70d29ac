"""HTTP mode: Bolt behind waitress, a multi-threaded production WSGI server."""

from __future__ import annotations

import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs
from bot.db import Database
from bot.entry.usage_endpoint import USAGE_PATH, usage_endpoint
from bot.observability import CONTENT_TYPE, Metrics
from bot.services import replays
from bot.slack.request_gate import Rejection, check_request

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# The listener label of a request the edge refused before it could trust the body.
UNVERIFIED = "unverified"
# Open connections the server accepts at once; Slack opens one per request.
CONNECTION_LIMIT = 1000
# How often one process drops the signatures too old to be replayed.
_FORGET_EVERY_SECONDS = 60.0


def make_wsgi_app(app: App, db: Database) -> WsgiApp:
    """Route `POST /slack/events` through the request gate to Bolt, `GET /healthz` to a
    database check and `GET /metrics` to the Prometheus exposition."""
    events = SlackEvents(app, db)
    deps = app.onboard_deps  # type: ignore[attr-defined]
    metrics = metrics_endpoint(deps.metrics, deps.settings.metrics_token)
    usage = usage_endpoint(db, deps.settings.usage_secret, deps.settings.tz)

    def onboard_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(db, start_response)
        if path == METRICS_PATH:
            return metrics(environ, start_response)
        if path == EVENTS_PATH:
            return events(environ, start_response)
        if path == USAGE_PATH:
            return usage(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return onboard_wsgi


@dataclass
class _Seen:
    """What /metrics records of one request, filled in as it passes the edge."""

    listener: str = UNVERIFIED
    kind: str = ""
    outcome: str = "error"  # until something answers it
    to_bolt: bool = False


class SlackEvents:
    """`/slack/events`: a body of bounded size, signed by Slack, in a shape Slack sends, and not
    seen before; only then Bolt. Every refusal is a 4xx and one log line, with no Web API
    call, no response_url call and no database write. Each request is counted in the app's
    metrics by listener and outcome, and the time to Bolt's ack of it observed."""

    def __init__(self, app: App, db: Database) -> None:
        deps = app.onboard_deps  # type: ignore[attr-defined]
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._db = db
        self._metrics: Metrics = deps.metrics
        self._names = deps.listener_names
        self._secret: str = deps.settings.slack_signing_secret
        self._max_body = deps.settings.max_request_bytes
        self._forgotten_at = 0.0
        self._lock = threading.Lock()
        # SQLite has one writer at a time, and a writer that finds the file locked sleeps in
        # steps of up to 100 ms: under a burst the server's threads would take turns that way
        # before their acks. They queue here instead, in order, for about a millisecond each.
        self._writes: AbstractContextManager[Any] = (
            threading.Lock() if db.engine.dialect.name == "sqlite" else nullcontext()
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Named here so the refusals below and everything Bolt logs share one id; a header the
        # sender chose is overwritten, never trusted.
        environ["HTTP_X_ONBOARD_REQUEST_ID"] = logs.start_request()
        seen = _Seen()
        started = time.perf_counter()
        try:
            return self._answer(environ, start_response, seen)
        finally:
            # Bolt returns once the listener acked (the rest of its work goes on after).
            ack = time.perf_counter() - started if seen.to_bolt else None
            self._metrics.slack_request(seen.listener, seen.outcome, seen.kind, ack)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, seen: _Seen
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _refuse(Rejection(405, "not a POST"), start_response, seen)
        body = self._read_body(environ)
        if isinstance(body, Rejection):
            return _refuse(body, start_response, seen)
        headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key != "HTTP_X_ONBOARD_REQUEST_ID"
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        verdict = check_request(body, headers, self._secret, time.time())
        if isinstance(verdict, Rejection):
            return _refuse(verdict, start_response, seen)
        seen.kind, seen.listener = self._names.of(verdict.payload)
        if not self._first_sighting(verdict.digest):
            log.info("replayed request ignored")
            seen.outcome = "replay"
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b""]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        seen.to_bolt = True
        return self._bolt(environ, _recording(seen, start_response))

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
        with self._writes, self._db.session() as session:
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


def _recording(seen: _Seen, start_response: StartResponse) -> StartResponse:
    """`start_response`, noting Bolt's status as the outcome: 404 is Bolt's "no listener"."""

    def start(status: str, *rest: Any) -> Any:
        code = status.split(" ", 1)[0]
        seen.outcome = "ok" if code[:1] == "2" else "unhandled" if code == "404" else "error"
        return start_response(status, *rest)

    return start


def _refuse(rejection: Rejection, start_response: StartResponse, seen: _Seen) -> list[bytes]:
    log.info("refused a request: %s", rejection.reason)
    seen.outcome = rejection.outcome
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


def metrics_endpoint(metrics: Metrics, token: str = "") -> WsgiApp:
    """`GET /metrics`: the app's metrics in the Prometheus text format; with a token
    (ONBOARD_METRICS_TOKEN), only for `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode()

    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            start_response(
                "405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET")]
            )
            return [b"GET only"]
        given = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace")
        if token and not hmac.compare_digest(given, expected):
            log.info("refused a metrics scrape: no or wrong bearer token")
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")],
            )
            return [b"a bearer token is required"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
        return [metrics.exposition()]

    return serve


def create_server(
    wsgi: Callable[..., Any],
    host: str,
    port: int,
    threads: int = 16,
    max_body_bytes: int = 1024 * 1024,
) -> Any:
    """A waitress server (not yet running); `.run()` serves, `.close()` stops. Bodies over
    `max_body_bytes` are refused by waitress before they are buffered. `threads`
    (ONBOARD_SERVER_THREADS) answer requests; connections beyond them wait their turn, up to
    `CONNECTION_LIMIT` (waitress's own 100 stops accepting at 100 users at once)."""
    from waitress import create_server as waitress_server

    return waitress_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        connection_limit=CONNECTION_LIMIT,
        ident="onboard",
        max_request_body_size=max_body_bytes,
    )
