"""Domain exceptions: the Slack layer turns them into a friendly reply."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be done as asked; the message is shown to the user."""


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    pass
