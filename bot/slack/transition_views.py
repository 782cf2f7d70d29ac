"""Block Kit for the transition: the refusal with its reasons, the waive and close modals, the
refusals worded, and the renderers of the report and handover posts
(bot/slack/close_report_views.py builds those)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.services.close_report import OnboardingReport
from bot.services.errors import DomainError
from bot.services.transition import (
    HANDOVER_KIND,
    REPORT_KIND,
    CloseInvalid,
    CompletionCheck,
    NotReady,
    Reopened,
)
from bot.slack import blocks as bk
from bot.slack.close_report_views import FIELD_MAX, build_handover_message, build_report_message
from bot.slack.forms import ViewForm
from bot.slack.ids import TransitionId
from bot.slack.mrkdwn import Mrkdwn, channel_link, count, escape, mention, truncate
from bot.slack.refusals import refusal_text as domain_refusal_text
from bot.slack.rendering import renderer

OPTIONS_MAX = 100

RENDERERS = {
    REPORT_KIND: renderer(OnboardingReport, build_report_message),
    HANDOVER_KIND: renderer(OnboardingReport, build_handover_message),
}


class TransitionMetadata(BaseModel):
    """`private_metadata` of the modals and the waive button's value."""

    onboarding_id: int
    channel_id: str | None = None


# ---- the refusal and the waive modal ---------------------------------------------------------


def completion_reasons(check: CompletionCheck) -> list[Mrkdwn]:
    """Every reason the check failed, each with what to do about it."""
    reasons = [
        Mrkdwn(
            f"Milestone *{escape(m.name)}* is not done (due {m.due_date:%b %-d}): "
            "complete it, or waive it with a reason."
        )
        for m in check.open_milestones
    ]
    if check.first_value_missing:
        reasons.append(
            Mrkdwn(
                "First value is not confirmed: mark the first-value milestone done once the "
                "customer's first-value criterion is met."
            )
        )
    if check.hypercare_open:
        reasons.append(
            Mrkdwn(
                "Hypercare has not been exited: end it (*End hypercare* on the hypercare "
                "update) once its exit check passes."
            )
        )
    return reasons


def not_ready_text(check: CompletionCheck) -> Mrkdwn:
    lines = "\n".join(f"• {r}" for r in completion_reasons(check))
    return Mrkdwn(f"*{escape(check.company_name)}* cannot be closed yet:\n{lines}")


def build_refusal_blocks(check: CompletionCheck, channel_id: str | None) -> list[bk.Block]:
    """Every reason the check failed; a "Waive milestones…" button when milestones are open."""
    blocks: list[bk.Block] = [bk.section(Mrkdwn(truncate(not_ready_text(check), FIELD_MAX)))]
    if check.open_milestones:
        value = TransitionMetadata(onboarding_id=check.onboarding_id, channel_id=channel_id)
        blocks.append(
            bk.actions(
                bk.button("Waive milestones…", TransitionId.WAIVE_OPEN, value.model_dump_json())
            )
        )
    blocks.append(bk.context("Nothing was changed. Fix these, then `/onboard close` again."))
    return blocks


def refusal_text(check: CompletionCheck) -> str:
    reasons = count(check.reason_count, "reason")
    return f"{escape(check.company_name)} cannot be closed yet ({reasons})."


def build_waive_modal(check: CompletionCheck, metadata: TransitionMetadata) -> dict[str, Any]:
    options = [bk.option(m.name, str(m.milestone_id)) for m in check.open_milestones[:OPTIONS_MAX]]
    return {
        "type": "modal",
        "callback_id": TransitionId.WAIVE_VIEW,
        "title": bk.plain("Waive milestones", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Waive"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(
                Mrkdwn(
                    f"*{escape(check.company_name)}*: milestones not done. A waived milestone "
                    "counts as done for closing; the reason goes in the activity log and the "
                    "onboarding report."
                )
            ),
            bk.input_block(
                TransitionId.MILESTONES,
                "Waive these milestones",
                {
                    "type": "multi_static_select",
                    "action_id": TransitionId.INPUT,
                    "options": options,
                },
            ),
            bk.input_block(
                TransitionId.REASON,
                "Why?",
                bk.text_element(TransitionId.INPUT, multiline=True, max_length=500),
            ),
        ],
    }


def read_waive_form(form: ViewForm) -> tuple[list[int], str]:
    """The milestone ids chosen and the reason."""
    return form.choice_ids(TransitionId.MILESTONES), form.text(TransitionId.REASON)


def close_errors(invalid: CloseInvalid) -> dict[str, str]:
    block = {
        "milestones": TransitionId.MILESTONES,
        "reason": TransitionId.REASON,
        "lessons": TransitionId.LESSONS,
        "ongoing_csm": TransitionId.ONGOING_CSM,
    }.get(invalid.field, TransitionId.LESSONS)
    return {str(block): str(invalid)}


def build_waived_text(company_name: str, names: list[str]) -> Mrkdwn:
    listed = ", ".join(f"*{escape(n)}*" for n in names) or "nothing (already done)"
    return Mrkdwn(
        f"Waived for *{escape(company_name)}*: {listed}. `/onboard close "
        f"{escape(company_name)}` when the rest is ready."
    )


# ---- the close modal -------------------------------------------------------------------------


def build_close_modal(company_name: str, metadata: TransitionMetadata) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": TransitionId.CLOSE_VIEW,
        "title": bk.plain("Close onboarding", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Close and hand over"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(
                Mrkdwn(
                    f"*{escape(company_name)}* passed the completion check. Closing posts the "
                    "onboarding report to the internal channel and hands the account to the "
                    "ongoing CSM by DM."
                )
            ),
            bk.input_block(
                TransitionId.LESSONS,
                "Lessons learned",
                bk.text_element(TransitionId.INPUT, multiline=True, max_length=2900),
                hint="What went well, what to do differently next time. Goes in the report.",
            ),
            bk.input_block(
                TransitionId.ONGOING_CSM,
                "Ongoing CSM",
                bk.user_element(TransitionId.INPUT),
                hint="Who carries the account on after onboarding.",
            ),
        ],
    }


def read_close_form(form: ViewForm) -> tuple[str, str | None]:
    return form.text(TransitionId.LESSONS), form.user(TransitionId.ONGOING_CSM)


def build_notice_view(text: str, title: str = "Close onboarding") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": bk.plain(title, bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(Mrkdwn(truncate(text, FIELD_MAX)))],
    }


def build_closed_view(report: OnboardingReport, report_channel: str) -> dict[str, Any]:
    where = channel_link(report_channel) if report_channel.startswith(("C", "G")) else "your DMs"
    return build_notice_view(
        Mrkdwn(
            f"*{escape(report.company_name)}* is closed. The onboarding report goes to {where}; "
            f"{mention(report.ongoing_csm_user_id)} gets the handover by DM."
        )
    )


# ---- reopening -------------------------------------------------------------------------------


def reopened_text(reopened: Reopened) -> Mrkdwn:
    return Mrkdwn(
        f"*{escape(reopened.company_name)}* is open again ({escape(reopened.status)}), "
        f"logged with the reason: {escape(truncate(reopened.reason, 500))}"
    )


def refusal_message(refused: DomainError) -> Mrkdwn:
    """A transition refusal, worded (user text escaped); any other one as it says itself."""
    if isinstance(refused, NotReady):
        return not_ready_text(refused.check)
    return Mrkdwn(domain_refusal_text(refused))
