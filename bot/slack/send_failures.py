"""What a failed Slack call means for an outbox row: wait, retry with backoff, or give up."""

from __future__ import annotations

import enum
import http.client
from typing import Any

from slack_sdk.errors import SlackApiError

# Slack errors that say "try again later" rather than "this will never work".
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
# Network failures: timeouts, refused or reset connections, a server that hung up mid-answer.
NETWORK_ERRORS = (OSError, http.client.HTTPException)


class Kind(enum.StrEnum):
    RATE_LIMITED = "rate_limited"  # nothing was sent; wait for Retry-After
    TRANSIENT = "transient"  # 5xx, network, timeout: retry with backoff (may have been sent)
    PERMANENT = "permanent"  # will not work until someone fixes something


class SlackFailure(Exception):
    def __init__(self, error: str, kind: Kind, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind
        self.retry_after = retry_after


class LeaseLost(Exception):
    """Another process took the row (our lease expired); leave it to that process."""


def classify_failure(exc: Exception) -> SlackFailure:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            return SlackFailure("ratelimited", Kind.RATE_LIMITED, _retry_after(exc))
        if status >= 500:
            return SlackFailure(f"http_{status}", Kind.TRANSIENT)
        kind = Kind.TRANSIENT if error in TRANSIENT_ERRORS else Kind.PERMANENT
        return SlackFailure(error, kind)
    return SlackFailure(f"{type(exc).__name__}: {exc}", Kind.TRANSIENT)


def _retry_after(exc: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    raw = headers.get("retry-after")
    raw = raw[0] if isinstance(raw, list) else raw
    try:
        return float(raw) if raw is not None else 1.0
    except ValueError:
        return 1.0


def call_slack(method: Any, **kwargs: Any) -> Any:
    """`method(**kwargs)`, a Slack API error raised as the SlackFailure it means."""
    try:
        return method(**kwargs)
    except SlackApiError as exc:
        raise classify_failure(exc) from exc
