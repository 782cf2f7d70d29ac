"""`/onboard close <customer>` and `/onboard reopen <customer> <why>`: the completion check
(refused with every reason, a "Waive milestones…" button when milestones are open), the close
modal (lessons learned, ongoing CSM) and the report it queues; reopening, logged."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.errors import DomainError
from bot.services.follow_ups import after_change
from bot.services.lookup import CustomerIndex
from bot.services.transition import (
    CloseInvalid,
    check_close,
    close_onboarding,
    reopen_onboarding,
    waive_milestones,
)
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_model, click, submission
from bot.slack.ids import TransitionId
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.picker import build_pick_blocks
from bot.slack.transition_views import (
    TransitionMetadata,
    build_close_modal,
    build_closed_view,
    build_notice_view,
    build_refusal_blocks,
    build_waive_modal,
    build_waived_text,
    close_errors,
    read_close_form,
    read_waive_form,
    refusal_message,
    refusal_text,
    reopened_text,
)
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick
from handlers.home import publish_home

REOPEN_USAGE = Mrkdwn("Usage: `/onboard reopen <customer> <why it is reopened>`")


def _ack_refusal(ack: Ack, refused: DomainError) -> None:
    """A modal refused: a field's error next to it, anything else in place of the modal."""
    if isinstance(refused, CloseInvalid):
        ack(response_action="errors", errors=close_errors(refused))
    else:
        ack(response_action="update", view=build_notice_view(refusal_message(refused)))


def start_close(
    deps: Deps,
    client: WebClient,
    respond: Respond,
    trigger_id: str,
    user_id: str,
    onboarding_id: int,
    channel_id: str | None,
) -> None:
    """The check: refused with its reasons (ephemeral, nothing changes), else the modal."""
    with deps.db.session() as session:
        check = check_close(session, onboarding_id, user_id, admins=deps.admins)
    metadata = TransitionMetadata(onboarding_id=onboarding_id, channel_id=channel_id)
    if not check.passed:
        respond(
            text=refusal_text(check),
            blocks=build_refusal_blocks(check, channel_id),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    client.views_open(trigger_id=trigger_id, view=build_close_modal(check.company_name, metadata))


def reopen(deps: Deps, respond: Respond, user_id: str, onboarding_id: int, reason: str) -> None:
    if not reason.strip():
        respond(text=REOPEN_USAGE, response_type="ephemeral", replace_original=False)
        return
    with deps.db.transaction() as session:
        reopened = reopen_onboarding(
            session, onboarding_id, user_id, reason, admins=deps.admins, now=deps.now()
        )
        after_change(session, deps, onboarding_id)
    respond(text=reopened_text(reopened), response_type="ephemeral", replace_original=False)
    deps.outbox.kick()


def handle_close_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, TransitionId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    start_close(
        request.deps,
        request.client,
        request.respond,
        request.trigger_id,
        request.user_id,
        onboarding_id,
        request.channel_id or None,
    )


def handle_reopen_command(request: CommandRequest) -> None:
    request.ack()
    words = request.args.split()
    if not words:
        request.respond(text=REOPEN_USAGE, response_type="ephemeral")
        return
    with request.deps.db.session() as session:
        index = CustomerIndex.load(session, closed=True)
        lookup, reason = index.find_with_rest(words, need_rest=len(words) > 1)
    if lookup.one is None:
        refs = lookup.matches or lookup.closest
        blocks = build_pick_blocks(
            lookup.query,
            refs,
            "reopen",
            reason,
            found=bool(lookup.matches),
            action_id=TransitionId.PICK_CUSTOMER,
        )
        if not refs:
            blocks[0]["text"]["text"] = f"No closed onboarding is called `{escape(lookup.query)}`."
        request.respond(text="Which customer?", blocks=blocks, response_type="ephemeral")
        return
    reopen(request.deps, request.respond, request.user_id, lookup.one.onboarding_id, reason)


def handle_transition_pick_click(picked: CustomerPick) -> None:
    deps, user_id = picked.deps, picked.user_id
    if picked.sub == "reopen":
        reopen(deps, picked.respond, user_id, picked.onboarding_id, picked.rest)
        return
    start_close(
        deps,
        picked.client,
        picked.respond,
        picked.trigger_id,
        user_id,
        picked.onboarding_id,
        picked.channel_id,
    )


def handle_waive_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, user_id = deps_of(context), body["user"]["id"]
    metadata = button_model(action, TransitionMetadata)
    with deps.db.session() as session:
        check = check_close(session, metadata.onboarding_id, user_id, admins=deps.admins)
    if not check.open_milestones:
        view = build_notice_view(Mrkdwn("Every milestone is done or waived already."))
    else:
        view = build_waive_modal(check, metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_waive_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(TransitionMetadata)
    ids, reason = read_waive_form(fields)
    try:
        with deps.db.transaction() as session:
            names = waive_milestones(
                session,
                metadata.onboarding_id,
                ids,
                reason,
                user_id,
                admins=deps.admins,
                now=deps.now(),
            )
            company = check_close(
                session, metadata.onboarding_id, user_id, admins=deps.admins
            ).company_name
            after_change(session, deps, metadata.onboarding_id)
    except DomainError as refused:
        _ack_refusal(ack, refused)
        return
    ack(
        response_action="update",
        view=build_notice_view(build_waived_text(company, names), "Waive milestones"),
    )
    deps.outbox.kick()


def handle_close_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(TransitionMetadata)
    lessons, ongoing = read_close_form(fields)
    try:
        with deps.db.transaction() as session:
            closed = close_onboarding(
                session,
                metadata.onboarding_id,
                user_id,
                lessons=lessons,
                ongoing_csm=ongoing,
                admins=deps.admins,
                playbooks=deps.playbooks,
                now=deps.now(),
                today=deps.today(),
            )
            after_change(session, deps, metadata.onboarding_id)  # the survey, the plan
    except DomainError as refused:
        _ack_refusal(ack, refused)
        return
    ack(response_action="update", view=build_closed_view(closed.report, closed.report_channel))
    deps.outbox.kick()  # the report, the handover, the survey go out
    publish_home(client, context, user_id)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("close",), handle_close_command)
    commands.add(("reopen",), handle_reopen_command)
    on_pick(app, TransitionId.PICK_CUSTOMER, handle_transition_pick_click)
    app.action(TransitionId.WAIVE_OPEN)(click(handle_waive_click))
    app.view(TransitionId.WAIVE_VIEW)(submission(handle_waive_submit))
    app.view(TransitionId.CLOSE_VIEW)(submission(handle_close_submit))
