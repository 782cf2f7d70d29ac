"""The customer's side of the conversation, as the status card and the Monday digest show it:
when they last wrote and since when they wait on us. Internal (a service measure of our team):
never on a card shared with the customer. Pure: no database, no Slack calls."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.status import StatusCard
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn


def slack_time(moment: datetime) -> Mrkdwn:
    """A moment Slack shows in each reader's own time zone ("Dec 4 at 10:12 AM")."""
    utc = moment.astimezone(UTC)
    fallback = f"{utc:%b} {utc.day} {utc:%H:%M} UTC"
    return Mrkdwn(f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>")


def conversation_section(card: StatusCard, *, internal: bool) -> list[bk.Block]:
    """`Last customer message Dec 4 at 10:12 · :hourglass: waiting on us since Dec 4 at 10:12
    (2 threads)`, for our team, when the onboarding has a channel."""
    summary = card.conversation
    if not internal or summary is None:
        return []
    if summary.last_customer_at is None:
        parts = ["No customer message in the onboarding's channels yet"]
    else:
        parts = [f"*Last customer message* {slack_time(summary.last_customer_at)}"]
    if summary.waiting_since is not None:
        threads = summary.waiting_threads
        many = f" ({threads} threads)" if threads > 1 else ""
        parts.append(f":hourglass: *waiting on us since* {slack_time(summary.waiting_since)}{many}")
    return [bk.context(Mrkdwn(" · ".join(parts)))]
