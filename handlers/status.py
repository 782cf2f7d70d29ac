"""`/onboard status|list|done` and the buttons on their replies (`block|unblock|channel` and the
blocker buttons are in handlers/blockers.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services.health import health_rules
from bot.services.lookup import CustomerIndex
from bot.services.milestones import (
    MilestoneChange,
    complete_milestone_by_id,
    complete_named_milestone,
    reopen_milestone,
)
from bot.services.onboarding_list import ListScope, list_onboardings
from bot.services.status import StatusCard, load_status
from bot.slack import blocks as bk
from bot.slack.client import is_shared_externally, post_in_channel, slack_error
from bot.slack.commands import CommandRequest
from bot.slack.forms import button_id, button_model, click, selected_id
from bot.slack.ids import StatusId
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.status_replies import (
    LIST_PAGE_SIZE,
    ListPage,
    build_list_blocks,
    split_trailing,
    usage_text,
)
from bot.slack.status_views import build_done_blocks, build_reopened_blocks, build_status_blocks
from handlers.actor import Actor, actor_of
from handlers.blockers import block, link_channel, register_blocker_buttons, unblock
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, ask_which, on_pick
from handlers.kickoff_modal import open_kickoff_modal

CUSTOMER_SUBCOMMANDS = ("status", "done", "block", "unblock", "channel")
NEEDS_REST = ("done", "block")


def handle_status_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    sub, words = request.name, request.args.split()
    customer_words, tail = split_trailing(sub, words)
    if not customer_words:
        actor.say(usage_text(sub))
        return
    with actor.deps.db.session() as session:
        lookup, rest = CustomerIndex.load(session).find_with_rest(
            customer_words, need_rest=sub in NEEDS_REST
        )
    rest = " ".join(part for part in (rest, tail) if part)
    if lookup.one is None:
        ask_which(actor.say, lookup, sub, rest, StatusId.PICK_CUSTOMER)
        return
    _run(actor, sub, lookup.one.onboarding_id, rest)


def status_by_name(request: CommandRequest) -> bool:
    """`/onboard acme`: the status card when the whole text names one open customer (exact,
    prefix, substring or abbreviation; typos get the help and its suggestion instead)."""
    query = " ".join(str(request.body.get("text") or "").split())
    with request.deps.db.session() as session:
        found = CustomerIndex.load(session).strict(query)
    if len(found) != 1:
        return False
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    _status(actor, found[0].onboarding_id, "")
    return True


def _run(actor: Actor, sub: str, onboarding_id: int, rest: str) -> None:
    {
        "status": _status,
        "done": _done,
        "block": block,
        "unblock": unblock,
        "channel": link_channel,
    }[sub](actor, onboarding_id, rest)


def _status(actor: Actor, onboarding_id: int, rest: str) -> None:
    with actor.deps.db.session() as session:
        card = load_status(
            session,
            onboarding_id,
            actor.deps.today(),
            health_rules(actor.deps.settings),
            min_stakeholders=actor.deps.settings.min_stakeholders,
            playbooks=actor.deps.playbooks,
        )
    if rest.lower() == "share":
        _share(actor, card)
        return
    actor.say(f"Status: {card.company_name}", build_status_blocks(card))


def _share(actor: Actor, card: StatusCard) -> None:
    external = is_shared_externally(actor.client, actor.channel_id)
    blocks = build_status_blocks(card, internal=not external, interactive=False)
    try:
        post_in_channel(
            actor.client,
            actor.channel_id,
            blocks=blocks,
            text=bk.fallback_text(f"Status: {card.company_name}"),
        )
    except SlackApiError as exc:
        actor.say(
            Mrkdwn(
                f"I can't post here ({escape(slack_error(exc))}). "
                "Add me with `/invite @Onboard` and try again."
            )
        )
        return
    note = " Internal fields were left out: this channel is shared externally." if external else ""
    actor.say(Mrkdwn(f"Shared the status of *{escape(card.company_name)}* here.{note}"))


def _done(actor: Actor, onboarding_id: int, rest: str) -> None:
    if _kickoff_modal(actor, onboarding_id=onboarding_id, query=rest):
        return  # the modal asks for the agreements, then completes it (handlers/kickoff.py)
    with actor.deps.db.transaction() as session:
        change = complete_named_milestone(
            session, onboarding_id, rest, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
        _follow_up_done(actor, session, change)
    actor.say(f"{change.milestone_name} complete", build_done_blocks(change))
    actor.changed()


def _follow_up_done(actor: Actor, session: Session, change: MilestoneChange) -> None:
    completed = change.milestone_id if change.changed else None
    actor.follow_up(session, change.onboarding_id, completed)


def _kickoff_modal(
    actor: Actor,
    *,
    onboarding_id: int | None = None,
    query: str = "",
    milestone_id: int | None = None,
) -> bool:
    """Completing the kickoff asks for the agreed first value, cadence and escalation path."""
    return open_kickoff_modal(
        actor.deps,
        actor.client,
        trigger_id=actor.trigger_id,
        user_id=actor.user_id,
        channel_id=actor.channel_id or None,
        onboarding_id=onboarding_id,
        query=query,
        milestone_id=milestone_id,
    )


def handle_list_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    word = (request.args.split() or ["mine"])[0].lower()
    if word not in set(ListScope):
        actor.say(Mrkdwn("Usage: `/onboard list [mine|at-risk|overdue|all]`"))
        return
    _list_page(actor, ListPage(scope=ListScope(word), offset=0))


def _list_page(actor: Actor, page: ListPage, **kwargs: Any) -> None:
    today = actor.deps.today()
    with actor.deps.db.session() as session:
        listing = list_onboardings(
            session, page.scope, actor.user_id, today, page.offset, LIST_PAGE_SIZE
        )
    blocks = build_list_blocks(listing, page.scope, today)
    actor.say(f"Onboardings: {page.scope}", blocks, **kwargs)


def handle_status_pick_click(pick: CustomerPick) -> None:
    if pick.sub in CUSTOMER_SUBCOMMANDS:
        actor = actor_of(pick.body, pick.client, pick.context, pick.respond)
        _run(actor, pick.sub, pick.onboarding_id, pick.rest)


def handle_status_open_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    _status(actor_of(body, client, context, respond), button_id(action), "")


def handle_status_list_page_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    page = button_model(action, ListPage)
    _list_page(actor_of(body, client, context, respond), page, replace_original=True)


def handle_status_done_select(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    if _kickoff_modal(actor, milestone_id=selected_id(action)):
        return
    with actor.deps.db.transaction() as session:
        change = complete_milestone_by_id(
            session,
            selected_id(action),
            actor.user_id,
            admins=actor.admins,
            now=actor.deps.now(),
        )
        _follow_up_done(actor, session, change)
    actor.say(f"{change.milestone_name} complete", build_done_blocks(change))
    actor.changed()


def handle_status_undo_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    with actor.deps.db.transaction() as session:
        change = reopen_milestone(
            session, button_id(action), actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
        actor.follow_up(session, change.onboarding_id)
    actor.say(
        f"{change.milestone_name} reopened", build_reopened_blocks(change), replace_original=True
    )
    actor.changed()


def register(app: App, commands: CommandRouter) -> None:
    commands.add(CUSTOMER_SUBCOMMANDS, handle_status_command)
    commands.set_fallback(status_by_name)
    commands.add(("list",), handle_list_command)
    on_pick(app, StatusId.PICK_CUSTOMER, handle_status_pick_click)
    app.action(StatusId.OPEN_STATUS)(click(handle_status_open_click))
    app.action(StatusId.LIST_PAGE)(click(handle_status_list_page_click))
    app.action(StatusId.DONE_SELECT)(click(handle_status_done_select))
    app.action(StatusId.UNDO_DONE)(click(handle_status_undo_click))
    register_blocker_buttons(app)
