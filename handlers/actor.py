"""Who asked, where, and how to answer them: what the status and hypercare commands and their
buttons share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.services.follow_ups import after_change
from bot.services.permissions import Admins
from bot.slack import blocks as bk
from bot.slack.deps import Deps, deps_of
from handlers.home import publish_home


@dataclass
class Actor:
    """Who asked, where, and how to answer them."""

    deps: Deps
    client: WebClient
    context: BoltContext
    respond: Respond
    user_id: str
    channel_id: str
    trigger_id: str = ""  # a command or a click: `done` on the kickoff opens a modal with it

    @property
    def admins(self) -> Admins:
        return self.deps.admins

    def say(self, text: str, blocks: list[bk.Block] | None = None, **kwargs: Any) -> None:
        self.respond(
            text=bk.fallback_text(text),
            blocks=blocks or [bk.section(text)],
            response_type="ephemeral",
            **kwargs,
        )

    def follow_up(
        self, session: Session, onboarding_id: int, completed_milestone_id: int | None = None
    ) -> None:
        """In the change's transaction: queue its plan refresh, celebration and feedback."""
        after_change(session, self.deps, onboarding_id, completed_milestone_id)

    def changed(self) -> None:
        """After the commit and the reply: wake the sender for the follow-ups and redraw the
        actor's App Home."""
        self.deps.outbox.kick()
        publish_home(self.client, self.context, self.user_id)


def actor_of(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> Actor:
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id", "")
    user = (body.get("user") or {}).get("id") or body.get("user_id", "")
    return Actor(
        deps_of(context), client, context, respond, user, channel, body.get("trigger_id") or ""
    )
