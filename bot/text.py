"""Plain-text helpers the domain needs (lengths, counts); no markup. Slack's mrkdwn escaping
lives in bot/slack/mrkdwn.py, applied when a message is rendered."""

from __future__ import annotations


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """At most `limit` characters, ending in `marker` when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(marker)] + marker


def count(n: int, noun: str, *, plural: str | None = None) -> str:
    """`1 onboarding`, `3 onboardings`, `0 onboardings`: the noun agrees with the number.

    `plural` is the plural form for a noun that does not just take an s:
    `count(2, "SLA breach", plural="SLA breaches")`.
    """
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun + 's' if plural is None else plural}"
