"""The living plan message: pure Block Kit builders from a `PlanView` (no database, no Slack).

Everything shown comes from `PlanView`, which holds only customer-safe fields, so the message is
safe in a channel shared with the customer. The outbox stores the `PlanView` of a `plan` post and
this renders it when it is sent; nothing else (no time of day) goes into the message, so an
unchanged view, which costs no Slack call, is an unchanged message.
"""

from __future__ import annotations

from bot.services.plan import PhaseState, PlanMilestone, PlanPhase, PlanView
from bot.services.plan_refresh import PLAN_KIND
from bot.services.status import MilestoneState
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, render
from bot.slack.rendering import Rendered, renderer

STATE_ICON = {
    MilestoneState.COMPLETE: ":white_check_mark:",
    MilestoneState.WAIVED: ":heavy_minus_sign:",
    MilestoneState.ON_TRACK: ":white_circle:",
    MilestoneState.AT_RISK: ":large_yellow_circle:",
    MilestoneState.OVERDUE: ":red_circle:",
    MilestoneState.BLOCKED: ":no_entry:",
}
# Customer-facing words: "at risk" in status.py only means "due within two days".
STATE_LABEL = {
    MilestoneState.ON_TRACK: "on track",
    MilestoneState.AT_RISK: "due soon",
    MilestoneState.OVERDUE: "overdue",
    MilestoneState.BLOCKED: "blocked",
}
PHASE_MARK = {PhaseState.DONE: ":white_check_mark: ", PhaseState.CURRENT: ":arrow_forward: "}


def _milestone_line(m: PlanMilestone) -> str:
    star = " :star:" if m.first_value else ""
    rocket = " :rocket:" if m.go_live else ""
    name = f"{STATE_ICON[m.state]} {escape(m.name)}{star}{rocket}"
    if m.state == MilestoneState.COMPLETE:
        return f"{name}: done {day(m.completed_on)}"
    if m.state == MilestoneState.WAIVED:
        return f"{name}: not needed"
    return f"{name}: due {day(m.due_date)} · _{STATE_LABEL[m.state]}_"


def _phase_block(phase: PlanPhase) -> bk.Block:
    title = f"{PHASE_MARK.get(phase.state, '')}*{escape(phase.name)}*"
    lines = [_milestone_line(m) for m in phase.milestones]
    return bk.section(Mrkdwn("\n".join([title, *lines])))


def _journey(view: PlanView) -> str:
    parts = []
    for phase in view.phases:
        name = escape(phase.name)
        parts.append(
            f"*{name}*"
            if phase.state == PhaseState.CURRENT
            else f"~{name}~"
            if phase.state == PhaseState.DONE
            else name
        )
    return Mrkdwn(" → ".join(parts))


def _next_block(view: PlanView) -> bk.Block | None:
    nxt = view.next_milestone
    if nxt is None:
        return None
    text = (
        f"*Next:* {escape(nxt.name)}, due {day(nxt.due_date)} "
        f"(_{STATE_LABEL.get(nxt.state, nxt.state)}_). Owner: {mention(view.next_owner_user_id)}"
    )
    if view.customer_steps:
        steps = [
            f"• {escape(s.text)}: "
            + (mention(s.owner_user_id) if s.owner_user_id else escape(s.owner_label))
            for s in view.customer_steps
        ]
        text += "\n*From your side:*\n" + "\n".join(steps)
    return bk.section(Mrkdwn(text))


def _targets(view: PlanView) -> str:
    parts = [f"Started {day(view.start_date)}"]
    if view.first_value_target:
        parts.append(f":star: First value target {day(view.first_value_target)}")
    if view.go_live_target:
        parts.append(f":rocket: Go-live target {day(view.go_live_target)}")
    return Mrkdwn(" · ".join(parts))


def build_plan_blocks(view: PlanView) -> list[bk.Block]:
    blocks: list[bk.Block] = [
        bk.header(f"Onboarding plan: {view.company_name}"),
        bk.section(render("plan_intro", view=view)),
        bk.context(_targets(view)),
        bk.context(_journey(view)),
    ]
    if (nxt := _next_block(view)) is not None:
        blocks.append(nxt)
    blocks.append(bk.divider())
    blocks += [_phase_block(phase) for phase in view.phases if phase.milestones]
    blocks.append(
        bk.context(
            "Onboard keeps this message up to date as the plan changes. "
            ":star: first value · :rocket: go-live"
        )
    )
    return bk.fit_message(blocks)


def plan_fallback_text(view: PlanView) -> str:
    return bk.fallback_text(
        f"Onboarding plan: {escape(view.company_name)} ({view.done}/{view.total} milestones done)"
    )


def render_plan(view: PlanView) -> Rendered:
    return Rendered(plan_fallback_text(view), build_plan_blocks(view))


RENDERERS = {PLAN_KIND: renderer(PlanView, render_plan)}
