"""The go-live readiness gate modal, its replies and the go-live post.

Pure functions of typed input: no database, no Slack calls.

Layout within Slack's 100 blocks per view: a header line, one header per group, and per item a
required YES/NO (radio buttons, with the owner as hint) followed by an optional note. A gate too
long for two blocks an item (more than about 45 items) keeps one YES/NO per item and asks for one
note per group instead; the playbook schema caps a gate at GATE_ITEMS_MAX items so that this
always fits. Should more gate items ever exist, the modal shows what fits and says how many it
left out, and submitting it is refused with an error on its last item (never a partial gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.services.errors import DomainError
from bot.services.gate import AlreadyDecided, GateDecision, GateOutcome
from bot.services.gate_items import GateAnswer, GateCheck, GateForm, GateItem
from bot.services.go_live_post import GO_LIVE_POST_KIND, GoLivePost
from bot.slack import blocks as bk
from bot.slack.celebration_views import against_plan
from bot.slack.forms import ViewForm
from bot.slack.ids import GateId
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, render, truncate
from bot.slack.refusals import refusal_text
from bot.slack.rendering import Rendered, renderer

GROUP_NAMES = {
    "technical": "Technical",
    "operational": "Operational",
    "business": "Business",
    "support": "Support",
    "other": "Other",
}
ROLE_NAMES = {"ae": "AE", "csm": "CSM", "se": "SE"}
YES, NO = "yes", "no"
NOTE_INPUT_MAX = 500
OVERRIDE_INPUT_MAX = 2000
BLOCKERS_LISTED_MAX = 40
OUTCOME_WORDS = {
    GateOutcome.PROCEED: "every item YES, it went live",
    GateOutcome.REFUSED: "go-live refused",
    GateOutcome.OVERRIDE: "overridden, it went live",
}


class GateMetadata(BaseModel):
    """`private_metadata`: which onboarding, where to answer, and the items the modal shows
    (the service still asks for every gate item: one not shown is never taken as answered)."""

    onboarding_id: int
    channel_id: str | None = None
    item_ids: list[int] = []
    group_notes: bool = False  # the long-gate layout: one note per group
    groups: dict[str, list[int]] = {}  # group -> item ids, for the group notes


@dataclass(frozen=True)
class GateSubmission:
    answers: dict[int, GateAnswer]
    override_reason: str | None  # None: the field was empty (or not shown)


def read_gate_form(form: ViewForm, metadata: GateMetadata) -> GateSubmission:
    """The gate modal's fields as typed input."""
    group_note: dict[int, str] = {}
    if metadata.group_notes:
        for group, ids in metadata.groups.items():
            note = form.text(f"{GateId.GROUP_NOTE}-{group}")
            group_note.update({item_id: note for item_id in ids})
    answers: dict[int, GateAnswer] = {}
    for item_id in metadata.item_ids:
        chosen = form.choice(f"{GateId.ITEM}-{item_id}")
        yes = True if chosen == YES else False if chosen == NO else None
        note = form.text(f"{GateId.NOTE}-{item_id}") or group_note.get(item_id, "")
        answers[item_id] = GateAnswer(item_id, yes, note)
    reason = form.text(GateId.OVERRIDE)
    return GateSubmission(answers, reason if reason.strip() else None)


def item_block_id(item_id: int) -> str:
    return f"{GateId.ITEM}-{item_id}"


# ---- the modal ------------------------------------------------------------------------------


def _role(owner_role: str) -> str:
    return ROLE_NAMES.get(owner_role, owner_role.replace("_", " "))


def _radio(item: GateItem) -> bk.Block:
    previous = None if item.previous is None else YES if item.previous else NO
    options = [bk.option("YES", YES), bk.option("NO", NO)]
    element = bk.radio_element(GateId.INPUT, options, initial=previous)
    hint = f"Owner: {_role(item.owner_role)}"
    return bk.input_block(item_block_id(item.item_id), item.text, element, hint=hint)


def _note(block_id: str, label: str, initial: str = "", hint: str = "") -> bk.Block:
    element = bk.text_element(
        GateId.INPUT,
        initial,
        max_length=NOTE_INPUT_MAX,
        placeholder="What is missing, and by when?",
    )
    return bk.input_block(block_id, label, element, optional=True, hint=hint)


def _override_block() -> bk.Block:
    element = bk.text_element(GateId.INPUT, multiline=True, max_length=OVERRIDE_INPUT_MAX)
    return bk.input_block(
        GateId.OVERRIDE,
        "Override and go live (admins only)",
        element,
        optional=True,
        hint="Only when some answers are NO or an automatic check failed, and go-live must still "
        "happen: write why. The "
        "override and its reason are logged and shown on the status card; the NO items still "
        "become blockers.",
    )


def _fits(items: int, groups: int, fixed: int, *, per_item: int, per_group: int) -> bool:
    return fixed + groups * per_group + items * per_item <= bk.MAX_VIEW_BLOCKS


