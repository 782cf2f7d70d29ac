"""`POST /usage`: the product's daily usage records, signed like a webhook.

The body is signed with ONBOARD_USAGE_SECRET: `X-Onboard-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body. A batch is written all or nothing; a record sent again for the same
customer and day replaces the first, so a sender may simply retry (a replay changes nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.services import usage

log = logging.getLogger(__name__)
USAGE_PATH = "/usage"
SIGNATURE_HEADER = "HTTP_X_ONBOARD_SIGNATURE"
SIGNATURE_PREFIX = "sha256="
# A day of records for a few thousand customers fits with room to spare.
MAX_BODY_BYTES = 1024 * 1024
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def usage_endpoint(db: Database, secret: str, tz: ZoneInfo) -> WsgiApp:
    """The WSGI app of `/usage`; without a secret, off (404) and said so once at start."""
    if not secret:
        log.warning("POST /usage is off: ONBOARD_USAGE_SECRET is not set")
        return _off
    key = secret.encode()

    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, {"ok": False, "error": "POST only"})
        body = _read_body(environ)
        if isinstance(body, tuple):
            return _answer(start_response, body[0], {"ok": False, "error": body[1]})
        if not _signed(key, body, environ.get(SIGNATURE_HEADER, "")):
            log.info("refused a usage batch: no or wrong X-Onboard-Signature")
            return _answer(start_response, 401, {"ok": False, "error": "bad signature"})
        return _record(db, tz, body, start_response)

    return serve


def signature(secret: str, body: bytes) -> str:
    """The header value a sender puts in X-Onboard-Signature for `body`."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(key: bytes, body: bytes, header: str) -> bool:
    expected = SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()
    given = header.strip().encode("latin-1", "replace")
    return hmac.compare_digest(given, expected.encode())


def _read_body(environ: dict[str, Any]) -> bytes | tuple[int, str]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return 411, "Content-Length required"
    if length < 0 or length > MAX_BODY_BYTES:
        log.info("refused a usage batch: body over %s bytes", MAX_BODY_BYTES)
        return 413, f"body over {MAX_BODY_BYTES} bytes"
    body = environ["wsgi.input"].read(length)
    return body if len(body) == length else (400, "body shorter than announced")


def _record(
    db: Database, tz: ZoneInfo, body: bytes, start_response: StartResponse
) -> Iterable[bytes]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _answer(start_response, 400, {"ok": False, "error": "body is not JSON"})
    if not isinstance(payload, dict) or "records" not in payload:
        return _answer(start_response, 400, {"ok": False, "error": 'expected {"records": [...]}'})
    today = datetime.now(UTC).astimezone(tz).date()
    try:
        with db.transaction() as session:
            accepted = usage.record_batch(session, payload["records"], today)
    except usage.UsageError as exc:
        log.info("refused a usage batch: %s", exc)
        error = {"index": exc.index, "field": exc.field, "message": exc.reason}
        return _answer(start_response, 400, {"ok": False, "error": error})
    log.info("usage batch stored: %s records", accepted)
    return _answer(start_response, 200, {"ok": True, "accepted": accepted})


def _off(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    return _answer(
        start_response, 404, {"ok": False, "error": "usage is off (ONBOARD_USAGE_SECRET unset)"}
    )


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
}


def _answer(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    start_response(f"{status} {_REASONS[status]}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
