"""The conversation in an onboarding's channels, as metadata: who spoke (the customer or our
team), when, in which thread, and whether it answered the other side. Never a message's text.

Definitions (the Slack side, bot/slack/conversations.py, decides which events count and whether
the author is from outside the installing organisation):

- Side: the customer when the author is from outside (a user of another organisation in a
  shared channel, or a guest) or is one of the onboarding's stakeholders; else our team.
- A conversation is a thread, or a channel's top level. A message answers the other side's
  messages that wait on an answer and came before it: in its own thread, or, at the channel's
  top level, anywhere in the channel ("replied in that thread or channel"). It is then a reply
  (`answers_at`: when the earliest of them was sent); otherwise a question. The answered ones
  get `answered_at`. Every customer message waits on us; of ours only questions wait on the
  customer (the customer's next question after our answer is not a slow reply to it).
- Slack may deliver events late or twice: a message is stored once per (channel, ts), and a
  message that arrives after its answer is marked answered at once.
- Deleted messages are forgotten (their row goes; what they had answered stays answered).
- Kept small: when the customer speaks, that onboarding's answered messages older than
  KEEP_ANSWERED are deleted (the signals need the last customer message, which is the new one,
  messages still waiting, and the replies of the last two weeks).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, distinct, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from bot.db import insert_unless_exists
from bot.models import ConversationMessage, Stakeholder, UTCDateTime
from bot.services.message_log import linked_onboarding

KEEP_ANSWERED = timedelta(days=21)


class Side(enum.StrEnum):
    CUSTOMER = "customer"
    TEAM = "team"

    @property
    def other(self) -> Side:
        return Side.TEAM if self is Side.CUSTOMER else Side.CUSTOMER


class MessageKind(enum.StrEnum):
    QUESTION = "question"
    REPLY = "reply"


@dataclass(frozen=True)
class ChannelMessage:
    """A counted message event, as the Slack side read it."""

    channel_id: str
    ts: str
    thread_ts: str | None  # the thread it is in; None at the channel's top level
    user_id: str
    sent_at: datetime
    from_outside: bool  # another organisation's user, or a guest


@dataclass(frozen=True)
class Recorded:
    onboarding_id: int
    side: Side
    kind: MessageKind


@dataclass(frozen=True)
class ConversationSummary:
    """What the status card shows: the customer's last message and since when they wait."""

    last_customer_at: datetime | None = None
    waiting_since: datetime | None = None
    waiting_threads: int = 0


@dataclass(frozen=True)
class WaitingThread:
    """A conversation where the customer waits on us, from its first unanswered message."""

    channel_id: str
    ts: str
    since: datetime


def linked_channel(session: Session, channel_id: str) -> int | None:
    """The open onboarding whose customer or internal channel `channel_id` is (None: none, or
    several, as the message shortcut decides)."""
    linked = linked_onboarding(session, channel_id)
    return linked.onboarding_id if linked else None


def _side(session: Session, onboarding_id: int, message: ChannelMessage) -> Side:
    if message.from_outside:
        return Side.CUSTOMER
    stakeholder = session.scalar(
        select(Stakeholder.id).where(
            Stakeholder.onboarding_id == onboarding_id,
            Stakeholder.slack_user_id == message.user_id,
        )
    )
    return Side.CUSTOMER if stakeholder is not None else Side.TEAM


def _in_reach(message: ChannelMessage) -> ColumnElement[bool]:
    """The messages `message` answers or is answered by: its thread (root included) when it
    is in one; the whole channel when it is at the top level."""
    m = ConversationMessage
    if message.thread_ts is None:
        return m.channel_id == message.channel_id
    return and_(
        m.channel_id == message.channel_id,
        or_(m.thread_ts == message.thread_ts, m.ts == message.thread_ts),
    )


def _answers_reach(message: ChannelMessage) -> ColumnElement[bool]:
    """The later messages that answer `message`: at the top level, or in its thread (its own
    when it is a thread's root)."""
    m = ConversationMessage
    thread = message.thread_ts or message.ts
    return and_(
        m.channel_id == message.channel_id, or_(m.thread_ts.is_(None), m.thread_ts == thread)
    )


def _awaiting(side: Side) -> ColumnElement[bool]:
    """The other side's messages that wait on an answer from `side`: every customer message
    waits on us; of ours, only questions wait on the customer (an answer expects none)."""
    m = ConversationMessage
    if side is Side.TEAM:
        return m.side == Side.CUSTOMER.value
    return and_(m.side == Side.TEAM.value, m.kind == MessageKind.QUESTION.value)


