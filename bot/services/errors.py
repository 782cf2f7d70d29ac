"""Domain exceptions: the Slack layer turns them into a friendly reply.

A refusal names its wording instead of writing it: `template` is templates/messages/<name>.j2
and `facts` fill it; bot/slack/refusals.py renders it, escaping every value, so a service never
writes markup. The exception's own message is a plain summary for the log. Older refusals still
carry their finished message (no template).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that cannot be done as asked; its wording is shown to the user."""

    def __init__(self, message: str = "", *, template: str | None = None, **facts: Any) -> None:
        super().__init__(message or template or "")
        self.template = template
        self.facts = facts


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    pass
