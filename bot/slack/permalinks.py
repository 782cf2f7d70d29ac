"""Links to Slack messages for a post being sent (bot/slack/rendering.py `Links`): asked of
chat.getPermalink once per message and post. A message Slack cannot link (deleted, a channel
Onboard left, a rate limit) is shown without its link rather than holding the post back."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import slack_error

log = logging.getLogger(__name__)


class Permalinks:
    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._known: dict[tuple[str, str], str | None] = {}

    def permalink(self, channel_id: str, ts: str) -> str | None:
        key = (channel_id, ts)
        if key not in self._known:
            self._known[key] = self._ask(channel_id, ts)
        return self._known[key]

    def _ask(self, channel_id: str, ts: str) -> str | None:
        try:
            link = self._client.chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            log.info("no permalink for %s in %s: %s", ts, channel_id, slack_error(exc))
            return None
        permalink = link.get("permalink")
        return permalink if isinstance(permalink, str) else None
