"""The conversation signals (templates/signals.yml): what the customer's side of the channels
says, from the metadata bot/services/conversations.py stores. Their fact sources (two queries
over every open onboarding) and their rules, pure functions of one onboarding's facts.

Decisions, documented here once (thresholds are `after` in signals.yml, business time in the
onboarding's zone, ONBOARD_BUSINESS_HOURS and ONBOARD_HOLIDAYS: the hypercare SLA clock's
BusinessHours; `1d` is one open day, 8 business hours of 09:00-17:00):
- Customer waiting on us: the oldest customer message no one on our team has answered (in its
  thread, or at the channel's top level) has waited longer than `after` of business time (1d;
  Enterprise 4h). It clears when our team answers.
- Customer gone quiet: an onboarding with a customer channel whose customer has written nothing
  for more than `after` (5d) of business time, counted from their last message, or from the
  onboarding's creation before the first. It replaces `silence` for those onboardings.
- Slow customer replies: over the last REPLY_WINDOW, at least REPLIES_MIN customer replies to
  us whose median reply time (business time from our message to their answer) exceeds `after`
  (2d: the 48 hours of the working week). A low nudge: suggest a call.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from bot.calendar import BusinessHours
from bot.models import ConversationMessage
from bot.services.conversations import MessageKind, Side, customer_figures
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.facts import Facts
from bot.services.signals.kinds import SignalKind
from bot.services.signals.queries import ScanWindow

REPLY_WINDOW = timedelta(days=14)
REPLIES_MIN = 3  # a median of one or two replies says little
HOUR = timedelta(hours=1)

Add = Callable[..., None]  # the detector's `add(kind, subject, since, ..., **facts)`


def customer_conversations(w: ScanWindow) -> Select:
    """Per open onboarding with customer messages: the last, the oldest waiting, how many wait."""
    m = ConversationMessage
    return (
        select(m.onboarding_id, *customer_figures())
        .where(m.onboarding_id.in_(w.open_ids), m.side == Side.CUSTOMER.value)
        .group_by(m.onboarding_id)
        .order_by(m.onboarding_id)
    )


def customer_replies(w: ScanWindow) -> Select:
    """The customer's replies to us of the last REPLY_WINDOW (and a day of time-zone slack)."""
    m = ConversationMessage
    return (
        select(m.onboarding_id, m.answers_at, m.sent_at)
        .where(
            m.onboarding_id.in_(w.open_ids),
            m.side == Side.CUSTOMER.value,
            m.kind == MessageKind.REPLY.value,
            m.answers_at.is_not(None),
            m.sent_at >= w.now - REPLY_WINDOW - timedelta(days=1),
        )
        .order_by(m.onboarding_id, m.sent_at)
    )


def business_span(after: str, hours: BusinessHours) -> timedelta:
    """`4h` is four business hours, `2d` two open days (signals.yml's `after`)."""
    amount, unit = int(after[:-1]), after[-1]
    return amount * (hours.day_length if unit == "d" else HOUR)


def span_words(after: str, hours: BusinessHours) -> str:
    """`4 business hours`; `2 business days (16 business hours)`: the figures of the alert
    are business hours, so a target in days says how many."""
    amount, unit = int(after[:-1]), "business day" if after[-1] == "d" else "business hour"
    words = f"{amount} {unit}{'s' if amount != 1 else ''}"
    if after[-1] == "d":
        words += f" ({int(business_span(after, hours) / HOUR)} business hours)"
    return words


class ConversationRules:
    def __init__(
        self, facts: Facts, catalog: SignalCatalog, hours: BusinessHours, now: datetime
    ) -> None:
        self.facts, self.catalog, self.hours, self.now = facts, catalog, hours, now
        self.o = facts.onboarding

    def after(self, kind: SignalKind) -> str:
        return self.catalog.definition(kind, self.o.playbook).after or "1d"

    def run(self, add: Add) -> None:
        self.waiting(add)
        self.quiet(add)
        self.slow_replies(add)

    def waiting(self, add: Add) -> None:
        row = self.facts.conversation
        if row is None or row.waiting_since is None:
            return
        after = self.after(SignalKind.CUSTOMER_WAITING)
        target = business_span(after, self.hours)
        if self.now - row.waiting_since <= target:
            return  # business time never runs faster than the clock
        waited = self.hours.open_time(row.waiting_since, self.now)
        if waited > target:
            add(
                SignalKind.CUSTOMER_WAITING,
                "",
                row.waiting_since,
                asked_on=row.waiting_since.astimezone(self.hours.tz).date(),
                hours=int(waited / HOUR),
                target=span_words(after, self.hours),
                threads=row.waiting_threads,
            )

    def quiet(self, add: Add) -> None:
        if not self.o.customer_channel_id:
            return  # `silence` stands in (detection.py)
        last = self.facts.conversation.last_customer_at if self.facts.conversation else None
        since = max(filter(None, (last, self.o.created_at)))
        after = self.after(SignalKind.CUSTOMER_QUIET)
        target = business_span(after, self.hours)
        if self.now - since <= target:
            return
        quiet = self.hours.open_time(since, self.now)
        if quiet > target:
            add(
                SignalKind.CUSTOMER_QUIET,
                "",
                since,
                days=int(quiet / self.hours.day_length),
                last_message=last.astimezone(self.hours.tz).date() if last else None,
            )

    def slow_replies(self, add: Add) -> None:
        start = self.now - REPLY_WINDOW
        replies = [r for r in self.facts.customer_replies if r.sent_at >= start]
        if len(replies) < REPLIES_MIN:
            return
        after = self.after(SignalKind.SLOW_CUSTOMER_REPLIES)
        target = business_span(after, self.hours)
        clock: Any = statistics.median(r.sent_at - r.answers_at for r in replies)
        if clock <= target:
            return  # each business wait is at most its clock time, and so is their median
        waits = [self.hours.open_time(r.answers_at, r.sent_at) for r in replies]
        median: Any = statistics.median(waits)
        if median > target:
            add(
                SignalKind.SLOW_CUSTOMER_REPLIES,
                "",
                replies[0].sent_at,
                median_hours=int(median / HOUR),
                replies=len(replies),
                target=span_words(after, self.hours),
            )
