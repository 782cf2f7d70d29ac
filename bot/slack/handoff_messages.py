"""The messages a handoff produces: the whole handoff for the CSM and internal channels, the
CSM's DM, the AE's confirmation and the customer's welcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.models import Onboarding, StakeholderRole
from bot.parsing import StakeholderLine
from bot.slack import blocks as bk
from bot.slack.ids import HandoffId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, money, render, truncate
from bot.slack.status_sections import chunks

SEVERITY_ICON = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":white_circle:"}


def _lines(items: list[str], empty: str = "_none_") -> Mrkdwn:
    if not items:
        return Mrkdwn(empty)
    return Mrkdwn("\n".join(f"• {item}" for item in items))


def _stakeholder_line(s: Any) -> str:
    contact = mention(s.slack_user_id) if s.slack_user_id else escape(s.email or "")
    title = f", {escape(s.title)}" if s.title else ""
    return f"*{escape(s.name)}*{title}: {StakeholderRole(s.role).label} ({contact})"


def _milestone_lines(onboarding: Onboarding) -> Mrkdwn:
    lines = []
    for m in onboarding.milestones:
        mark = ":white_check_mark:" if m.is_done else ":white_circle:"
        star = " :star:" if m.is_first_value else ""
        lines.append(f"{mark} {escape(m.name)}{star}: {day(m.due_date)}")
    return Mrkdwn("\n".join(lines))


def _deal_blocks(o: Onboarding) -> list[bk.Block]:
    missing = [escape(m) for m in o.handoff_missing]
    return [
        bk.header(f"Handoff: {o.company_name}"),
        bk.fields(
            [
                Mrkdwn(field)
                for field in (
                    f"*Segment*\n{escape(o.segment)}",
                    f"*ARR*\n{money(o.arr)}",
                    f"*Start*\n{day(o.start_date)}",
                    f"*Term*\n{escape(o.contract_term) or '—'}",
                    f"*CSM*\n{mention(o.csm_user_id)}",
                    f"*AE*\n{mention(o.ae_user_id)}",
                    f"*First value target*\n{day(o.target_first_value_date)}",
                    f"*Go-live target*\n{day(o.target_go_live_date)}",
                )
            ]
        ),
        bk.section(
            Mrkdwn(
                f"*Handoff score: {o.handoff_score}/100*\n"
                + (_lines(missing) if missing else "Nothing missing.")
            )
        ),
    ]


def _why_and_what_blocks(o: Onboarding) -> list[bk.Block]:
    """Who is involved, why they bought, what they expect: criteria, promises, risks."""
    criteria = [
        escape(c.text) + (f" (by {day(c.target_date)})" if c.target_date else "")
        for c in o.success_criteria
    ]
    promises = [
        escape(c.text) + f" (due {day(c.due_date)})" for c in o.commitments if not c.timing_key
    ]
    risks = [f"{SEVERITY_ICON.get(r.severity, '')} {escape(r.text)}" for r in o.risks]
    why = (escape(o.why_bought) or "_not recorded_") + (
        "\n*Alternatives:* " + escape(o.alternatives) if o.alternatives else ""
    )
    return [
        bk.section(
            Mrkdwn("*Stakeholders*\n" + _lines([_stakeholder_line(s) for s in o.stakeholders]))
        ),
        bk.section(Mrkdwn("*Why they bought*\n" + why)),
        bk.section(Mrkdwn("*Success criteria*\n" + _lines(criteria))),
        bk.section(Mrkdwn("*Promises made (tracked)*\n" + _lines(promises))),
        bk.section(Mrkdwn("*Risks and red flags*\n" + _lines(risks))),
    ]


def _technical_blocks(o: Onboarding) -> list[bk.Block]:
    tech = [
        f"*{label}:* {escape(truncate(value, 600))}"
        for label, value in (
            ("Systems", o.systems),
            ("SSO", o.sso),
            ("Data migration", o.data_migration),
            ("Constraints", o.constraints),
        )
        if value
    ]
    blocks = [bk.section(Mrkdwn("*Technical context*\n" + ("\n".join(tech) or "_not captured_")))]
    if o.out_of_scope or o.hard_deadlines:
        blocks.append(
            bk.section(
                Mrkdwn(
                    (f"*Out of scope:* {escape(o.out_of_scope)}\n" if o.out_of_scope else "")
                    + (f"*Deadlines:* {escape(o.hard_deadlines)}" if o.hard_deadlines else "")
                )
            )
        )
    return blocks


def build_handoff_summary_blocks(onboarding: Onboarding) -> list[bk.Block]:
    """The whole handoff, internal details included: for the CSM, the AE, internal channels."""
    o = onboarding
    return [
        *_deal_blocks(o),
        *_why_and_what_blocks(o),
        *_technical_blocks(o),
        bk.section(Mrkdwn(f"*Plan ({escape(o.playbook)} playbook)*\n" + _milestone_lines(o))),
    ]


def build_csm_handoff_dm(onboarding: Onboarding) -> list[bk.Block]:
    intro = render("handoff_csm_intro", onboarding=onboarding)
    blocks = [bk.section(intro), *build_handoff_summary_blocks(onboarding)]
    if onboarding.acknowledged_at is None:
        blocks.append(
            bk.actions(
                bk.button(
                    "Acknowledge handoff", HandoffId.ACKNOWLEDGE, str(onboarding.id), "primary"
                ),
            )
        )
    else:
        blocks.append(
            bk.context(
                f":white_check_mark: Acknowledged by {mention(onboarding.acknowledged_by)} "
                f"on {day(onboarding.acknowledged_at.date())}"
            )
        )
    return bk.fit_message(blocks)


@dataclass(frozen=True)
class HandoffSent:
    """What the AE's confirmation says about the stored handoff (read before Slack is called)."""

    company_name: str
    csm_user_id: str
    segment: str
    target_go_live_date: date | None
    handoff_score: int
    handoff_missing: list[str]
    stakeholders: list[StakeholderLine]  # as stored, so the AE sees how each line was read

    @classmethod
    def of(cls, o: Onboarding) -> HandoffSent:
        return cls(
            o.company_name,
            o.csm_user_id,
            o.segment,
            o.target_go_live_date,
            o.handoff_score,
            list(o.handoff_missing),
            [
                StakeholderLine(s.name, s.title, StakeholderRole(s.role), s.slack_user_id, s.email)
                for s in o.stakeholders
            ],
        )


