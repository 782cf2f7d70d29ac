"""`/onboard status|list|done|block|unblock|channel` and the buttons on their replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps, deps_of
from bot.services.blockers import add_blocker, link_customer_channel, resolve_blocker
from bot.services.celebrations import queue_milestone_celebration
from bot.services.feedback import load_feedback_config, queue_due_feedback
from bot.services.health import health_rules
from bot.services.lookup import CustomerIndex
from bot.services.milestones import (
    complete_milestone_by_id,
    complete_named_milestone,
    reopen_milestone,
)
from bot.services.onboardings import get_onboarding
from bot.services.permissions import Admins, ensure_can_change
from bot.services.plan_refresh import refresh_plan
from bot.services.status import ListScope, StatusCard, list_onboardings, load_status
from bot.slack import blocks as bk
from bot.slack.client import is_shared_externally, post_in_channel, slack_error
from bot.slack.commands import CommandRequest
from bot.slack.forms import ViewForm, button_id, button_model, click, selected_id, submission
from bot.slack.ids import StatusId
from bot.slack.mrkdwn import Mrkdwn, channel_link, escape
from bot.slack.status_views import (
    BlockerMetadata,
    ListPage,
    PickValue,
    blocker_text,
    build_blocker_modal,
    build_done_blocks,
    build_list_blocks,
    build_pick_blocks,
    build_reopened_blocks,
    build_status_blocks,
    parse_channel_ref,
    parse_number,
    split_trailing,
    usage_text,
)
from handlers.command import CommandRouter
from handlers.home import publish_home
from handlers.kickoff_modal import open_kickoff_modal

CUSTOMER_SUBCOMMANDS = ("status", "done", "block", "unblock", "channel")
NEEDS_REST = ("done", "block")


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

    def changed(
        self, onboarding_id: int | None = None, completed_milestone_id: int | None = None
    ) -> None:
        """Redraw the actor's App Home; given the onboarding, refresh its plan (after_change)."""
        if onboarding_id is not None:
            after_change(self.deps, onboarding_id, completed_milestone_id)
        publish_home(self.client, self.context, self.user_id)


def after_change(deps: Deps, onboarding_id: int, completed_milestone_id: int | None = None) -> None:
    """The customer channel's plan (and the celebration of a milestone just completed) go to
    the outbox and the sender is woken; the plan and celebrations jobs catch what this misses."""
    with deps.db.transaction() as session:
        if completed_milestone_id is not None:
            queue_milestone_celebration(
                session, completed_milestone_id, deps.playbooks, now=deps.now()
            )
        # The pulse after kickoff or go-live, the survey at transition (queued once each).
        queue_due_feedback(
            session,
            load_feedback_config(deps.settings.templates_dir),
            now=deps.now(),
            onboarding_id=onboarding_id,
        )
        refresh_plan(session, onboarding_id, now=deps.now(), default_tz=deps.settings.tz)
    deps.outbox.kick()


