"""The Slack Web API client and the few calls whose errors we turn into decisions."""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

log = logging.getLogger(__name__)
CHANNEL_NAME_MAX = 80


# Calls that create something: when the answer to one is lost (a 5xx, a connection reset after
# the request went out) Slack may have done it, and sending it again makes a second one. These
# are not retried blindly; the outbox sender (bot/slack/sender.py) reads the channel back instead.
NOT_RESENT = frozenset({"chat.postMessage", "chat.scheduleMessage", "conversations.create"})


# What Slack answers once the app is uninstalled or its bot token revoked: not a problem of one
# call but of every call, so Onboard suspends its own calls (bot/slack/access.py) instead.
ACCESS_LOST_ERRORS = frozenset(
    {"token_revoked", "invalid_auth", "account_inactive", "token_expired"}
)


def _creates(request: HttpRequest) -> bool:
    return urlsplit(request.url).path.rsplit("/", 1)[-1] in NOT_RESENT


class _ConnectionErrorRetry(ConnectionErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _creates(request) and super()._can_retry(request=request, **kwargs)


class _ServerErrorRetry(ServerErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _creates(request) and super()._can_retry(request=request, **kwargs)


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A client for `SLACK_API_URL` that waits out 429s and retries 5xx and broken connections,
    except for calls that create something (`NOT_RESENT`): those could be done twice."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            _ConnectionErrorRetry(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            _ServerErrorRetry(max_retry_count=2),
        ],
    )


T = TypeVar("T")


class PerWorkspace(Generic[T]):
    """One `T` per workspace (bot token and API URL), made from its client on first use and
    shared by every caller in the process: what the scheduled jobs remember between runs."""

    def __init__(self, make: Callable[[WebClient], T]) -> None:
        self._make = make
        self._by_workspace: dict[tuple[str, str], T] = {}
        self._lock = threading.Lock()

    def get(self, client: WebClient) -> T:
        key = (client.base_url, client.token or "")
        with self._lock:
            if key not in self._by_workspace:
                self._by_workspace[key] = self._make(client)
            return self._by_workspace[key]

    def clear(self) -> None:
        """Forget every workspace's (tests; each `T` expires its own answers anyway)."""
        with self._lock:
            self._by_workspace.clear()


def slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or exc.response.status_code)


def is_direct_message(channel_id: str) -> bool:
    """A DM between the app and one user (ids start with D): only that user reads it, so it is
    never shared with another organisation, and no conversations.info (im:read) is needed."""
    return channel_id[:1] == "D"


def is_shared_externally(client: WebClient, channel_id: str) -> bool:
    """True when another organisation may read the channel. When we cannot tell, assume it may."""
    if is_direct_message(channel_id):
        return False
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        if slack_error(exc) in ACCESS_LOST_ERRORS:
            raise  # not "cannot tell": nothing can be asked or posted at all
        log.warning("conversations.info failed for %s: %s", channel_id, slack_error(exc))
        return True
    return channel_is_shared(channel)


def channel_is_shared(channel: dict[str, Any]) -> bool:
    """Whether a conversations.info `channel` may be read by another organisation."""
    if channel.get("is_im"):
        return False
    return bool(
        channel.get("is_ext_shared")
        or channel.get("is_pending_ext_shared")
        or (channel.get("is_org_shared") and channel.get("is_ext_shared") is None)
    )


def post_in_channel(client: WebClient, channel_id: str, **message: Any) -> dict[str, Any]:
    """chat.postMessage, joining a public channel first when the bot is not in it yet."""
    try:
        return client.chat_postMessage(channel=channel_id, **message).data  # type: ignore[return-value]
    except SlackApiError as exc:
        if slack_error(exc) != "not_in_channel":
            raise
    client.conversations_join(channel=channel_id)
    return client.chat_postMessage(channel=channel_id, **message).data  # type: ignore[return-value]


def channel_slug(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens: what Slack accepts in a channel name."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9_-]+", "-", folded)).strip("-_")


def internal_channel_name(template: str, company: str, attempt: int = 1) -> str:
    """`onb-acme-manufacturing`, then `onb-acme-manufacturing-2`…, never over 80 characters."""
    suffix = "" if attempt == 1 else f"-{attempt}"
    prefix, _, rest = template.partition("{company}")
    head, tail = channel_slug(prefix), channel_slug(rest)
    fixed = len(head) + len(tail) + bool(head) + bool(tail) + len(suffix)
    slug = channel_slug(company)[: CHANNEL_NAME_MAX - fixed].strip("-_") or "customer"
    return "-".join(part for part in (head, slug, tail) if part) + suffix


def create_private_channel(
    client: WebClient, template: str, company: str, max_attempts: int = 20
) -> str:
    """Create the internal channel, stepping past names already taken; returns its id."""
    for attempt in range(1, max_attempts + 1):
        name = internal_channel_name(template, company, attempt)
        try:
            return client.conversations_create(name=name, is_private=True)["channel"]["id"]
        except SlackApiError as exc:
            if slack_error(exc) != "name_taken":
                raise
    raise RuntimeError(f"no free channel name for {company!r} after {max_attempts} attempts")


class Unknown(enum.Enum):
    """What Slack has not told us in time."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN


class UserDirectory:
    """users.info with a short cache: who is a guest, who belongs to another organisation."""

    def __init__(self, client: WebClient, ttl_seconds: float = 300) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()
        self._asking: dict[str, Future[dict[str, Any] | None]] = {}
        self._askers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="onboard-users")

    def user(self, user_id: str) -> dict[str, Any] | None:
        cached = self._cached(user_id)
        if cached is not None:
            return cached[1]
        now = time.monotonic()
        try:
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if slack_error(exc) not in ("user_not_found", "user_not_visible"):
                raise
            user = None
        with self._lock:
            self._cache[user_id] = (now, user)
        return user

    def user_within(self, user_id: str, seconds: float) -> dict[str, Any] | Unknown | None:
        """The user if Slack can say within `seconds` (None: no such user), else UNKNOWN.

        The question goes on in the background (one per user however many requests ask), so
        an answer that comes late is cached for the user's next request: a request thread
        never waits on Slack longer than `seconds`, whatever Slack's latency or rate limits."""
        cached = self._cached(user_id)
        if cached is not None:
            return cached[1]
        with self._lock:
            asking = self._asking.get(user_id)
            if asking is None:
                asking = self._askers.submit(self._ask, user_id)
                self._asking[user_id] = asking
        try:
            return asking.result(timeout=seconds)
        except (FutureTimeout, SlackApiError):
            return UNKNOWN

    def _ask(self, user_id: str) -> dict[str, Any] | None:
        try:
            return self.user(user_id)
        finally:
            with self._lock:
                self._asking.pop(user_id, None)

    def close(self) -> None:
        """Wait for the questions still on their way to Slack (at shutdown)."""
        self._askers.shutdown(wait=True)

    def _cached(self, user_id: str) -> tuple[float, dict[str, Any] | None] | None:
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached
        return None

    def display_name(self, user_id: str) -> str:
        try:
            user = self.user(user_id)
        except SlackApiError:
            user = None
        if not user:
            return user_id
        profile = user.get("profile") or {}
        return profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
