"""Slack's side of the conversation metadata: which message events count, and whether their
author is from outside the installing organisation (bot/services/conversations.py stores them).

Counted: messages people write (no subtype, a thread reply also sent to the channel, a file
shared with a message, /me). Not counted: bots (any `bot_id`), joins and leaves, topic changes,
edits (`message_changed`) and every other subtype. `message_deleted` forgets the message.
An odd payload (a field missing or of the wrong type) is ignored, never an error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.services.conversations import ChannelMessage
from bot.slack.client import UserDirectory, slack_error
from bot.slack.guard import is_internal_user

log = logging.getLogger(__name__)

COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
DELETED = "message_deleted"
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


@dataclass(frozen=True)
class MessageEvent:
    """A counted message event before its author is known to be ours or not."""

    channel_id: str
    ts: str
    thread_ts: str | None
    user_id: str
    teams: frozenset[str]  # the teams the payload attributes to the author (user_team, source_team)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ts(value: Any) -> str | None:
    return value if isinstance(value, str) and _TS.match(value) else None


def sent_at(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def deleted_message(event: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of a deleted message; None for any other event."""
    if event.get("subtype") != DELETED:
        return None
    channel, ts = _text(event.get("channel")), _ts(event.get("deleted_ts"))
    return (channel, ts) if channel and ts else None


def counted_message(event: dict[str, Any]) -> MessageEvent | None:
    """The message a person wrote, or None for anything that does not count."""
    if event.get("subtype") not in COUNTED_SUBTYPES or event.get("bot_id") or event.get("hidden"):
        return None
    channel, ts, user = _text(event.get("channel")), _ts(event.get("ts")), _text(event.get("user"))
    if not (channel and ts and user):
        return None
    thread_ts = _ts(event.get("thread_ts"))
    teams = {t for key in ("user_team", "source_team") if (t := _text(event.get(key)))}
    return MessageEvent(
        channel_id=channel,
        ts=ts,
        thread_ts=thread_ts if thread_ts != ts else None,
        user_id=user,
        teams=frozenset(teams),
    )


def _outside(event: MessageEvent, users: UserDirectory, own_team: tuple[str, str | None]) -> bool:
    """Another organisation's user (the payload names another team: no Slack call), or, by
    users.info (cached), a guest or a user Slack does not know. When Slack cannot say, the
    payload's team decides: ours."""
    team_id, enterprise_id = own_team
    if any(team != team_id for team in event.teams):
        return True
    try:
        user = users.user(event.user_id)
    except SlackApiError as exc:
        log.info("author of a message not known (%s): counted as ours", slack_error(exc))
        return False
    return not is_internal_user(user, team_id, enterprise_id, set(), None)


def channel_message(
    event: MessageEvent, users: UserDirectory, own_team: tuple[str, str | None]
) -> ChannelMessage:
    """The message with its author placed: may ask Slack, so no session may be open."""
    return ChannelMessage(
        channel_id=event.channel_id,
        ts=event.ts,
        thread_ts=event.thread_ts,
        user_id=event.user_id,
        sent_at=sent_at(event.ts),
        from_outside=_outside(event, users, own_team),
    )
