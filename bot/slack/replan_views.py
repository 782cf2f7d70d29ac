"""The replan modal, what it submitted, and the customer's notice of a replan.

Pure functions of typed input: no database, no Slack calls. The notice goes to the customer
channel: milestone names and dates only (never the reason, which may be internal)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.services.replan import (
    REASON_MAX,
    REPLAN_NOTICE_KIND,
    Move,
    Replan,
    ReplanField,
    ReplanForm,
    ReplanNotice,
    ReplanRequest,
    milestone_field,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import ReplanId
from bot.slack.mrkdwn import Mrkdwn, day, escape, truncate
from bot.slack.rendering import Rendered, renderer

# Slack allows 100 blocks in a modal; a plan longer than this shows its first milestones.
MILESTONES_SHOWN = 90
NOTICE_LINES_MAX = 40


class ReplanMetadata(BaseModel):
    """The onboarding, and the channel the replan was asked in (for the confirmation)."""

    onboarding_id: int
    channel_id: str | None = None


def build_replan_modal(form: ReplanForm, metadata: ReplanMetadata) -> dict[str, Any]:
    """A date picker per open milestone (its current due date), the go-live target, the shift
    and tell-the-customer boxes (both off), and the required reason."""
    blocks: list[bk.Block] = [
        bk.context(Mrkdwn(f"Replanning *{escape(truncate(form.company_name, 200))}*."))
    ]
    blocks += [
        bk.input_block(
            milestone_field(m.milestone_id), m.name, bk.date_element(ReplanId.INPUT, m.due)
        )
        for m in form.milestones[:MILESTONES_SHOWN]
    ]
    blocks += [
        bk.input_block(
            ReplanField.GO_LIVE,
            "Go-live target",
            bk.date_element(ReplanId.INPUT, form.go_live),
            optional=form.go_live is None,
        ),
        _box(
            ReplanField.SHIFT,
            "Later milestones",
            ReplanId.SHIFT_OPTION,
            "Shift the later milestones by the same number of business days",
        ),
        bk.input_block(
            ReplanField.REASON,
            "Reason",
            bk.text_element(ReplanId.INPUT, multiline=True, max_length=REASON_MAX),
            hint="Goes into the timeline, for the team. The customer never sees it.",
        ),
        _box(ReplanField.TELL, "Customer", ReplanId.TELL_OPTION, "Tell the customer"),
    ]
    return {
        "type": "modal",
        "callback_id": ReplanId.VIEW,
        "private_metadata": metadata.model_dump_json(),
        "title": bk.plain("Replan", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Replan"),
        "close": bk.plain("Cancel"),
        "blocks": blocks,
    }


def _box(block_id: str, label: str, value: str, text: str) -> bk.Block:
    """One checkbox, off."""
    element = bk.checkboxes_element(ReplanId.INPUT, [bk.option(text, value)])
    return bk.input_block(block_id, label, element, optional=True)


def read_replan_form(fields: ViewForm) -> ReplanRequest:
    prefix = f"{ReplanField.MILESTONE}-"
    dates = {
        int(block[len(prefix) :]): fields.date(block, ReplanId.INPUT)
        for block in fields.block_ids(ReplanField.MILESTONE)
        if block[len(prefix) :].isdigit()
    }
    return ReplanRequest(
        dates=dates,
        go_live=fields.date(ReplanField.GO_LIVE, ReplanId.INPUT),
        reason=fields.text(ReplanField.REASON, ReplanId.INPUT),
        shift_later=ReplanId.SHIFT_OPTION in fields.choices(ReplanField.SHIFT, ReplanId.INPUT),
        tell_customer=ReplanId.TELL_OPTION in fields.choices(ReplanField.TELL, ReplanId.INPUT),
    )


def _move_line(move: Move) -> str:
    later = "later" if move.business_days > 0 else "earlier"
    days = abs(move.business_days)
    return (
        f"• *{escape(truncate(move.name, 120))}*: {day(move.before)} → {day(move.after)} "
        f"({days} business day{'s' if days != 1 else ''} {later})"
    )


def replanned_text(change: Replan) -> Mrkdwn:
    """The ephemeral confirmation for whoever replanned."""
    told = " The customer is told in their channel." if change.customer_told else ""
    lines = "\n".join(_move_line(m) for m in change.moves[:NOTICE_LINES_MAX])
    return Mrkdwn(
        f":spiral_calendar_pad: *{escape(change.company_name)}* replanned "
        f"({change.count}x).{told}\n{lines}"
    )


def build_replan_notice(notice: ReplanNotice) -> Rendered:
    lines = [_move_line(m) for m in notice.moves[:NOTICE_LINES_MAX]]
    company = escape(truncate(notice.company_name, 200))
    blocks = [
        bk.section(Mrkdwn(f":spiral_calendar_pad: The onboarding plan for *{company}* changed:")),
        bk.section(Mrkdwn("\n".join(lines))),
    ]
    if notice.go_live:
        blocks.append(bk.context(Mrkdwn(f"Go-live is now planned for {day(notice.go_live)}.")))
    return Rendered(bk.fallback_text(f"The plan for {notice.company_name} changed"), blocks)


RENDERERS = {REPLAN_NOTICE_KIND: renderer(ReplanNotice, build_replan_notice)}