def _understood_line(s: StakeholderLine) -> str:
    contact = mention(s.slack_user_id) if s.slack_user_id else escape(truncate(s.email or "", 120))
    return render(
        "handoff_stakeholder_read",
        person=truncate(s.name, 120),
        title=truncate(s.title, 120),
        role=s.role.label,
        contact=contact,
    )


def build_ae_confirmation(sent: HandoffSent, internal_channel_id: str | None) -> list[bk.Block]:
    text = render(
        "handoff_ae_confirmation", onboarding=sent, internal_channel_id=internal_channel_id
    )
    blocks = [bk.section(text)]
    if sent.stakeholders:
        lines = [_understood_line(s) for s in sent.stakeholders]
        blocks += chunks(lines, "Stakeholders, as Onboard read them")
    if sent.handoff_missing:
        blocks.append(
            bk.section(
                Mrkdwn("*What is missing*\n" + _lines([escape(m) for m in sent.handoff_missing]))
            )
        )
    return blocks


def build_welcome_blocks(onboarding: Onboarding) -> list[bk.Block]:
    """Safe for a channel shared with the customer: no ARR, risks, score or detractors."""
    return [
        bk.section(render("customer_welcome", onboarding=onboarding)),
        bk.section(Mrkdwn("*Your onboarding plan*\n" + _milestone_lines(onboarding))),
        bk.context(":star: marks first value: the moment you see the result you bought us for."),
    ]


def acknowledged_text(user_id: str, company_name: str) -> Mrkdwn:
    """The AE's DM when the CSM acknowledges the handoff."""
    return Mrkdwn(f"{mention(user_id)} acknowledged the handoff for *{escape(company_name)}*.")


def duplicate_error(company_name: str, onboarding_id: int, owner: str) -> str:
    """The company-name field's error when the company already has an open onboarding."""
    return f"{company_name} already has an open onboarding (#{onboarding_id}, owned by {owner})."
