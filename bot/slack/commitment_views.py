"""Commitments (`/onboard commitments <customer>`) and success criteria (`/onboard criteria
<customer>`): the ephemeral cards with their buttons, and the modals they open.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.services.commitments import (
    CommitmentChange,
    CommitmentField,
    CommitmentLine,
    CommitmentList,
)
from bot.services.criteria import CriteriaList, CriterionChange, CriterionField, CriterionLine
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import CommitmentId, CriterionId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, truncate

WITH_BUTTONS_MAX = 22
CLOSED_LISTED_MAX = 15


class CardMetadata(bk.CardModalMetadata):
    """`private_metadata` of these modals: the commitment or criterion (None: a new one)."""

    item_id: int | None = None


# ---- commitments -----------------------------------------------------------------------------


def _commitment_text(c: CommitmentLine, today: date) -> Mrkdwn:
    due = f"due {day(c.due_date)}" if c.due_date else "no due date"
    if c.overdue(today):
        late = (today - c.due_date).days if c.due_date else 0
        due = f":red_circle: *overdue* {late}d ({due})"
    return Mrkdwn(f"*{escape(truncate(c.text, 300))}*\nOwner {mention(c.owner_user_id)} · {due}")


def _commitment_buttons(c: CommitmentLine) -> bk.Block:
    value = str(c.commitment_id)
    return bk.actions(
        bk.button("Done", CommitmentId.DONE, value, "primary"),
        bk.button("Drop", CommitmentId.DROP, value),
        bk.button("Edit owner/due date", CommitmentId.EDIT, value),
    )


def _closed_line(c: CommitmentLine) -> str:
    when = f" {day(c.closed_at.date())}" if c.closed_at else ""
    by = f" by {mention(c.closed_by)}" if c.closed_by else ""
    text = escape(truncate(c.text, 150))
    if c.status == "done":
        return f":white_check_mark: {text} · done{when}{by}"
    reason = escape(truncate(c.dropped_reason, 200))
    return f":heavy_minus_sign: ~{text}~ · dropped{when}{by}: _{reason}_"


def build_commitment_blocks(
    listing: CommitmentList, today: date, notice: str = ""
) -> list[bk.Block]:
    """The promises made during the sale: open ones with Done / Drop / Edit, then the closed."""
    opened = listing.open
    overdue = sum(1 for c in opened if c.overdue(today))
    blocks: list[bk.Block] = [bk.section(notice)] if notice else []
    blocks += [
        bk.header(f"Commitments · {listing.company_name}"),
        bk.context(
            f"{len(opened)} open"
            + (f" · {overdue} overdue" if overdue else "")
            + f" · {len(listing.closed)} closed · promises made during the sale"
        ),
    ]
    if not listing.lines:
        blocks.append(bk.section("No commitments were recorded at handoff."))
    for c in opened[:WITH_BUTTONS_MAX]:
        blocks += [bk.section(_commitment_text(c, today)), _commitment_buttons(c)]
    if len(opened) > WITH_BUTTONS_MAX:
        blocks.append(bk.context(f"…and {len(opened) - WITH_BUTTONS_MAX} more open."))
    if listing.closed:
        lines = [_closed_line(c) for c in listing.closed[:CLOSED_LISTED_MAX]]
        blocks.append(bk.section(Mrkdwn(truncate("*Closed*\n" + "\n".join(lines), 2900))))
    return bk.fit_message(blocks)


def _intro(company_name: str, text: str) -> bk.Block:
    return bk.section(Mrkdwn(f"*{escape(company_name)}* · {escape(truncate(text, 2500))}"))


def build_drop_modal(metadata: CardMetadata, company_name: str, c: CommitmentLine) -> dict:
    return {
        "type": "modal",
        "callback_id": CommitmentId.DROP_VIEW,
        "title": bk.plain("Drop commitment", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Drop"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            _intro(company_name, c.text),
            bk.input_block(
                CommitmentField.REASON,
                "Why is it dropped?",
                bk.text_element(CommitmentId.INPUT, multiline=True, max_length=1000),
                hint="Recorded on the onboarding's activity log.",
            ),
        ],
    }


def build_commitment_edit_modal(
    metadata: CardMetadata, company_name: str, c: CommitmentLine
) -> dict[str, Any]:
    owner = bk.user_element(CommitmentId.INPUT, c.owner_user_id)
    due = bk.date_element(CommitmentId.INPUT, c.due_date)
    return {
        "type": "modal",
        "callback_id": CommitmentId.EDIT_VIEW,
        "title": bk.plain("Edit commitment", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            _intro(company_name, c.text),
            bk.input_block(CommitmentField.OWNER, "Owner", owner),
            bk.input_block(CommitmentField.DUE_DATE, "Due date", due),
        ],
    }


def read_reason(form: ViewForm) -> str:
    return form.text(CommitmentField.REASON)


def read_owner_and_due(form: ViewForm) -> tuple[str | None, date | None]:
    return form.user(CommitmentField.OWNER), form.date(CommitmentField.DUE_DATE)


# ---- success criteria ------------------------------------------------------------------------


def _criterion_text(c: CriterionLine) -> Mrkdwn:
    star = ":star: *first value* · " if c.is_first_value else ""
    target = f" · target {day(c.target_date)}" if c.target_date else ""
    if c.met:
        state = (
            f":white_check_mark: met {day(c.met_at.date()) if c.met_at else ''} by "
            f"{mention(c.met_by)}\n_Evidence_: {escape(truncate(c.evidence, 500))}"
        )
    else:
        state = ":white_circle: not met yet"
    return Mrkdwn(f"{star}*{escape(truncate(c.text, 500))}*{target}\n{state}")


def _criterion_buttons(c: CriterionLine) -> bk.Block | None:
    buttons = []
    if not c.met:
        buttons.append(bk.button("Mark met", CriterionId.MET, str(c.criterion_id), "primary"))
    if not c.is_first_value:
        buttons.append(
            bk.button("Flag as first value", CriterionId.FLAG_FIRST_VALUE, str(c.criterion_id))
        )
    return bk.actions(*buttons) if buttons else None


def first_value_note(listing: CriteriaList) -> str:
    flagged = listing.first_value
    if listing.first_value_reached:
        return ":tada: First value is reached."
    if flagged is None:
        return (
            ":star: No criterion is flagged as the customer's first value yet: flag the one the "
            "customer chose (or add it). First value can be recorded only when it is met."
        )
    if not flagged.met:
        return (
            ":star: First value is recorded when the flagged criterion is met (Mark met, with "
            "the evidence), then `/onboard done <customer> first value`."
        )
    return ":star: The first-value criterion is met: complete the *First value* milestone."


def build_criteria_blocks(listing: CriteriaList, notice: str = "") -> list[bk.Block]:
    blocks: list[bk.Block] = [bk.section(notice)] if notice else []
    met = sum(1 for c in listing.lines if c.met)
    blocks += [
        bk.header(f"Success criteria · {listing.company_name}"),
        bk.context(f"{met}/{len(listing.lines)} met · as the customer said them"),
        bk.section(first_value_note(listing)),
    ]
    if not listing.lines:
        blocks.append(bk.section("No success criteria were recorded at handoff: add them."))
    for c in listing.lines[:WITH_BUTTONS_MAX]:
        blocks.append(bk.section(_criterion_text(c)))
        buttons = _criterion_buttons(c)
        if buttons:
            blocks.append(buttons)
    if len(listing.lines) > WITH_BUTTONS_MAX:
        blocks.append(bk.context(f"…and {len(listing.lines) - WITH_BUTTONS_MAX} more."))
    blocks.append(
        bk.actions(bk.button("Add criterion", CriterionId.ADD, str(listing.onboarding_id)))
    )
    return bk.fit_message(blocks)


def build_met_modal(metadata: CardMetadata, company_name: str, c: CriterionLine) -> dict:
    return {
        "type": "modal",
        "callback_id": CriterionId.MET_VIEW,
        "title": bk.plain("Criterion met", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Mark met"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            _intro(company_name, c.text),
            bk.input_block(
                CriterionField.EVIDENCE,
                "Evidence",
                bk.text_element(
                    CriterionId.INPUT,
                    multiline=True,
                    max_length=2000,
                    placeholder="What shows it is met: a figure, a report, a quote",
                ),
            ),
        ],
    }


def build_add_criterion_modal(metadata: CardMetadata, company_name: str) -> dict[str, Any]:
    first_value = bk.checkboxes_element(
        CriterionId.INPUT,
        [bk.option("This is the customer's first-value criterion", "first-value")],
    )
    return {
        "type": "modal",
        "callback_id": CriterionId.ADD_VIEW,
        "title": bk.plain("Add criterion", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Add"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(Mrkdwn(f"A success criterion for *{escape(company_name)}*.")),
            bk.input_block(
                CriterionField.TEXT,
                "Success looks like",
                bk.text_element(
                    CriterionId.INPUT,
                    multiline=True,
                    max_length=1000,
                    placeholder="Measurable, as the customer said it",
                ),
            ),
            bk.input_block(
                CriterionField.TARGET_DATE,
                "Target date",
                bk.date_element(CriterionId.INPUT),
                optional=True,
            ),
            bk.input_block(CriterionField.FIRST_VALUE, "First value", first_value, optional=True),
        ],
    }


def read_evidence(form: ViewForm) -> str:
    return form.text(CriterionField.EVIDENCE)


def read_new_criterion(form: ViewForm) -> tuple[str, date | None, bool]:
    return (
        form.text(CriterionField.TEXT),
        form.date(CriterionField.TARGET_DATE),
        bool(form.choices(CriterionField.FIRST_VALUE)),
    )


# ---- the line a redrawn card opens with ------------------------------------------------------


def _said(text: str) -> str:
    return f"“{escape(truncate(' '.join(text.split()), 120))}”"


def _already(change: CommitmentChange) -> Mrkdwn:
    return Mrkdwn(f"Already {change.status}: {_said(change.text)}.")


def done_notice(change: CommitmentChange) -> Mrkdwn:
    if not change.changed:
        return _already(change)
    return Mrkdwn(f":white_check_mark: Done: {_said(change.text)}.")


def dropped_notice(change: CommitmentChange) -> Mrkdwn:
    if not change.changed:
        return _already(change)
    return Mrkdwn(f":heavy_minus_sign: Dropped: {_said(change.text)}.")


def edited_notice(change: CommitmentChange) -> Mrkdwn:
    return Mrkdwn(f":pencil2: Saved: {_said(change.text)}.")


def flagged_notice(change: CriterionChange) -> Mrkdwn:
    return Mrkdwn(f":star: The customer's first-value criterion: {_said(change.text)}.")


def met_notice(change: CriterionChange) -> Mrkdwn:
    then = (
        f" First value can now be recorded: `/onboard done {escape(change.company_name)} "
        "first value`."
        if change.is_first_value and change.changed
        else ""
    )
    return Mrkdwn(f":white_check_mark: Met: {_said(change.text)}.{then}")


def added_notice(change: CriterionChange) -> Mrkdwn:
    return Mrkdwn(f":heavy_plus_sign: Added: {_said(change.text)}.")
