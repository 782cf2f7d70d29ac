"""Whether a channel is shared with another organisation, asked of Slack and cached.

The stall-alert job decides where each alert goes when it queues it; it only posts into a
customer channel that Slack said, within the last few minutes, is internal. Asking once per
channel that has something to say (not once per onboarding) and caching the answer keeps the
job cheap; any failure to ask counts as "cannot tell", which routes away from the customer
channel.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.services.alerts import NoPrivacyInfo
from bot.slack.client import channel_is_shared, is_direct_message, make_client, slack_error

log = logging.getLogger(__name__)
TTL_SECONDS = 600.0


class SlackChannelPrivacy:
    """conversations.info with a short cache (the answer, or None when Slack could not say)."""

    def __init__(self, client: WebClient, ttl_seconds: float = TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, bool | None]] = {}
        self._lock = threading.Lock()

    def shared(self, channel_id: str) -> bool | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(channel_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        answer = self._ask(channel_id)
        with self._lock:
            self._cache[channel_id] = (now, answer)
        return answer

    def _ask(self, channel_id: str) -> bool | None:
        if is_direct_message(channel_id):
            return False
        try:
            channel = self._client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            log.warning("conversations.info %s failed: %s", channel_id, slack_error(exc))
            return None
        except OSError as exc:  # network: unreachable, reset, timeout
            log.warning("conversations.info %s failed: %s", channel_id, exc)
            return None
        return channel_is_shared(channel)


_by_settings: dict[tuple[str, str], SlackChannelPrivacy] = {}
_lock = threading.Lock()


def privacy_for(
    settings: Settings, client: WebClient | None = None
) -> SlackChannelPrivacy | NoPrivacyInfo:
    """One cached privacy oracle per workspace token and API URL (or for `client`); without a
    bot token nothing can be asked, and every customer channel counts as shared."""
    if client is not None:
        return SlackChannelPrivacy(client)
    if not settings.slack_bot_token:
        return NoPrivacyInfo()
    key = (settings.slack_api_url, settings.slack_bot_token)
    with _lock:
        if key not in _by_settings:
            _by_settings[key] = SlackChannelPrivacy(make_client(settings))
        return _by_settings[key]


def forget_privacy() -> None:
    """Drop every cached answer (tests, and an operator who just changed a channel)."""
    with _lock:
        _by_settings.clear()