def _first(session: Session, where: ColumnElement[bool]) -> datetime | None:
    m = ConversationMessage
    return session.scalar(select(type_coerce(func.min(m.sent_at), UTCDateTime())).where(where))


def record_message(session: Session, message: ChannelMessage) -> Recorded | None:
    """Store `message` for the onboarding of its channel; None when the channel is no open
    onboarding's, or the message was stored already (Slack retrying)."""
    onboarding_id = linked_channel(session, message.channel_id)
    if onboarding_id is None:
        return None
    side = _side(session, onboarding_id, message)
    m = ConversationMessage
    earlier = and_(
        _in_reach(message),
        _awaiting(side),
        m.answered_at.is_(None),
        m.sent_at <= message.sent_at,
    )
    answers_at = _first(session, earlier)
    kind = MessageKind.REPLY if answers_at is not None else MessageKind.QUESTION
    awaits = side is Side.CUSTOMER or kind is MessageKind.QUESTION
    later = and_(_answers_reach(message), m.side == side.other, m.sent_at > message.sent_at)
    stored = insert_unless_exists(
        session,
        ConversationMessage,
        {
            "onboarding_id": onboarding_id,
            "channel_id": message.channel_id,
            "ts": message.ts,
            "thread_ts": message.thread_ts,
            "sent_at": message.sent_at,
            "side": side.value,
            "kind": kind.value,
            "answers_at": answers_at,
            # Delivered after its answer (Slack's order is not guaranteed): answered already.
            "answered_at": _first(session, later) if awaits else None,
        },
    )
    if stored is None:
        return None
    if answers_at is not None:
        session.execute(update(m).where(earlier).values(answered_at=message.sent_at))
    if side is Side.CUSTOMER:
        _prune(session, onboarding_id, message.sent_at - KEEP_ANSWERED)
    return Recorded(onboarding_id, side, kind)


def _prune(session: Session, onboarding_id: int, before: datetime) -> None:
    m = ConversationMessage
    session.execute(
        delete(m).where(
            m.onboarding_id == onboarding_id, m.answered_at.is_not(None), m.sent_at < before
        )
    )


def forget_message(session: Session, channel_id: str, ts: str) -> bool:
    """A deleted message is forgotten; False when it was never stored."""
    m = ConversationMessage
    gone = session.execute(delete(m).where(m.channel_id == channel_id, m.ts == ts))
    return bool(gone.rowcount)


def customer_figures() -> tuple[ColumnElement[Any], ...]:
    """Over an onboarding's customer messages: the last one, the oldest still waiting on us and
    how many conversations wait (the status card's and the scan's columns)."""
    m = ConversationMessage
    waiting = m.answered_at.is_(None)
    return (
        type_coerce(func.max(m.sent_at), UTCDateTime()),
        type_coerce(func.min(m.sent_at).filter(waiting), UTCDateTime()),
        func.count(distinct(func.coalesce(m.thread_ts, m.ts))).filter(waiting),
    )


def conversation_summary(session: Session, onboarding_id: int) -> ConversationSummary:
    """The customer's last message and the oldest one still waiting on us (one query)."""
    m = ConversationMessage
    row = session.execute(
        select(*customer_figures()).where(
            m.onboarding_id == onboarding_id, m.side == Side.CUSTOMER.value
        )
    ).one()
    return ConversationSummary(row[0], row[1], row[2] or 0)


def waiting_threads(
    session: Session, onboarding_ids: Iterable[int]
) -> dict[int, list[WaitingThread]]:
    """Per onboarding, the conversations where the customer waits on us, oldest first (one
    query): the first unanswered customer message of each thread or top level."""
    ids = list(onboarding_ids)
    if not ids:
        return {}
    m = ConversationMessage
    rows = session.execute(
        select(m.onboarding_id, m.channel_id, m.ts, m.thread_ts, m.sent_at)
        .where(m.onboarding_id.in_(ids), m.side == Side.CUSTOMER.value, m.answered_at.is_(None))
        .order_by(m.onboarding_id, m.sent_at, m.id)
    )
    seen: set[tuple[str, str]] = set()
    out: dict[int, list[WaitingThread]] = {}
    for onboarding_id, channel_id, ts, thread_ts, sent_at in rows:
        conversation = (channel_id, thread_ts or ts)
        if conversation in seen:
            continue
        seen.add(conversation)
        out.setdefault(onboarding_id, []).append(WaitingThread(channel_id, ts, sent_at))
    return out
