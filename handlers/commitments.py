"""The commitments and success-criteria cards' buttons and modals. The `/onboard commitments`
and `/onboard criteria` subcommands are routed by handlers/stakeholders.py, which shares the
customer lookup with the stakeholder map."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

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
    added_notice,
    build_add_criterion_modal,
    build_commitment_blocks,
    build_commitment_edit_modal,
    build_criteria_blocks,
    build_drop_modal,
    build_met_modal,
    done_notice,
    dropped_notice,
    edited_notice,
    flagged_notice,
    met_notice,
    read_evidence,
    read_new_criterion,
    read_owner_and_due,
    read_reason,
)
from bot.slack.deps import Deps, deps_of
from bot.slack.forms import ViewForm, button_id, click, submission
from bot.slack.ids import CommitmentId, CriterionId
from handlers.modals import Card, CardModal, replace_card

# What a card row's modal opens on: (onboarding id, company, the row), once the user may change it.
Opener = Callable[..., tuple[int, str, Any]]
ViewBuilder = Callable[[CardMetadata, str, Any], dict[str, Any]]


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


COMMITMENTS = CardModal("Commitments", CommitmentInvalid, commitment_card)
CRITERIA = CardModal("Success criteria", CriterionInvalid, criteria_card)


def _open_row_modal(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    opener: Opener,
    build: ViewBuilder,
) -> None:
    """Open the modal `build` makes for the card row the button names (`opener` refuses a user
    who may not change it)."""
    deps = deps_of(context)
    with deps.db.session() as session:
        onboarding_id, company, line = opener(
            session, button_id(action), body["user"]["id"], admins=deps.admins
        )
    metadata = CardMetadata(onboarding_id=onboarding_id, item_id=button_id(action))
    view = build(metadata.opened_from(body), company, line)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _click_and_redraw(
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    change: Callable[..., Any],
    card: Callable[[Deps, int, str], Card],
    notice: Callable[[Any], str],
) -> None:
    """A button that changes its row at once: one transaction, then the card again in place."""
    deps = deps_of(context)
    with deps.db.transaction() as session:
        changed = change(
            session, button_id(action), body["user"]["id"], admins=deps.admins, now=deps.now()
        )
    replace_card(respond, card(deps, changed.onboarding_id, notice(changed)))


# ---- commitments -----------------------------------------------------------------------------


def handle_commitment_done_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    _click_and_redraw(
        body, action, context, respond, complete_commitment, commitment_card, done_notice
    )


def handle_commitment_drop_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_row_modal(body, action, client, context, open_commitment, build_drop_modal)


def handle_commitment_edit_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_row_modal(body, action, client, context, open_commitment, build_commitment_edit_modal)


def handle_commitment_drop_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    reason = read_reason(fields)
    COMMITMENTS.submit(
        ack,
        client,
        deps,
        metadata,
        user_id,
        lambda session: drop_commitment(
            session, metadata.item_id or 0, reason, user_id, admins=deps.admins, now=deps.now()
        ),
        dropped_notice,
    )


def handle_commitment_edit_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    owner, due = read_owner_and_due(fields)
    COMMITMENTS.submit(
        ack,
        client,
        deps,
        metadata,
        user_id,
        lambda session: edit_commitment(
            session, metadata.item_id or 0, owner, due, user_id, admins=deps.admins, now=deps.now()
        ),
        edited_notice,
    )


# ---- success criteria ------------------------------------------------------------------------


def handle_criterion_met_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    _open_row_modal(body, action, client, context, open_criterion, build_met_modal)


def handle_criterion_flag_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    _click_and_redraw(
        body, action, context, respond, flag_first_value, criteria_card, flagged_notice
    )


def handle_criterion_add_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, onboarding_id = deps_of(context), button_id(action)
    with deps.db.session() as session:
        company = ensure_can_add(session, onboarding_id, body["user"]["id"], admins=deps.admins)
    metadata = CardMetadata(onboarding_id=onboarding_id, item_id=None).opened_from(body)
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
    CRITERIA.submit(
        ack,
        client,
        deps,
        metadata,
        user_id,
        lambda session: mark_criterion_met(
            session, metadata.item_id or 0, evidence, user_id, admins=deps.admins, now=deps.now()
        ),
        met_notice,
    )


def handle_criterion_add_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps, user_id = deps_of(context), body["user"]["id"]
    fields = ViewForm(view)
    metadata = fields.metadata(CardMetadata)
    text, target, first_value = read_new_criterion(fields)
    CRITERIA.submit(
        ack,
        client,
        deps,
        metadata,
        user_id,
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
        added_notice,
    )


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
