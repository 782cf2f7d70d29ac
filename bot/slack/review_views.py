"""The CSM's DMs after go-live: a review's agenda filled from the data, and the renewal prompt.
Pure builders from bot/services/reviews.py's dataclasses; both are internal (ARR, issues)."""

from __future__ import annotations

from bot.services.check_ins import CHECK_IN_KIND, CheckInDue
from bot.services.reviews import RENEWAL_KIND, REVIEW_KIND, RenewalPrompt, ReviewAgenda
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, day, escape
from bot.slack.rendering import Rendered, renderer


def _agenda_lines(a: ReviewAgenda) -> list[str]:
    adoption = (
        f"{a.active_users} of {a.licensed_users} licensed users active"
        if a.active_users is not None and a.licensed_users
        else "no usage data yet: ask how many people use it weekly"
    )
    return [
        f"*Adoption:* {adoption}",
        f"*Milestones:* {a.milestones_done} of {a.milestones_total} done,"
        f" {a.milestones_on_time} on time",
        f"*Success criteria:* {a.success_criteria_met} of {a.success_criteria_total} met",
        f"*Issues since go-live:* {a.issues_opened} logged, {a.issues_open} still open",
        "*Ask:* how likely they are to recommend us (0-10), and where they could use us next"
        " (teams, sites, modules): expansion",
    ]


def build_review(a: ReviewAgenda) -> Rendered:
    purpose = f"\n{escape(a.purpose)}" if a.purpose else ""
    blocks = [
        bk.header(f"{a.review}: {a.company_name}"),
        bk.section(
            Mrkdwn(
                f"Due {day(a.due_on)}, live since {day(a.go_live_on)}.{purpose}"
                " Book it with the customer; the agenda below is from Onboard's data."
            )
        ),
        bk.section(Mrkdwn("\n".join(f"• {line}" for line in _agenda_lines(a)))),
        bk.context(f"`/onboard status {escape(a.company_name)}` has the full card."),
    ]
    return Rendered(bk.fallback_text(f"{a.review} due for {a.company_name}"), blocks)


def build_renewal(r: RenewalPrompt) -> Rendered:
    blocks = [
        bk.section(
            Mrkdwn(
                f":arrows_counterclockwise: *{escape(r.company_name)}* renews {day(r.renews_on)},"
                f" in {r.days_left} days ({escape(r.contract_term)} from the start, ARR"
                f" {escape(r.arr)}). Time to start the renewal conversation: review the value"
                " delivered against their success criteria, and bring in the account team."
            )
        )
    ]
    return Rendered(bk.fallback_text(f"{r.company_name} renews in {r.days_left} days"), blocks)


def _cadence(days: int) -> str:
    return {7: "weekly", 14: "every two weeks", 30: "monthly"}.get(days, f"every {days} days")


def build_check_in(c: CheckInDue) -> Rendered:
    blocks = [
        bk.section(
            Mrkdwn(
                f":telephone_receiver: Check-in due with *{escape(c.company_name)}*: the cadence"
                f" is {_cadence(c.every_days)}, and the last contact was {day(c.last_contact_on)}"
                f" ({c.days_since} days ago). After the call, log it with"
                f" `/onboard stakeholders {escape(c.company_name)}`."
            )
        )
    ]
    return Rendered(bk.fallback_text(f"Check-in due with {c.company_name}"), blocks)


RENDERERS = {
    CHECK_IN_KIND: renderer(CheckInDue, build_check_in),
    REVIEW_KIND: renderer(ReviewAgenda, build_review),
    RENEWAL_KIND: renderer(RenewalPrompt, build_renewal),
}
