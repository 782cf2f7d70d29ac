"""Block Kit for the onboarding report (internal: the internal channel or a DM, never a shared
channel) and the handover DM to the ongoing CSM, from bot/services/close_report.py's data."""

from __future__ import annotations

from bot.services.close_report import OnboardingReport, OpenItem
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, channel_link, count, day, escape, mention, truncate
from bot.slack.rendering import Rendered

LINES_MAX = 25
FIELD_MAX = 2900


def _lines(items: list[str], empty: str) -> str:
    if not items:
        return f"_{empty}_"
    shown = items[:LINES_MAX]
    more = f"\n…and {len(items) - LINES_MAX} more" if len(items) > LINES_MAX else ""
    return "\n".join(f"• {line}" for line in shown) + more


def _section(title: str, body: str) -> bk.Block:
    return bk.section(Mrkdwn(truncate(f"*{title}*\n{body}", FIELD_MAX)))


def _open_item(item: OpenItem) -> str:
    due = f" · due {item.due_date:%b %-d}" if item.due_date else ""
    owner = f" · {mention(item.owner_user_id)}" if item.owner_user_id else ""
    return f"{escape(truncate(item.text, 300))}{due}{owner}"


def _setup(report: OnboardingReport) -> str:
    if report.setup:
        lines = []
        for s in report.setup:
            note = f": {escape(truncate(s.note, 300))}" if s.note else ""
            lines.append(f"{escape(s.name)} · {escape(s.status.replace('_', ' '))}{note}")
        return _lines(lines, "")
    systems = escape(truncate(report.systems, 1000)) if report.systems else "none named"
    return f"_No integration tracked._ Systems from the handoff: {systems}"


def _training(report: OnboardingReport) -> str:
    lines = []
    for t in report.training:
        if t.delivered_on is None:
            lines.append(f"{escape(t.track)} · not delivered")
            continue
        attended = "?" if t.attended is None else str(t.attended)
        competency = {True: " · competency passed", False: " · competency not passed"}.get(
            t.competency_passed, ""
        )
        lines.append(
            f"{escape(t.track)} · delivered {t.delivered_on:%b %-d} · "
            f"{attended}/{t.invited} attended{competency}"
        )
    return _lines(lines, "No training session recorded.")


def _value(report: OnboardingReport) -> str:
    parts = []
    if report.first_value_definition:
        parts.append(f"Definition: {escape(truncate(report.first_value_definition, 500))}")
    if report.time_to_value_days is not None:
        target = (
            f" (target {report.target_days} days: "
            + ("within target" if report.within_target else "over target")
            + ")"
            if report.target_days is not None
            else ""
        )
        parts.append(
            f"First value on {day(report.first_value_on)}: *{report.time_to_value_days} days* "
            f"from the start{target}"
        )
    met = [escape(truncate(c, 300)) for c in report.first_value_criteria]
    parts.append("Criteria met:\n" + _lines(met, "none"))
    if report.criteria_open:
        parts.append(
            "Not met:\n" + _lines([escape(truncate(c, 300)) for c in report.criteria_open], "")
        )
    return "\n".join(parts)


def _milestones(report: OnboardingReport) -> str:
    on_time, judged = report.on_time
    head = f"{on_time}/{judged} completed on time"
    lines = []
    for m in report.milestones:
        if m.waived_reason is not None:
            lines.append(f"{escape(m.name)} · waived: {escape(truncate(m.waived_reason, 300))}")
        elif m.on_time is False and m.completed_on is not None:
            late = (m.completed_on - m.due_date).days
            lines.append(f"{escape(m.name)} · {count(late, 'day')} late (due {m.due_date:%b %-d})")
    return head + ("\n" + _lines(lines, "") if lines else "")


def build_report_blocks(report: OnboardingReport) -> list[bk.Block]:
    """The onboarding report: internal (it names blockers, stakeholders and lessons)."""
    blocks: list[bk.Block] = [
        bk.header(f"Onboarding report: {report.company_name}"),
        bk.context(
            Mrkdwn(
                f"{escape(report.segment)} · started {day(report.start_date)} · closed "
                f"{day(report.closed_on)} by {mention(report.closed_by)} · CSM "
                f"{mention(report.csm_user_id)} · AE {mention(report.ae_user_id)} · ongoing CSM "
                f"{mention(report.ongoing_csm_user_id)}"
            )
        ),
        _section(":gear: Setup completed", _setup(report)),
    ]
    if report.known_limitations:
        limits = [escape(truncate(line, 300)) for line in report.known_limitations]
        blocks.append(_section(":warning: Known limitations", _lines(limits, "")))
    blocks += [
        _section(":mortar_board: Training delivered", _training(report)),
        _section(":dart: First value and time to value", _value(report)),
        _section(":calendar: Milestones", _milestones(report)),
        _section(
            ":construction: Open items",
            "Blockers:\n"
            + _lines([_open_item(b) for b in report.open_blockers], "none open")
            + "\nCommitments:\n"
            + _lines([_open_item(c) for c in report.open_commitments], "none open"),
        ),
    ]
    if report.parking_lot:
        parked = [escape(truncate(line, 300)) for line in report.parking_lot]
        blocks.append(
            _section(":parking: Parking lot (deferred change requests)", _lines(parked, ""))
        )
    blocks += [
        _section(
            ":busts_in_silhouette: Stakeholders",
            _lines([escape(truncate(s, 300)) for s in report.stakeholders], "none recorded"),
        ),
        _section(":bulb: Lessons learned", escape(report.lessons_learned)),
    ]
    return bk.fit_message(blocks)


def report_text(report: OnboardingReport) -> str:
    closed = f"{report.closed_on:%b %-d, %Y}"
    return f"Onboarding report: {escape(report.company_name)} (closed {closed})"


def build_handover_blocks(report: OnboardingReport) -> list[bk.Block]:
    where = (
        f"The internal channel is {channel_link(report.internal_channel_id)}."
        if report.internal_channel_id
        else "It has no internal channel."
    )
    intro = bk.section(
        Mrkdwn(
            f":handshake: {mention(report.closed_by)} handed *{escape(report.company_name)}* "
            f"over to you: onboarding is closed and you are the ongoing CSM. {where} "
            "The onboarding report follows."
        )
    )
    return bk.fit_message([intro, bk.divider(), *build_report_blocks(report)])


def handover_text(report: OnboardingReport) -> str:
    return f"You are now the ongoing CSM for {escape(report.company_name)}: the onboarding report"


def build_report_message(report: OnboardingReport) -> Rendered:
    return Rendered(report_text(report), build_report_blocks(report))


def build_handover_message(report: OnboardingReport) -> Rendered:
    return Rendered(handover_text(report), build_handover_blocks(report))
