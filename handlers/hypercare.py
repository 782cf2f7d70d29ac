"""`/onboard golive|issue|respond|resolve` and the hypercare buttons (Responded, Resolved,
End hypercare). Thin: parse, find the customer, call one service, reply ephemerally. `golive`
opens the readiness gate (handlers/gate.py), which goes live when it passes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.hypercare import (
    IssueChange,
    end_hypercare_by_id,
    open_issue_by_id,
    resolve_issue_by_id,
    respond_to_issue_by_id,
)
from bot.services.lookup import CustomerIndex
from bot.slack.commands import CommandRequest
from bot.slack.forms import button_id, button_model, click
from bot.slack.hypercare_views import (
    USAGE,
    IssueRef,
    build_issue_blocks,
    ended_text,
    resolved_text,
    responded_blocks,
    split_issue_words,
    split_number,
)
from bot.slack.ids import HypercareId
from bot.slack.mrkdwn import Mrkdwn
from handlers.actor import Actor, actor_of
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, ask_which, on_pick
from handlers.gate import open_gate_modal

SUBCOMMANDS = ("golive", "issue", "respond", "resolve")


def _parse(sub: str, words: list[str]) -> tuple[list[str], str] | None:
    """The customer's words and what the service needs after them; None: show the usage."""
    if sub == "golive":
        return (words, "") if words else None
    if sub == "issue":
        customer, severity, title = split_issue_words(words)
        return (customer, f"{severity} {title}") if severity else None
    customer, number = split_number(words)
    return (customer, str(number)) if number is not None else None


def handle_hypercare_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    parsed = _parse(request.name, request.args.split())
    if parsed is None:
        actor.say(Mrkdwn(f"Usage: {USAGE[request.name]}"))
        return
    customer_words, rest = parsed
    with actor.deps.db.session() as session:
        lookup = CustomerIndex.load(session).find(" ".join(customer_words))
    if lookup.one is None:
        ask_which(actor.say, lookup, request.name, rest, HypercareId.PICK_CUSTOMER)
        return
    if request.name == "golive":
        _gate(actor, request.trigger_id, lookup.one.onboarding_id)
        return
    _run(actor, request.name, lookup.one.onboarding_id, rest)


def _gate(actor: Actor, trigger_id: str, onboarding_id: int) -> None:
    """Go-live passes the readiness gate first: open its modal."""
    open_gate_modal(
        actor.deps, actor.client, trigger_id, actor.user_id, onboarding_id, actor.channel_id
    )


def _change(actor: Actor, sub: str, onboarding_id: int, rest: str, now: datetime) -> IssueChange:
    """Open, answer or resolve an issue, in one transaction."""
    deps = actor.deps
    common: dict[str, Any] = {"admins": actor.admins, "now": now, "settings": deps.settings}
    with deps.db.transaction() as session:
        if sub == "issue":
            severity, _, title = rest.partition(" ")
            return open_issue_by_id(
                session, onboarding_id, severity, title, actor.user_id, **common
            )
        change = respond_to_issue_by_id if sub == "respond" else resolve_issue_by_id
        return change(session, onboarding_id, int(rest), actor.user_id, **common)


def _run(actor: Actor, sub: str, onboarding_id: int, rest: str, **reply: Any) -> None:
    now = actor.deps.now()
    change = _change(actor, sub, onboarding_id, rest, now)
    if sub == "issue":
        actor.say(f"Issue #{change.number} opened", build_issue_blocks(change, now), **reply)
    elif sub == "respond":
        actor.say(f"Issue #{change.number}: responded", responded_blocks(change, now), **reply)
    else:
        actor.say(resolved_text(change, now), **reply)


def handle_hypercare_pick_click(pick: CustomerPick) -> None:
    actor = actor_of(pick.body, pick.client, pick.context, pick.respond)
    if pick.sub == "golive":
        _gate(actor, pick.trigger_id, pick.onboarding_id)
    elif pick.sub in SUBCOMMANDS:
        _run(actor, pick.sub, pick.onboarding_id, pick.rest, replace_original=True)


def handle_hypercare_responded_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    ref = button_model(action, IssueRef)
    actor = actor_of(body, client, context, respond)
    _run(actor, "respond", ref.onboarding_id, str(ref.number), replace_original=True)


def handle_hypercare_resolve_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    ref = button_model(action, IssueRef)
    actor = actor_of(body, client, context, respond)
    _run(actor, "resolve", ref.onboarding_id, str(ref.number), replace_original=True)


def handle_hypercare_end_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    """ "End hypercare" on the daily sync: the exit check is run again at the click."""
    ack()
    actor = actor_of(body, client, context, respond)
    with actor.deps.db.transaction() as session:
        result = end_hypercare_by_id(
            session,
            button_id(action),
            actor.user_id,
            admins=actor.admins,
            now=actor.deps.now(),
            settings=actor.deps.settings,
        )
        actor.follow_up(session, button_id(action))
    actor.say(ended_text(result), replace_original=False)
    actor.changed()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(SUBCOMMANDS, handle_hypercare_command)
    on_pick(app, HypercareId.PICK_CUSTOMER, handle_hypercare_pick_click)
    app.action(HypercareId.RESPONDED)(click(handle_hypercare_responded_click))
    app.action(HypercareId.RESOLVE)(click(handle_hypercare_resolve_click))
    app.action(HypercareId.END)(click(handle_hypercare_end_click))
