"""The role-based training plan (`/onboard training <customer>`): the playbook's tracks per
audience (bot/playbooks.py TrainingDef), the sessions scheduled and delivered, and the rule that
completes the "Training delivered" milestone.

Decisions, documented here once:
- A session counts for its track when it is delivered and its attendance (attended / invited)
  is at or above the track's threshold (the playbook's, default 80%), compared exactly
  (attended >= invited * threshold, no floats).
- A track is *delivered* when one of its sessions counts; else *scheduled* while a session is
  not delivered yet (a make-up after low attendance shows as scheduled); else *below threshold*
  when its sessions were delivered under the threshold; else *not scheduled*.
- "Training delivered" completes automatically when marking a session delivered makes every
  required track delivered: in the same transaction, by the person who marked it.
- A manual `/onboard done <customer> training` stays allowed before that (the CSM may know
  better: training given outside the plan, a track the customer dropped). The card shows the
  gap: the required tracks not delivered above threshold.
- A delivered session below its threshold is the `training_low_attendance` stall signal
  (bot/services/signals.py) until its track has a session that counts.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from bot.models import Milestone, Onboarding, TrainingSession
from bot.playbooks import (
    TRAINING_AUDIENCE_LABELS,
    TRAINING_MILESTONE,
    PlaybookLibrary,
    TrainingDef,
)
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change

NOTES_MAX = 2000
INVITED_MAX = 100_000


class TrainingField(enum.StrEnum):
    """The modals' fields; the values double as their block ids."""

    TRACK = "training-track"
    DATE = "training-date"
    TRAINER = "training-trainer"
    INVITED = "training-invited"
    ATTENDED = "training-attended"
    COMPETENCY = "training-competency"
    NOTES = "training-notes"


