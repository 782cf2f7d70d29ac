"""The renderer registry: a post kind to the function that turns its stored data into blocks
and text, called by the sender when it sends (bot/slack/sender.py).

Each feature's view module declares its `RENDERERS`; a kind has exactly one renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack import (
    alert_digest_views,
    alert_views,
    celebration_views,
    change_views,
    digest_views,
    escalation_views,
    feedback_views,
    gate_views,
    hypercare_views,
    journey_views,
    kickoff_views,
    launch_views,
    leaders_digest_views,
    plan_views,
    replan_views,
    review_views,
    transition_views,
    weekly_report_views,
)
from bot.slack.rendering import NO_LINKS, Links, Rendered, Renderer

_FEATURES = (
    alert_digest_views,
    alert_views,
    celebration_views,
    change_views,
    digest_views,
    escalation_views,
    feedback_views,
    gate_views,
    hypercare_views,
    journey_views,
    kickoff_views,
    launch_views,
    leaders_digest_views,
    plan_views,
    replan_views,
    review_views,
    transition_views,
    weekly_report_views,
)


class UnknownKind(LookupError):
    """A stored post whose kind no renderer claims (a newer version queued it, or a typo)."""


def _gather() -> dict[str, Renderer]:
    registry: dict[str, Renderer] = {}
    for module in _FEATURES:
        for kind, render in getattr(module, "RENDERERS", {}).items():
            if kind in registry:
                raise ValueError(f"two renderers for post kind {kind!r}")
            registry[kind] = render
    return registry


REGISTRY: dict[str, Renderer] = _gather()


def render_post(kind: str, payload: Mapping[str, Any], links: Links = NO_LINKS) -> Rendered:
    """The message a stored payload makes: rendered from its data (with `links` to Slack
    messages when its kind has any), or, for a row queued before rendering moved to send
    time, the text and blocks it carries."""
    if "data" not in payload:
        return Rendered(str(payload.get("text") or ""), list(payload.get("blocks") or []))
    render = REGISTRY.get(kind)
    if render is None:
        raise UnknownKind(kind)
    return render(payload["data"], links)
