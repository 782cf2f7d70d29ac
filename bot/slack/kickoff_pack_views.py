"""Block Kit for the internal kickoff pack: the IMPACT agenda filled with the customer's handoff,
and the RACI draft. Pure builders: no database, no Slack client.

Every list is capped (LIST_MAX lines, then "…and N more") and every section kept within Slack's
3,000 characters, so the pack fits one message (50 blocks) for any customer.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.models import StakeholderRole
from bot.services.kickoff import KickoffPack
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, channel_link, day, escape, mention, truncate

LIST_MAX = 15
ITEM_MAX = 200


def _short(text: str, limit: int = ITEM_MAX) -> Mrkdwn:
    return escape(truncate(" ".join(text.split()), limit))


def _bullets(lines: list[str], empty: str) -> str:
    if not lines:
        return f"_{empty}_"
    shown = lines[:LIST_MAX]
    more = len(lines) - len(shown)
    tail = [f"…and {more} more"] if more else []
    return "\n".join(f"• {line}" for line in shown + tail)


def _section(title: str, purpose: str, body: str) -> list[bk.Block]:
    text = Mrkdwn(
        f"*{escape(title)}*\n_{escape(purpose)}_\n{body}"
        if purpose
        else f"*{escape(title)}*\n{body}"
    )
    return [bk.section(text)]


def pack_text(pack: KickoffPack) -> str:
    return f"Kickoff pack: {escape(pack.company_name)}"


def _role(value: str) -> str:
    return StakeholderRole(value).label if value in set(StakeholderRole) else value


def _introductions(pack: KickoffPack) -> str:
    people = [
        f"{_short(p.name, 100)}"
        + (f", {_short(p.title, 100)}" if p.title else "")
        + f" ({escape(_role(p.role))})"
        + (f" {mention(p.slack_user_id)}" if p.slack_user_id else "")
        for p in pack.stakeholders
    ]
    ours = f"Our team: CSM {mention(pack.csm_user_id)}, AE {mention(pack.ae_user_id)}"
    return f"{_bullets(people, 'No stakeholders in the handoff yet')}\n{ours}"


def _mutual_objectives(pack: KickoffPack) -> str:
    criteria = [
        _short(c.text)
        + (f" (by {day(c.target_date)})" if c.target_date else "")
        + (" — *first value*" if c.is_first_value else "")
        for c in pack.criteria
    ]
    first_value = (
        f"*First value (agreed):* {_short(pack.first_value_definition, 500)}"
        if pack.first_value_definition
        else "*First value:* _to define together today, in measurable terms_"
    )
    why = f"*Why they bought:* {_short(pack.why_bought, 500)}\n" if pack.why_bought else ""
    listed = _bullets(criteria, "No success criteria yet")
    return f"{why}*Success criteria:*\n{listed}\n{first_value}"


def _plan(pack: KickoffPack) -> str:
    scope = [
        f"*{label}:* {_short(value, 300)}"
        for label, value in (
            ("Systems", pack.systems),
            ("SSO", pack.sso),
            ("Data migration", pack.data_migration),
            ("Constraints", pack.constraints),
            ("Out of scope", pack.out_of_scope),
        )
        if value
    ]
    phases = " → ".join(escape(p) for p in pack.phases[:LIST_MAX])
    return (f"*Phases:* {phases}\n" if phases else "") + "\n".join(
        scope or ["_No technical context in the handoff_"]
    )


def _accountability(pack: KickoffPack) -> str:
    promises = [
        _short(c.text)
        + (f" — {mention(c.owner_user_id)}" if c.owner_user_id else " — _no owner_")
        + (f", due {day(c.due_date)}" if c.due_date else "")
        for c in pack.commitments
    ]
    return (
        "*Promises from the sale:*\n"
        + _bullets(promises, "No open commitments")
        + "\n_The RACI draft is below._"
    )


def _communication(pack: KickoffPack) -> str:
    def agreed(value: str) -> str:
        return _short(value, 300) if value else "_to agree_"

    channel = channel_link(pack.customer_channel_id) if pack.customer_channel_id else "_none yet_"
    return "\n".join(
        [
            f"*Meeting cadence:* {agreed(pack.meeting_cadence)}",
            f"*Escalation path:* {agreed(pack.escalation_path)}",
            f"*Customer channel:* {channel}",
        ]
    )


def _timeline(pack: KickoffPack) -> str:
    milestones = [
        f"{'~' if m.done else ''}{_short(m.name, 100)}{'~' if m.done else ''} — {day(m.due_date)}"
        + (" (first value)" if m.is_first_value else "")
        + (" (go-live)" if m.is_go_live else "")
        for m in pack.milestones
    ]
    targets = [
        f"*Target first value:* {day(pack.target_first_value_date)}"
        if pack.target_first_value_date
        else "",
        f"*Target go-live:* {day(pack.target_go_live_date)}" if pack.target_go_live_date else "",
        f"*Hard deadlines:* {_short(pack.hard_deadlines, 300)}" if pack.hard_deadlines else "",
    ]
    shown = "\n".join(line for line in targets if line)
    return (f"{shown}\n" if shown else "") + _bullets(milestones, "No milestones")


# The body of each IMPACT section, by its key in templates/kickoff.yml.
AGENDA_BODIES: dict[str, Callable[[KickoffPack], str]] = {
    "introductions": _introductions,
    "mutual_objectives": _mutual_objectives,
    "plan": _plan,
    "accountability": _accountability,
    "communication": _communication,
    "timeline": _timeline,
}


def build_raci_blocks(pack: KickoffPack) -> list[bk.Block]:
    lines = [
        f"*{escape(r.phase)}*  R: {escape(', '.join(r.responsible))} · A: {escape(r.accountable)}"
        + (f" · C: {escape(', '.join(r.consulted))}" if r.consulted else "")
        + (f" · I: {escape(', '.join(r.informed))}" if r.informed else "")
        for r in pack.raci
    ]
    blocks = [bk.section(Mrkdwn("*RACI draft* (from the playbook's checklist owners)"))]
    chunk: list[str] = []
    for line in lines:  # several sections if the phases' lines pass 3,000 characters
        if chunk and len("\n".join([*chunk, line])) > bk.SECTION_TEXT_MAX - 100:
            blocks.append(bk.section(Mrkdwn("\n".join(chunk))))
            chunk = []
        chunk.append(truncate(line, 1000))
    if chunk:
        blocks.append(bk.section(Mrkdwn("\n".join(chunk))))
    blocks.append(
        bk.context(
            "R = owns the phase's checklist items · A = the CSM · C = owners of the phases "
            "before and after · I = everyone else on the playbook. A draft to agree at the kickoff."
        )
    )
    return blocks


def build_kickoff_pack_blocks(pack: KickoffPack) -> list[bk.Block]:
    """The internal kickoff agenda (IMPACT) and the RACI draft, within Slack's limits."""
    blocks: list[bk.Block] = [
        bk.header(f"Kickoff pack: {pack.company_name}"),
        bk.context(
            "Internal: agenda and RACI draft for the kickoff. Not for the customer channel."
        ),
    ]
    for agenda in pack.agenda:
        blocks += _section(agenda.title, agenda.purpose, AGENDA_BODIES[agenda.key](pack))
    blocks.append(bk.divider())
    blocks += build_raci_blocks(pack)
    return bk.fit_message(blocks)