class TrainingInvalid(DomainError):
    def __init__(self, errors: dict[TrainingField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class TrackStatus(enum.StrEnum):
    NOT_SCHEDULED = "not_scheduled"
    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    BELOW_THRESHOLD = "below_threshold"


def meets(attended: int | None, invited: int, threshold: Decimal) -> bool:
    """Attendance at or above the threshold, exactly; nobody invited never counts."""
    return attended is not None and invited > 0 and Decimal(attended) >= invited * threshold


@dataclass(frozen=True)
class SessionLine:
    session_id: int
    track: str
    scheduled_on: date | None
    trainer_user_id: str | None
    invited: int
    attended: int | None
    competency_passed: bool | None
    delivered_at: datetime | None
    notes: str

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


@dataclass(frozen=True)
class TrackPlan:
    audience: str
    name: str
    format: str
    duration_minutes: int
    required: bool
    threshold: Decimal
    sessions: list[SessionLine]

    @property
    def audience_label(self) -> str:
        return TRAINING_AUDIENCE_LABELS.get(self.audience, self.audience)

    def counts(self, line: SessionLine) -> bool:
        return line.delivered and meets(line.attended, line.invited, self.threshold)

    @property
    def status(self) -> TrackStatus:
        if any(self.counts(s) for s in self.sessions):
            return TrackStatus.DELIVERED
        if any(not s.delivered for s in self.sessions):
            return TrackStatus.SCHEDULED
        if self.sessions:
            return TrackStatus.BELOW_THRESHOLD
        return TrackStatus.NOT_SCHEDULED


@dataclass(frozen=True)
class TrainingPlan:
    onboarding_id: int
    company_name: str
    tracks: list[TrackPlan]
    milestone_name: str | None  # None: the playbook has no training milestone
    milestone_done: bool

    @property
    def has_plan(self) -> bool:
        return bool(self.tracks)

    @property
    def gap(self) -> list[TrackPlan]:
        """The required tracks not delivered above their threshold."""
        return [t for t in self.tracks if t.required and t.status != TrackStatus.DELIVERED]

    @property
    def complete(self) -> bool:
        return self.has_plan and not self.gap

    def track(self, audience: str) -> TrackPlan | None:
        return next((t for t in self.tracks if t.audience == audience), None)


@dataclass(frozen=True)
class ScheduleEntry:
    track: str | None
    scheduled_on: date | None
    trainer_user_id: str | None
    invited: str


@dataclass(frozen=True)
class DeliveryEntry:
    attended: str
    competency_passed: bool | None
    notes: str


@dataclass(frozen=True)
class TrainingChange:
    onboarding_id: int
    company_name: str
    track_name: str
    completed_milestone_id: int | None = None
    completed_milestone_name: str = ""
    attendance_met: bool = True


def _line(s: TrainingSession) -> SessionLine:
    return SessionLine(
        s.id,
        s.track,
        s.scheduled_on,
        s.trainer_user_id,
        s.invited,
        s.attended,
        s.competency_passed,
        s.delivered_at,
        s.notes,
    )


def _training_def(onboarding: Onboarding, playbooks: PlaybookLibrary) -> TrainingDef | None:
    playbook = playbooks.get(onboarding.playbook)
    return playbook.training if playbook is not None else None


def _milestone(onboarding: Onboarding) -> Milestone | None:
    return next((m for m in onboarding.milestones if m.key == TRAINING_MILESTONE), None)


def _plan(onboarding: Onboarding, playbooks: PlaybookLibrary) -> TrainingPlan:
    training = _training_def(onboarding, playbooks)
    sessions = sorted(
        onboarding.training_sessions, key=lambda s: (s.scheduled_on or date.max, s.id)
    )
    tracks = [
        TrackPlan(
            t.audience,
            t.name,
            t.format,
            t.duration_minutes,
            t.required,
            training.threshold(t),
            [_line(s) for s in sessions if s.track == t.audience],
        )
        for t in (training.tracks if training else [])
    ]
    milestone = _milestone(onboarding)
    return TrainingPlan(
        onboarding.id,
        onboarding.company_name,
        tracks,
        milestone.name if milestone else None,
        bool(milestone and milestone.is_done),
    )


def load_training_plan(
    session: Session, onboarding_id: int, playbooks: PlaybookLibrary
) -> TrainingPlan:
    onboarding = get_onboarding(
        session, onboarding_id, Onboarding.training_sessions, Onboarding.milestones
    )
    return _plan(onboarding, playbooks)


def open_schedule_form(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
) -> TrainingPlan:
    """The plan, for the schedule modal's track list; NotAllowed names who can change it."""
    onboarding = get_onboarding(
        session, onboarding_id, Onboarding.training_sessions, Onboarding.milestones
    )
    ensure_can_change(onboarding, actor, admins)
    plan = _plan(onboarding, playbooks)
    if not plan.has_plan:
        raise NotFound(f"The {onboarding.playbook} playbook has no training plan.")
    return plan


def _parse_count(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def schedule_session(
    session: Session,
    onboarding_id: int,
    entry: ScheduleEntry,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
    now: datetime,
    today: date,
) -> TrainingChange:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    training = _training_def(onboarding, playbooks)
    track = training.track(entry.track) if training and entry.track else None
    errors: dict[TrainingField, str] = {}
    if track is None:
        errors[TrainingField.TRACK] = "Pick one of the plan's tracks."
    if entry.scheduled_on is None:
        errors[TrainingField.DATE] = "Pick the session's date."
    elif entry.scheduled_on < today:
        errors[TrainingField.DATE] = "The date is in the past: pick today or later."
    if not entry.trainer_user_id:
        errors[TrainingField.TRAINER] = "Pick who gives the session."
    invited = _parse_count(entry.invited)
    if invited is None or invited <= 0 or invited > INVITED_MAX:
        errors[TrainingField.INVITED] = "How many people are invited: a whole number above 0."
    if errors or track is None or invited is None:
        raise TrainingInvalid(errors)
    row = TrainingSession(
        track=track.audience,
        scheduled_on=entry.scheduled_on,
        trainer_user_id=entry.trainer_user_id,
        invited=invited,
        notes="",
    )
    onboarding.training_sessions.append(row)
    record_activity(
        session,
        onboarding,
        actor,
        "training_scheduled",
        f"Training scheduled: {track.name} on {entry.scheduled_on.isoformat()}",  # type: ignore[union-attr]
        now=now,
        data={"track": track.audience, "invited": invited},
    )
    return TrainingChange(onboarding.id, onboarding.company_name, track.name)


def _changeable(
    session: Session, session_id: int, actor: str, admins: Collection[str]
) -> TrainingSession:
    row = session.get(TrainingSession, session_id)
    if row is None:
        raise NotFound("That training session no longer exists.")
    ensure_can_change(row.onboarding, actor, admins)
    return row


def open_session(
    session: Session,
    session_id: int,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
) -> tuple[int, str, str, SessionLine]:
    """(onboarding id, company, track name, the session) for the mark-delivered modal."""
    row = _changeable(session, session_id, actor, admins)
    training = _training_def(row.onboarding, playbooks)
    track = training.track(row.track) if training else None
    name = track.name if track else row.track
    return row.onboarding_id, row.onboarding.company_name, name, _line(row)


def mark_delivered(
    session: Session,
    session_id: int,
    entry: DeliveryEntry,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
    now: datetime,
) -> TrainingChange:
    """Record attendance (again, to correct it); when this makes every required track
    delivered above threshold, "Training delivered" completes in the same transaction."""
    row = _changeable(session, session_id, actor, admins)
    errors: dict[TrainingField, str] = {}
    attended = _parse_count(entry.attended)
    if attended is None:
        errors[TrainingField.ATTENDED] = "How many attended: a whole number (0 or more)."
    elif attended > row.invited:
        errors[TrainingField.ATTENDED] = f"At most the {row.invited} invited."
    if len(entry.notes) > NOTES_MAX:
        errors[TrainingField.NOTES] = f"At most {NOTES_MAX} characters."
    if errors or attended is None:
        raise TrainingInvalid(errors)
    onboarding = get_onboarding(
        session, row.onboarding_id, Onboarding.training_sessions, Onboarding.milestones
    )
    row.attended = attended
    row.competency_passed = entry.competency_passed
    row.notes = entry.notes.strip()
    row.delivered_at = row.delivered_at or now
    plan = _plan(onboarding, playbooks)
    track = plan.track(row.track)
    track_name = track.name if track else row.track
    met = track.counts(_line(row)) if track else False
    record_activity(
        session,
        onboarding,
        actor,
        "training_delivered",
        f"Training delivered: {track_name}, {attended} of {row.invited} attended",
        now=now,
        data={"track": row.track, "invited": row.invited, "attended": attended},
    )
    milestone = _milestone(onboarding)
    completed = None
    ready = plan.complete and milestone is not None and not milestone.is_done
    if ready and complete_milestone(session, milestone, actor, now=now):  # type: ignore[arg-type]
        completed = milestone
    return TrainingChange(
        onboarding.id,
        onboarding.company_name,
        track_name,
        completed.id if completed else None,
        completed.name if completed else "",
        met,
    )


@functools.cache
def attendance_thresholds(templates_dir: Path) -> dict[tuple[str, str], Decimal]:
    """(playbook key, track audience) -> threshold, read once per process (the signal scan)."""
    library = PlaybookLibrary.load(templates_dir)
    return {
        (p.key, t.audience): p.training.threshold(t)
        for p in library
        if p.training is not None
        for t in p.training.tracks
    }
