"""Counting every Slack Web API response by method and error, for `GET /metrics`.

slack_sdk's WebClient asks its retry handlers, in order, about every answer when it has any: a
200 (with its parsed body, `ok` or an `error`), an HTTP error such as a 429, and a connection
failure. A handler first in the list that never asks for a retry therefore sees each try of
each call, and changes nothing. Bolt's per-request clients copy the app client's handlers, and
the outbox sender keeps this one when it drops the retrying ones (bot/slack/sender.py).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState

from bot.observability import OTHER, Metrics

_METHOD = re.compile(r"^[A-Za-z0-9_.]{1,64}$")
_ERROR = re.compile(r"^[a-z0-9_]{1,64}$")
OK = "none"
NETWORK = "network"


class ApiCallCounter(RetryHandler):
    """Counts each response in `metrics`; never retries."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self.metrics = metrics

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        self.metrics.api_call(method_of(request.url), error_of(response))
        return False


def method_of(url: str) -> str:
    method = urlsplit(url).path.rsplit("/", 1)[-1]
    return method if _METHOD.match(method) else OTHER


def error_of(response: HttpResponse | None) -> str:
    """`none` for an ok answer, else Slack's error code (`ratelimited` for a 429), `http_<n>`
    for another status without one, `network` when no answer came."""
    if response is None:
        return NETWORK
    body = response.body if response.body is not None else _parsed(response.data)
    if response.status_code == 200 and body.get("ok"):
        return OK
    error = body.get("error")
    if isinstance(error, str) and _ERROR.match(error):
        return error
    if response.status_code == 429:
        return "ratelimited"
    return f"http_{response.status_code}" if response.status_code != 200 else OTHER


def _parsed(data: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(data or b"")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def count_api_calls(client: WebClient, metrics: Metrics) -> WebClient:
    """Put an `ApiCallCounter` for `metrics` first in `client`'s handlers (replacing any other
    counter, so a client is never counted twice)."""
    kept = [h for h in client.retry_handlers if not isinstance(h, ApiCallCounter)]
    client.retry_handlers = [ApiCallCounter(metrics), *kept]
    return client


def counters_of(client: WebClient) -> list[RetryHandler]:
    """The client's counters alone: what a client without retries still carries."""
    return [h for h in client.retry_handlers if isinstance(h, ApiCallCounter)]
