"""The customer a command names: found, or a question back with a button per candidate
(bot/slack/picker.py), and the one registration of those buttons' clicks (`on_pick`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.lookup import CustomerIndex, Lookup
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import button_model, click
from bot.slack.mrkdwn import Mrkdwn
from bot.slack.picker import PickValue, build_pick_blocks, pick_action_pattern


def customer_of(request: CommandRequest, pick_action_id: str) -> int | None:
    """The onboarding id `/onboard <name> <customer>` names, or None once the user was asked:
    usage when no customer is named, "which one?" when several match, the closest names when
    none does. The buttons carry `pick_action_id` and the onboarding id (`PickValue`)."""
    words = request.args.split()
    if not words:
        usage = Mrkdwn(f"Usage: `/onboard {request.name} <customer>`")
        request.respond(text=usage, response_type="ephemeral")
        return None
    with request.deps.db.session() as session:
        lookup, _ = CustomerIndex.load(session).find_with_rest(words, need_rest=False)
    if lookup.one is not None:
        return lookup.one.onboarding_id
    blocks = build_pick_blocks(
        lookup.query,
        lookup.matches or lookup.closest,
        request.name,
        "",
        found=bool(lookup.matches),
        action_id=pick_action_id,
    )
    request.respond(text="Which customer?", blocks=blocks, response_type="ephemeral")
    return None


def ask_which(
    say: Callable[[str, list[Any]], None], lookup: Lookup, sub: str, rest: str, action_id: str
) -> None:
    """Ask which customer `lookup.query` meant: a button per match (per closest name when none
    matched), each running `sub` with `rest` on its customer."""
    say(
        f"Which customer did you mean by {lookup.query}?",
        build_pick_blocks(
            lookup.query,
            lookup.matches or lookup.closest,
            sub,
            rest,
            found=bool(lookup.matches),
            action_id=action_id,
        ),
    )


@dataclass(frozen=True)
class CustomerPick:
    """A click on a picker button, acked and read: the customer chosen, the subcommand to run
    on it, and the Bolt arguments the feature answers with."""

    value: PickValue
    body: dict[str, Any]
    client: WebClient
    context: BoltContext
    respond: Respond

    @property
    def onboarding_id(self) -> int:
        return self.value.onboarding_id

    @property
    def sub(self) -> str:
        return self.value.sub

    @property
    def rest(self) -> str:
        return self.value.rest

    @property
    def deps(self) -> Deps:
        return deps_of(self.context)

    @property
    def user_id(self) -> str:
        return str(self.body["user"]["id"])

    @property
    def channel_id(self) -> str | None:
        return (self.body.get("channel") or {}).get("id")

    @property
    def trigger_id(self) -> str:
        return str(self.body["trigger_id"])


def on_pick(app: App, action_id: str, handler: Callable[[CustomerPick], None]) -> None:
    """Route the clicks on the picker buttons made with `action_id` to `handler`."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        respond: Respond,
    ) -> None:
        ack()
        handler(CustomerPick(button_model(action, PickValue), body, client, context, respond))

    listener.__name__ = listener.__qualname__ = handler.__name__
    listener.__doc__ = handler.__doc__
    app.action(pick_action_pattern(action_id))(click(listener))
