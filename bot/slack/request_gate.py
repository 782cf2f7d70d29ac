"""What a request to `/slack/events` must be before Bolt, the database or Slack hear of it.

Slack signs every request: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 with the signing
secret of `v0:{X-Slack-Request-Timestamp}:{raw body}`, and sends only form-encoded or JSON
bodies. Anything else is refused here with a 4xx and one short log line: the body is not parsed
until its signature holds, and a signed body is parsed once here to refuse shapes Slack never
sends, so nothing behind this gate acts on an untrusted or malformed request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

# Slack refuses timestamps more than 5 minutes off; so do we, and replays within them are
# caught by the seen-request store instead.
MAX_CLOCK_SKEW_SECONDS = 300
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=([0-9a-f]{64})$")


_WHY_BY_STATUS = {
    400: "malformed",
    401: "signature",
    405: "method",
    411: "no_length",
    413: "too_large",
    415: "content_type",
}


@dataclass(frozen=True)
class Rejection:
    """An HTTP answer for a request that goes no further, why (for the log), and the short
    word for why (the `rejected_<why>` outcome of /metrics; by default from the status)."""

    status: int
    reason: str
    why: str = ""

    @property
    def outcome(self) -> str:
        return "rejected_" + (self.why or _WHY_BY_STATUS[self.status])

    @property
    def status_line(self) -> str:
        return {
            400: "400 Bad Request",
            401: "401 Unauthorized",
            405: "405 Method Not Allowed",
            411: "411 Length Required",
            413: "413 Content Too Large",
            415: "415 Unsupported Media Type",
        }[self.status]


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature holds: its body, the digest that identifies it, and what it
    says (read-only: Bolt parses the body again itself)."""

    body: bytes
    digest: str
    payload: dict[str, Any] = field(default_factory=dict)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_request(
    body: bytes, headers: Mapping[str, str], signing_secret: str, now: float
) -> SignedRequest | Rejection:
    """`headers` keyed in lower case. A SignedRequest, or the Rejection to answer with."""
    if media_type(headers.get("content-type", "")) not in (FORM, JSON):
        return Rejection(415, "content type is not one Slack sends")
    digest = _verified_digest(body, headers, signing_secret, now)
    if isinstance(digest, Rejection):
        return digest
    parsed = _parsed(body, media_type(headers["content-type"]))
    if isinstance(parsed, str):
        return Rejection(400, parsed)
    return SignedRequest(body=body, digest=digest, payload=parsed)


def _verified_digest(
    body: bytes, headers: Mapping[str, str], signing_secret: str, now: float
) -> str | Rejection:
    timestamp = headers.get("x-slack-request-timestamp", "")
    match = _SIGNATURE.match(headers.get("x-slack-signature", ""))
    if not _TIMESTAMP.match(timestamp) or match is None:
        return Rejection(401, "missing or malformed signature headers")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return Rejection(401, "stale timestamp", "stale")
    expected = hmac.new(
        signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, match.group(1)):
        return Rejection(401, "signature mismatch")
    return expected


def _parsed(body: bytes, kind: str) -> dict[str, Any] | str:
    """The request a signed body carries (a command's fields, an interaction's payload, an
    event envelope), or why it is not one Slack sends."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if kind == JSON:
        parsed = _json_object(text)
        if parsed is None or not isinstance(parsed.get("type"), str):
            return "JSON body is not a Slack event"
        return parsed
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        payload = _json_object(form["payload"][0])
        if len(form["payload"]) != 1 or payload is None or not isinstance(payload.get("type"), str):
            return "payload is not a Slack interaction"
        return payload
    if "command" in form or "ssl_check" in form:
        return {key: values[0] for key, values in form.items()}
    return "form body is not a slash command or an interaction"


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
