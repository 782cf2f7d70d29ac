"""The training plan (`/onboard training <customer>`): the ephemeral card with its buttons, the
schedule and mark-delivered modals, and reading them back.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.playbooks import TRAINING_FORMAT_LABELS
from bot.services.training import (
    DeliveryEntry,
    ScheduleEntry,
    SessionLine,
    TrackPlan,
    TrackStatus,
    TrainingChange,
    TrainingField,
    TrainingPlan,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import TrainingId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, truncate

STATUS_LABELS = {
    TrackStatus.NOT_SCHEDULED: ":white_circle: not scheduled",
    TrackStatus.SCHEDULED: ":calendar: scheduled",
    TrackStatus.DELIVERED: ":white_check_mark: delivered",
    TrackStatus.BELOW_THRESHOLD: ":warning: below threshold",
}
SESSIONS_LISTED_MAX = 6
DELIVER_BUTTONS_MAX = 20
COMPETENCY_YES, COMPETENCY_NO, COMPETENCY_NONE = "yes", "no", "none"


class TrainingMetadata(bk.CardModalMetadata):
    """`private_metadata` of the modals: the session to mark delivered (None: schedule one)."""

    session_id: int | None = None


def percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _attendance(s: SessionLine) -> str:
    if s.attended is None or not s.invited:
        return f"{s.invited} invited"
    share = round(Decimal(s.attended) * 100 / s.invited)
    return f"{s.attended}/{s.invited} attended ({share}%)"


def _competency(s: SessionLine) -> str:
    if s.competency_passed is None:
        return ""
    return " · competency check passed" if s.competency_passed else " · competency check failed"


def _session_line(track: TrackPlan, s: SessionLine) -> str:
    when = day(s.scheduled_on) if s.scheduled_on else "no date"
    by = f" · {mention(s.trainer_user_id)}" if s.trainer_user_id else ""
    if s.delivered:
        mark = ":white_check_mark:" if track.counts(s) else ":warning:"
        return f"{mark} {when}{by} · delivered · {_attendance(s)}{_competency(s)}"
    return f":calendar: {when}{by} · {s.invited} invited · not delivered yet"


def _track_text(track: TrackPlan) -> Mrkdwn:
    required = "required" if track.required else "optional"
    head = (
        f"*{escape(track.name)}* · {track.audience_label}\n"
        f"{TRAINING_FORMAT_LABELS.get(track.format, track.format)} · "
        f"{track.duration_minutes} min · {required} · {STATUS_LABELS[track.status]}"
        f" (threshold {percent(track.threshold)})"
    )
    lines = [_session_line(track, s) for s in track.sessions[-SESSIONS_LISTED_MAX:]]
    if len(track.sessions) > SESSIONS_LISTED_MAX:
        lines.insert(0, f"…{len(track.sessions) - SESSIONS_LISTED_MAX} earlier sessions")
    return Mrkdwn(truncate("\n".join([head, *lines]), 2900))


def _summary(plan: TrainingPlan) -> str:
    name = plan.milestone_name or "Training delivered"
    if plan.complete:
        rule = "every required track is delivered above its threshold"
    else:
        gap = ", ".join(t.audience_label for t in plan.gap)
        rule = f"not delivered above threshold yet: {gap}"
    if plan.milestone_name is None:
        return f"Required tracks: {rule}."
    if plan.milestone_done and not plan.complete:
        return f":white_check_mark: *{name}* was marked done, but the plan has a gap: {rule}."
    state = ":white_check_mark: done" if plan.milestone_done else ":hourglass: open"
    return f"*{name}*: {state} · {rule}."


def build_training_blocks(plan: TrainingPlan, notice: str = "") -> list[bk.Block]:
    """The plan: each track with its sessions and status, Mark delivered on every session not
    delivered yet, and Schedule session."""
    blocks: list[bk.Block] = [bk.section(notice)] if notice else []
    blocks.append(bk.header(f"Training plan · {plan.company_name}"))
    if not plan.has_plan:
        blocks.append(bk.section("This customer's playbook has no training plan."))
        return blocks
    blocks.append(bk.context(Mrkdwn(_summary(plan))))
    buttons = 0
    for track in plan.tracks:
        blocks.append(bk.section(_track_text(track)))
        pending = [s for s in track.sessions if not s.delivered]
        deliver = []
        for s in pending:
            if buttons >= DELIVER_BUTTONS_MAX:
                break
            label = f"Mark delivered: {day(s.scheduled_on)}" if s.scheduled_on else "Mark delivered"
            # Action ids are unique within a block: training-deliver-0, -1, …
            action_id = f"{TrainingId.DELIVER}-{len(deliver)}"
            deliver.append(bk.button(truncate(label, 75), action_id, str(s.session_id)))
            buttons += 1
        if deliver:
            blocks.append(bk.actions(*deliver))
    blocks.append(
        bk.actions(
            bk.button("Schedule session", TrainingId.SCHEDULE, str(plan.onboarding_id), "primary")
        )
    )
    return bk.fit_message(blocks)


def build_schedule_modal(metadata: TrainingMetadata, plan: TrainingPlan) -> dict[str, Any]:
    tracks = [bk.option(f"{t.audience_label}: {t.name}"[:75], t.audience) for t in plan.tracks]
    return {
        "type": "modal",
        "callback_id": TrainingId.SCHEDULE_VIEW,
        "title": bk.plain("Schedule training", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Schedule"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(Mrkdwn(f"*{escape(plan.company_name)}* · a training session")),
            bk.input_block(
                TrainingField.TRACK, "Track", bk.select_element(TrainingId.INPUT, tracks)
            ),
            bk.input_block(TrainingField.DATE, "Date", bk.date_element(TrainingId.INPUT)),
            bk.input_block(TrainingField.TRAINER, "Trainer", bk.user_element(TrainingId.INPUT)),
            bk.input_block(
                TrainingField.INVITED,
                "Invited",
                bk.text_element(TrainingId.INPUT, max_length=6),
                hint="How many people are invited (attendance is measured against it).",
            ),
        ],
    }


def build_deliver_modal(
    metadata: TrainingMetadata, company_name: str, track_name: str, s: SessionLine
) -> dict[str, Any]:
    attended = bk.text_element(
        TrainingId.INPUT, "" if s.attended is None else str(s.attended), max_length=6
    )
    competency = [
        bk.option("Passed", COMPETENCY_YES),
        bk.option("Not passed", COMPETENCY_NO),
        bk.option("Not checked", COMPETENCY_NONE),
    ]
    when = day(s.scheduled_on) if s.scheduled_on else "no date"
    return {
        "type": "modal",
        "callback_id": TrainingId.DELIVER_VIEW,
        "title": bk.plain("Mark delivered", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.section(
                Mrkdwn(
                    f"*{escape(company_name)}* · {escape(track_name)} · {when} · "
                    f"{s.invited} invited"
                )
            ),
            bk.input_block(
                TrainingField.ATTENDED,
                "Attended",
                attended,
                hint=f"How many of the {s.invited} invited attended.",
            ),
            bk.input_block(
                TrainingField.COMPETENCY,
                "Competency check",
                bk.radio_element(TrainingId.INPUT, competency),
                optional=True,
            ),
            bk.input_block(
                TrainingField.NOTES,
                "Notes",
                bk.text_element(TrainingId.INPUT, multiline=True, max_length=2000),
                optional=True,
            ),
        ],
    }


def read_schedule_form(form: ViewForm) -> ScheduleEntry:
    return ScheduleEntry(
        track=form.choice(TrainingField.TRACK),
        scheduled_on=form.date(TrainingField.DATE),
        trainer_user_id=form.user(TrainingField.TRAINER),
        invited=form.text(TrainingField.INVITED),
    )


def read_delivery_form(form: ViewForm) -> DeliveryEntry:
    competency = form.choice(TrainingField.COMPETENCY)
    return DeliveryEntry(
        attended=form.text(TrainingField.ATTENDED),
        competency_passed={COMPETENCY_YES: True, COMPETENCY_NO: False}.get(competency or ""),
        notes=form.text(TrainingField.NOTES),
    )


def delivered_notice(change: TrainingChange) -> Mrkdwn:
    """The line the redrawn card opens with after *Mark delivered*."""
    said = f":white_check_mark: Delivered: *{escape(change.track_name)}*."
    if not change.attendance_met:
        said = f":warning: Delivered: *{escape(change.track_name)}*, attendance below threshold."
    if change.completed_milestone_id is not None:
        said += (
            f" :tada: *{escape(change.completed_milestone_name)}* is complete: every required"
            " track is delivered above threshold."
        )
    return Mrkdwn(said)