def actor_of(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> Actor:
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id", "")
    user = (body.get("user") or {}).get("id") or body.get("user_id", "")
    return Actor(
        deps_of(context), client, context, respond, user, channel, body.get("trigger_id") or ""
    )


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
        refs = lookup.matches or lookup.closest
        actor.say(
            f"Which customer did you mean by {lookup.query}?",
            build_pick_blocks(lookup.query, refs, sub, rest, found=bool(lookup.matches)),
        )
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
    {"status": _status, "done": _done, "block": _block, "unblock": _unblock, "channel": _channel}[
        sub
    ](actor, onboarding_id, rest)


def _status(actor: Actor, onboarding_id: int, rest: str) -> None:
    with actor.deps.db.session() as session:
        card = load_status(
            session,
            onboarding_id,
            actor.deps.today(),
            health_rules(actor.deps.settings),
            min_stakeholders=actor.deps.settings.min_stakeholders,
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
    with actor.deps.db.session() as session:
        change = complete_named_milestone(
            session, onboarding_id, rest, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
    actor.say(f"{change.milestone_name} complete", build_done_blocks(change))
    actor.changed(change.onboarding_id, change.milestone_id if change.changed else None)


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


def _block(actor: Actor, onboarding_id: int, rest: str) -> None:
    with actor.deps.db.session() as session:
        change = add_blocker(
            session, onboarding_id, rest, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
    actor.say(blocker_text(change, added=True))
    actor.changed(onboarding_id)


def _unblock(actor: Actor, onboarding_id: int, rest: str) -> None:
    number = parse_number(rest)
    if isinstance(number, str):
        actor.say(usage_text("unblock"))
        return
    with actor.deps.db.session() as session:
        change = resolve_blocker(
            session, onboarding_id, number, actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
    actor.say(blocker_text(change, added=False))
    actor.changed(onboarding_id)


def _channel(actor: Actor, onboarding_id: int, rest: str) -> None:
    channel_id = parse_channel_ref(rest)
    if channel_id is None:
        actor.say(usage_text("channel"))
        return
    with actor.deps.db.session() as session:
        company = link_customer_channel(
            session,
            onboarding_id,
            channel_id,
            actor.user_id,
            admins=actor.admins,
            now=actor.deps.now(),
        )
    linked = f"Linked {channel_link(channel_id)} to *{escape(company)}*."
    try:
        actor.client.conversations_join(channel=channel_id)
        actor.say(Mrkdwn(f"{linked} I joined the channel."))
    except SlackApiError:
        actor.say(
            Mrkdwn(
                f"{linked} I can't join it myself: run `/invite @Onboard` "
                f"in {channel_link(channel_id)}."
            )
        )
    actor.changed(onboarding_id)


def handle_list_command(request: CommandRequest) -> None:
    request.ack()
    actor = actor_of(request.body, request.client, request.context, request.respond)
    word = (request.args.split() or ["mine"])[0].lower()
    if word not in set(ListScope):
        actor.say(Mrkdwn("Usage: `/onboard list [mine|at-risk|overdue|all]`"))
        return
    _list_page(actor, ListPage(scope=ListScope(word), offset=0))


def _list_page(actor: Actor, page: ListPage, **kwargs: Any) -> None:
    with actor.deps.db.session() as session:
        entries = list_onboardings(session, page.scope, actor.user_id, actor.deps.today())
    blocks = build_list_blocks(entries, page.scope, page.offset, actor.deps.today())
    actor.say(f"Onboardings: {page.scope}", blocks, **kwargs)


def handle_status_pick_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    pick = button_model(action, PickValue)
    if pick.sub in CUSTOMER_SUBCOMMANDS:
        _run(actor_of(body, client, context, respond), pick.sub, pick.onboarding_id, pick.rest)


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
    with actor.deps.db.session() as session:
        change = complete_milestone_by_id(
            session,
            selected_id(action),
            actor.user_id,
            admins=actor.admins,
            now=actor.deps.now(),
        )
    actor.say(f"{change.milestone_name} complete", build_done_blocks(change))
    actor.changed(change.onboarding_id, change.milestone_id if change.changed else None)


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
    with actor.deps.db.session() as session:
        change = reopen_milestone(
            session, button_id(action), actor.user_id, admins=actor.admins, now=actor.deps.now()
        )
    actor.say(
        f"{change.milestone_name} reopened", build_reopened_blocks(change), replace_original=True
    )
    actor.changed(change.onboarding_id)


def handle_status_add_blocker_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    actor = actor_of(body, client, context, respond)
    with actor.deps.db.session() as session:
        onboarding = get_onboarding(session, button_id(action))
        ensure_can_change(onboarding, actor.user_id, actor.admins)
        company = onboarding.company_name
    metadata = BlockerMetadata(onboarding_id=button_id(action), channel_id=actor.channel_id or None)
    client.views_open(trigger_id=body["trigger_id"], view=build_blocker_modal(metadata, company))


def handle_status_blocker_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    fields = ViewForm(view)
    metadata = fields.metadata(BlockerMetadata)
    reason = fields.text(StatusId.BLOCKER_REASON)
    if not reason.strip():
        ack(response_action="errors", errors={StatusId.BLOCKER_REASON: "Say what is blocking."})
        return
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    with deps.db.session() as session:
        change = add_blocker(
            session,
            metadata.onboarding_id,
            reason,
            user_id,
            admins=deps.admins,
            now=deps.now(),
        )
    text = blocker_text(change, added=True)
    if metadata.channel_id:
        client.chat_postEphemeral(channel=metadata.channel_id, user=user_id, text=text)
    after_change(deps, metadata.onboarding_id)
    publish_home(client, context, user_id)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(CUSTOMER_SUBCOMMANDS, handle_status_command)
    commands.set_fallback(status_by_name)
    commands.add(("list",), handle_list_command)
    app.action(re.compile(f"^{StatusId.PICK_CUSTOMER}(-\\d+)?$"))(click(handle_status_pick_click))
    app.action(StatusId.OPEN_STATUS)(click(handle_status_open_click))
    app.action(StatusId.LIST_PAGE)(click(handle_status_list_page_click))
    app.action(StatusId.DONE_SELECT)(click(handle_status_done_select))
    app.action(StatusId.UNDO_DONE)(click(handle_status_undo_click))
    app.action(StatusId.ADD_BLOCKER)(click(handle_status_add_blocker_click))
    app.view(StatusId.BLOCKER_VIEW)(submission(handle_status_blocker_submit))
