"""What a post kind's renderer is: stored data in, Slack message out.

A view module declares `RENDERERS = {kind: renderer(FactType, build)}`; bot/slack/renderers.py
gathers them. `build` takes the service's dataclass and returns a `Rendered`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.services.outbox import fact_of


@dataclass(frozen=True)
class Rendered:
    """A message as Slack takes it: fallback `text` (notifications, screen readers) and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


T = TypeVar("T")
Renderer = Callable[[Mapping[str, Any]], Rendered]


def renderer(fact_type: type[T], build: Callable[[T], Rendered]) -> Renderer:
    """A renderer that reads the stored data back into `fact_type` before building."""

    def render(data: Mapping[str, Any]) -> Rendered:
        return build(fact_of(fact_type, data))

    render.__name__ = f"render_{getattr(build, '__name__', 'post')}"
    return render