def build_gate_modal(form: GateForm, channel_id: str | None = None) -> dict[str, Any]:
    """The readiness modal: YES/NO and a note per item, grouped by area (see module doc)."""
    grouped = form.by_group()
    # intro, automatic checks, override, "left out" line
    fixed = 1 + (1 if form.checks else 0) + (1 if form.can_override else 0) + 1
    full = _fits(len(form.items), len(grouped), fixed, per_item=2, per_group=1)
    blocks: list[bk.Block] = [bk.section(_intro(form))]
    if form.checks:
        blocks.append(bk.section(check_lines(form.checks)))
    budget = bk.MAX_VIEW_BLOCKS - fixed
    shown: list[int] = []
    groups: dict[str, list[int]] = {}
    for group, items in grouped:
        if budget < (2 if full else 3):
            break
        blocks.append(bk.header(f"{GROUP_NAMES.get(group, group.title())} ({len(items)})"))
        budget -= 1 if full else 2  # the header, and in the long layout the group's note
        for item in items:
            if budget < (2 if full else 1):
                break
            blocks.append(_radio(item))
            shown.append(item.item_id)
            groups.setdefault(group, []).append(item.item_id)
            budget -= 1
            if full:
                blocks.append(_note(f"{GateId.NOTE}-{item.item_id}", "Note", item.previous_note))
                budget -= 1
        if not full:
            blocks.append(
                _note(
                    f"{GateId.GROUP_NOTE}-{group}",
                    f"Note on the {GROUP_NAMES.get(group, group)} NO items",
                    hint="Added to each NO item of this group when it becomes a blocker.",
                )
            )
    left_out = len(form.items) - len(shown)
    if left_out:
        blocks.append(bk.context(_left_out_text(left_out)))
    if not form.items:
        blocks.append(
            bk.section("This onboarding's playbook has no readiness items: submit to go live.")
        )
    if form.can_override:
        blocks.append(_override_block())
    metadata = GateMetadata(
        onboarding_id=form.onboarding_id,
        channel_id=channel_id,
        item_ids=shown,
        group_notes=not full,
        groups=groups if not full else {},
    )
    return {
        "type": "modal",
        "callback_id": GateId.VIEW,
        "title": bk.plain("Go-live readiness", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Decide"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": blocks[: bk.MAX_VIEW_BLOCKS],
    }


def _left_out_text(left_out: int) -> str:
    fit = "does not fit" if left_out == 1 else "do not fit"
    shown = "is not shown" if left_out == 1 else "are not shown"
    return (
        f"{count(left_out, 'gate item')} {fit} in one Slack modal and {shown}: shorten the "
        "playbook's gate list. The gate cannot pass until every item is answered."
    )


def _intro(form: GateForm) -> Mrkdwn:
    again = (
        " Your previous answers are filled in."
        if form.last_outcome and any(i.previous is not None for i in form.items)
        else ""
    )
    return Mrkdwn(
        f":vertical_traffic_light: *Go-live readiness gate · "
        f"{escape(truncate(form.company_name, 200))}*\n"
        f"Answer each of the {len(form.items)} items. All YES: go-live proceeds and hypercare "
        f"starts. Any NO: go-live waits, and each NO item becomes a blocker with an owner.{again}"
        + _failed_intro(form.failed_checks)
    )


def _failed_intro(failed: list[GateCheck]) -> str:
    if not failed:
        return ""
    return (
        f"\n:no_entry: {count(len(failed), 'automatic check')} failed: go-live is refused until "
        "it passes, even with every answer YES."
    )


def check_lines(checks: list[GateCheck]) -> Mrkdwn:
    """The automatic checks (playbook `gate_requires`), each failed one with its reasons."""
    lines = ["*Automatic checks*"]
    for check in checks:
        if check.passed:
            lines.append(f":white_check_mark: {escape(check.text)}")
            continue
        lines.append(f":x: *Failed:* {escape(check.text)}")
        lines += [f"      • {escape(truncate(r, 300))}" for r in check.reasons]
    return Mrkdwn(truncate("\n".join(lines), bk.SECTION_TEXT_MAX))


def refusal_message(refused: DomainError) -> Mrkdwn:
    """A refused decision, worded (user text escaped); any other one as refusal_text words it."""
    if isinstance(refused, AlreadyDecided):
        outcome = OUTCOME_WORDS[refused.outcome]
        return render("gate_already_decided", refused=refused, outcome=outcome)
    return Mrkdwn(refusal_text(refused))


def build_notice_view(text: str, title: str = "Go-live readiness") -> dict[str, Any]:
    """What replaces the modal when it cannot be decided (no permission, already live)."""
    return {
        "type": "modal",
        "title": bk.plain(title, bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(Mrkdwn(text))],
    }


# ---- the decision ---------------------------------------------------------------------------


def _blocker_lines(decision: GateDecision) -> list[str]:
    lines = [
        f"• {escape(truncate(b.reason, 300))} · {mention(b.owner_user_id)}"
        + ("" if b.new else " _(already open)_")
        for b in decision.blockers[:BLOCKERS_LISTED_MAX]
    ]
    if len(decision.blockers) > BLOCKERS_LISTED_MAX:
        lines.append(f"_…and {len(decision.blockers) - BLOCKERS_LISTED_MAX} more_")
    return lines


def decision_text(decision: GateDecision) -> Mrkdwn:
    """The one-line answer (and notification text)."""
    company = escape(decision.company_name)
    if decision.outcome == "refused":
        return _refused_text(decision, company)
    live = decision.go_live
    assert live is not None
    friday = " Today is a Friday: make sure someone covers the weekend." if live.on_friday else ""
    head = (
        f":warning: Gate overridden: *{company}* is live ({day(live.go_live_on)}) despite "
        f"{_overridden(decision)}."
        if decision.outcome == "override"
        else f":rocket: Readiness gate passed: *{company}* is live ({day(live.go_live_on)})."
    )
    return Mrkdwn(
        f"{head} Hypercare runs {live.business_days} business days, until "
        f"{day(live.hypercare_ends_on)}; the daily sync posts at 09:00 on business days. "
        f"Log issues with `/onboard issue {company} P1|P2|P3|P4 <title>`.{friday}"
    )


def _refused_text(decision: GateDecision, company: str) -> Mrkdwn:
    refused = len(decision.blockers)
    failed = ", ".join(c.text for c in decision.failed_checks)
    checks = f" Failed automatic checks: {escape(failed)}." if failed else ""
    if not refused:
        return Mrkdwn(
            f":no_entry: Go-live refused for *{company}*.{checks} Fix them, then run "
            f"`/onboard golive {company}` again."
        )
    now_blockers = (
        "It is now a blocker; resolve it" if refused == 1 else "They are now blockers; resolve them"
    )
    return Mrkdwn(
        f":no_entry: Go-live refused for *{company}*: {count(refused, 'readiness item')} "
        f"answered NO.{checks} {now_blockers}, then run `/onboard golive {company}` again."
    )


def _overridden(decision: GateDecision) -> str:
    """What the override went past: the NO answers, then the failed automatic checks."""
    parts = [count(len(decision.blockers), "NO answer")] if decision.blockers else []
    if decision.failed_checks:
        failed = ", ".join(c.text for c in decision.failed_checks)
        parts.append(f"failed automatic checks ({escape(failed)})")
    return " and ".join(parts) or count(0, "NO answer")


def build_decision_blocks(decision: GateDecision) -> list[bk.Block]:
    """The ephemeral reply: the decision, then the blockers (NO items) with their owners."""
    blocks: list[bk.Block] = [bk.section(decision_text(decision))]
    if decision.failed_checks:
        blocks.append(bk.section(check_lines(decision.failed_checks)))
    if decision.blockers:
        title = "Blockers" if decision.outcome == "refused" else "Still open (NO answers)"
        lines = _blocker_lines(decision)
        text = f"*{title}*"
        for line in lines:
            if len(text) + len(line) + 1 > bk.SECTION_TEXT_MAX - 100:
                blocks.append(bk.section(Mrkdwn(text)))
                text = ""
            text = f"{text}\n{line}" if text else line
        blocks.append(bk.section(Mrkdwn(text)))
    if decision.outcome == "override":
        blocks.append(
            bk.context(Mrkdwn(f"Reason: {escape(truncate(decision.override_reason, 1500))}"))
        )
    return bk.fit_message(blocks)


def build_decision_view(decision: GateDecision) -> dict[str, Any]:
    """The modal after the decision: the same content as the reply."""
    return {
        "type": "modal",
        "title": bk.plain("Go-live readiness", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": build_decision_blocks(decision),
    }


# ---- the go-live post (customer-safe) -------------------------------------------------------


def go_live_post_text(post: GoLivePost) -> str:
    ends = day(post.go_live.hypercare_ends_on)
    return f"{escape(post.company_name)} is live! Hypercare until {ends}."


def build_go_live_post_blocks(post: GoLivePost) -> list[bk.Block]:
    """Names, dates, who to call and the rollback triggers: nothing internal (no ARR, health,
    risks, gate answers or override), so it is safe in a channel shared with the customer."""
    live = post.go_live
    triggers = "\n".join(f"• {escape(truncate(t, 300))}" for t in post.rollback_triggers)
    when = day(live.go_live_on)
    if post.days_vs_plan is not None:
        when += f", {against_plan(post.days_vs_plan)}"
    return [
        bk.section(
            Mrkdwn(
                f":rocket: *{escape(truncate(post.company_name, 200))} is live!* "
                f"({when})\nHypercare runs {live.business_days} business days, "
                f"until {day(live.hypercare_ends_on)}, with a daily sync here at 09:00 on "
                f"business days. Report any problem in this channel; "
                f"{mention(post.csm_user_id)} leads hypercare."
            )
        ),
        bk.section(
            Mrkdwn(
                f"*Rollback triggers*: if any of these happens, we roll back and tell you "
                f"right away.\n{triggers}"
            )
        ),
    ]


def build_go_live_post(post: GoLivePost) -> Rendered:
    return Rendered(go_live_post_text(post), build_go_live_post_blocks(post))


RENDERERS = {GO_LIVE_POST_KIND: renderer(GoLivePost, build_go_live_post)}
