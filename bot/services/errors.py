"""Domain exceptions: the Slack layer turns them into a friendly reply."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A request that cannot be done as asked; the message is shown to the user.

    A refusal that names user data (a company, a title) sets `template` and passes those facts
    as keywords: the Slack layer shows templates/messages/<template>.j2 rendered with them
    (escaped there, see bot/slack/refusals.py), and the message is a plain fallback without
    user data."""

    template: ClassVar[str] = ""

    def __init__(self, message: str = "", **facts: Any) -> None:
        super().__init__(message)
        self.facts = facts


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    pass
