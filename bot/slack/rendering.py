"""What a post kind's renderer is: stored data in, Slack message out.

A view module declares `RENDERERS = {kind: renderer(FactType, build)}`; bot/slack/renderers.py
gathers them. `build` takes the service's dataclass and returns a `Rendered`. A post that links
to Slack messages uses `linked_renderer`: its `build` is also given `Links`, which the sender
answers with chat.getPermalink at send time (bot/slack/permalinks.py); elsewhere (the demo's
terminal, a preview) there are no links and the post reads without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bot.services.outbox import fact_of


@dataclass(frozen=True)
class Rendered:
    """A message as Slack takes it: fallback `text` (notifications, screen readers) and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


class Links(Protocol):
    def permalink(self, channel_id: str, ts: str) -> str | None:
        """A link to the message `ts` of `channel_id`; None when there is none to give."""
        ...


class NoLinks:
    def permalink(self, channel_id: str, ts: str) -> str | None:
        return None


NO_LINKS = NoLinks()
T = TypeVar("T")
Renderer = Callable[[Mapping[str, Any], Links], Rendered]


def renderer(fact_type: type[T], build: Callable[[T], Rendered]) -> Renderer:
    """A renderer that reads the stored data back into `fact_type` before building."""

    def render(data: Mapping[str, Any], links: Links = NO_LINKS) -> Rendered:
        return build(fact_of(fact_type, data))

    render.__name__ = f"render_{getattr(build, '__name__', 'post')}"
    return render


def linked_renderer(fact_type: type[T], build: Callable[[T, Links], Rendered]) -> Renderer:
    """A renderer whose `build` also links to Slack messages."""

    def render(data: Mapping[str, Any], links: Links = NO_LINKS) -> Rendered:
        return build(fact_of(fact_type, data), links)

    render.__name__ = f"render_{getattr(build, '__name__', 'post')}"
    return render
