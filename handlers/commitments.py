"""The commitments and success-criteria cards' buttons and modals. The `/onboard commitments`
and `/onboard criteria` subcommands are routed by handlers/stakeholders.py, which shares the
customer lookup with the stakeholder map."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps, deps_of
from bot.services.commitments import (
    CommitmentInvalid,
    complete_commitment,
    drop_commitment,
    edit_commitment,
    load_commitments,
    open_commitment,
)
from bot.services.criteria import (
    CriterionInvalid,
    add_criterion,
    ensure_can_add,
    flag_first_value,
    load_criteria,
    mark_criterion_met,
    open_criterion,
)
from bot.slack.commitment_views import (
    CardMetadata,
    build_add_criterion_modal,
    build_commitment_blocks,
    build_commitment_edit_modal,
    build_criteria_blocks,
    build_drop_modal,
    build_met_modal,
    read_evidence,
    read_new_criterion,
    read_owner_and_due,
    read_reason,
)
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import CommitmentId, CriterionId
from bot.slack.mrkdwn import Mrkdwn, escape, truncate
from handlers.modals import Card, redraw, replace_card, save_modal


def commitment_card(deps: Deps, onboarding_id: int, notice: str = "") -> Card:
    with deps.db.session() as session:
        listing = load_commitments(session, onboarding_id)
    return f"Commitments: {listing.company_name}", build_commitment_blocks(
        listing, deps.today(), notice
    )


def criteria_card(deps: Deps, onboarding_id: int, notice: str = "") -> Card:
    with deps.db.session() as session:
        listing = load_criteria(session, onboarding_id)
    return f"Success criteria: {listing.company_name}", build_criteria_blocks(listing, notice)


def _metadata(body: dict[str, Any], onboarding_id: int, item_id: int | None) -> CardMetadata:
    return CardMetadata(onboarding_id=onboarding_id, item_id=item_id).opened_from(body)


def _said(text: str) -> str:
    return f"“{escape(truncate(' '.join(text.split()), 120))}”"


# ---- commitments -----------------------------------------------------------------------------


def handle_commitment_done_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        change = complete_commitment(
            session, button_id(action), body["user"]["id"], admins=deps.admins, now=deps.now()
        )
    notice = Mrkdwn(
        f":white_check_mark: Done: {_said(change.text)}."
        if change.changed
        else f"Already {change.status}: {_said(change.text)}."
    )
    replace_card(respond, commitment_card(deps, change.onboarding_id, notice))


def handle_commitment_drop_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id, company, line = open_commitment(
            session, button_id(action), body["user"]["id"], admins=deps.admins
        )
    metadata = _metadata(body, onboarding_id, line.commitment_id)
    client.views_open(trigger_id=body["trigger_id"], view=build_drop_modal(metadata, company, line))


def handle_commitment_edit_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id, company, line = open_commitment(
            session, button_id(action), body["user"]["id"], admins=deps.admins
        )
    metadata = _metadata(body, onboarding_id, line.commitment_id)
    client.views_open(
        trigger_id=body["trigger_id"], view=build_commitment_edit_modal(metadata, company, line)
    )


def handle_commitment_drop_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    reason = read_reason(fields)
    change = save_modal(
        ack,
        deps,
        CommitmentInvalid,
        "Commitments",
        lambda session: drop_commitment(
            session, metadata.item_id or 0, reason, user_id, admins=deps.admins, now=deps.now()
        ),
    )
    if change is None:
        return
    notice = Mrkdwn(
        f":heavy_minus_sign: Dropped: {_said(change.text)}."
        if change.changed
        else f"Already {change.status}: {_said(change.text)}."
    )
    redraw(client, metadata, user_id, commitment_card(deps, metadata.onboarding_id, notice))


def handle_commitment_edit_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    owner, due = read_owner_and_due(fields)
    change = save_modal(
        ack,
        deps,
        CommitmentInvalid,
        "Commitments",
        lambda session: edit_commitment(
            session, metadata.item_id or 0, owner, due, user_id, admins=deps.admins, now=deps.now()
        ),
    )
    if change is None:
        return
    notice = Mrkdwn(f":pencil2: Saved: {_said(change.text)}.")
    redraw(client, metadata, user_id, commitment_card(deps, metadata.onboarding_id, notice))


# ---- success criteria ------------------------------------------------------------------------


def handle_criterion_met_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id, company, line = open_criterion(
            session, button_id(action), body["user"]["id"], admins=deps.admins
        )
    metadata = _metadata(body, onboarding_id, line.criterion_id)
    client.views_open(trigger_id=body["trigger_id"], view=build_met_modal(metadata, company, line))


def handle_criterion_flag_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.session() as session:
        change = flag_first_value(
            session, button_id(action), body["user"]["id"], admins=deps.admins, now=deps.now()
        )
    notice = Mrkdwn(f":star: The customer's first-value criterion: {_said(change.text)}.")
    replace_card(respond, criteria_card(deps, change.onboarding_id, notice))


def handle_criterion_add_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, onboarding_id = deps_of(context), button_id(action)
    with deps.db.session() as session:
        company = ensure_can_add(session, onboarding_id, body["user"]["id"], admins=deps.admins)
    metadata = _metadata(body, onboarding_id, None)
    client.views_open(
        trigger_id=body["trigger_id"], view=build_add_criterion_modal(metadata, company)
    )


def handle_criterion_met_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    evidence = read_evidence(fields)
    change = save_modal(
        ack,
        deps,
        CriterionInvalid,
        "Success criteria",
        lambda session: mark_criterion_met(
            session, metadata.item_id or 0, evidence, user_id, admins=deps.admins, now=deps.now()
        ),
    )
    if change is None:
        return
    then = (
        f" First value can now be recorded: `/onboard done {escape(change.company_name)} "
        "first value`."
        if change.is_first_value and change.changed
        else ""
    )
    notice = Mrkdwn(f":white_check_mark: Met: {_said(change.text)}.{then}")
    redraw(client, metadata, user_id, criteria_card(deps, metadata.onboarding_id, notice))


def handle_criterion_add_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    text, target, first_value = read_new_criterion(fields)
    change = save_modal(
        ack,
        deps,
        CriterionInvalid,
        "Success criteria",
        lambda session: add_criterion(
            session,
            metadata.onboarding_id,
            text,
            target,
            first_value,
            user_id,
            admins=deps.admins,
            now=deps.now(),
        ),
    )
    if change is None:
        return
    notice = Mrkdwn(f":heavy_plus_sign: Added: {_said(change.text)}.")
    redraw(client, metadata, user_id, criteria_card(deps, metadata.onboarding_id, notice))


def register(app: App) -> None:
    app.action(CommitmentId.DONE)(click(handle_commitment_done_click))
    app.action(CommitmentId.DROP)(click(handle_commitment_drop_click))
    app.action(CommitmentId.EDIT)(click(handle_commitment_edit_click))
    app.view(CommitmentId.DROP_VIEW)(submission(handle_commitment_drop_submit))
    app.view(CommitmentId.EDIT_VIEW)(submission(handle_commitment_edit_submit))
    app.action(CriterionId.MET)(click(handle_criterion_met_click))
    app.action(CriterionId.FLAG_FIRST_VALUE)(click(handle_criterion_flag_click))
    app.action(CriterionId.ADD)(click(handle_criterion_add_click))
    app.view(CriterionId.MET_VIEW)(submission(handle_criterion_met_submit))
    app.view(CriterionId.ADD_VIEW)(submission(handle_criterion_add_submit))
