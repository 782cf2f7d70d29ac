"""A domain error as the user reads it: its template rendered with its facts, else its message."""

from __future__ import annotations

from bot.services.errors import DomainError
from bot.slack.mrkdwn import render


def refusal_text(error: DomainError) -> str:
    """The reply to a refused request (mrkdwn; user values escaped by the template)."""
    if error.template:
        return render(error.template, **error.facts)
    return str(error)
