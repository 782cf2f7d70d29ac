"""Slack's side of the conversation timeline: which reactions count, and the pinned message."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.timeline import PIN_REACTION, PinnedMessage, PinReaction
from bot.slack.client import slack_error

log = logging.getLogger(__name__)
# The message is gone or out of our reach: nothing to pin, and nothing to tell anyone.
UNREACHABLE = {"channel_not_found", "not_in_channel", "message_not_found", "thread_not_found"}


def pin_reaction(event: dict[str, Any]) -> PinReaction | None:
    """A `reaction_added` / `reaction_removed` event when it is a :pushpin: on a message."""
    item = event.get("item") or {}
    if event.get("reaction") != PIN_REACTION or item.get("type") != "message":
        return None
    if not (item.get("channel") and item.get("ts") and event.get("user")):
        return None
    return PinReaction(channel_id=item["channel"], ts=item["ts"], user_id=event["user"])


def _top_level(client: WebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    history = client.conversations_history(channel=channel_id, latest=ts, inclusive=True, limit=1)
    return next((m for m in history["messages"] if m.get("ts") == ts), None)


def _thread_reply(client: WebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    """conversations.history skips thread replies; conversations.replies finds them by ts."""
    thread = client.conversations_replies(
        channel=channel_id, ts=ts, oldest=ts, latest=ts, inclusive=True, limit=10
    )
    return next((m for m in thread["messages"] if m.get("ts") == ts), None)


def _author(message: dict[str, Any]) -> str:
    return message.get("user") or message.get("bot_id") or ""


def fetch_pinned_message(client: WebClient, reaction: PinReaction) -> PinnedMessage | None:
    """The message's text, author and permalink; None (logged) when Slack cannot show it."""
    channel_id, ts = reaction.channel_id, reaction.ts
    try:
        message = _top_level(client, channel_id, ts) or _thread_reply(client, channel_id, ts)
        if message is None:
            log.info("pinned message %s in %s not found", ts, channel_id)
            return None
        permalink = client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
    except SlackApiError as exc:
        if slack_error(exc) not in UNREACHABLE:
            raise
        log.info("cannot read pinned message %s in %s: %s", ts, channel_id, slack_error(exc))
        return None
    return PinnedMessage(
        channel_id=channel_id,
        ts=ts,
        text=message.get("text") or "",
        author_user_id=_author(message),
        permalink=permalink,
    )
