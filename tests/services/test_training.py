"""The training plan: the playbook's training section (defaults, checks), each track's status,
"Training delivered" completing at the threshold (and not below it), a manual completion still
allowed with the gap shown, and low attendance as a stall signal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.config import Settings
from bot.models import Milestone, TrainingSession
from bot.playbooks import Playbook, TrainingDef
from bot.services.errors import NotAllowed
from bot.services.milestones import complete_named_milestone
from bot.services.signals import SignalKind, detect_all, load_catalog
from bot.services.training import (
    DeliveryEntry,
    ScheduleEntry,
    TrackStatus,
    TrainingField,
    TrainingInvalid,
    load_training_plan,
    mark_delivered,
    meets,
    schedule_session,
)
from tests.factories import CSM
from tests.jobs.test_plan import NOW, acme

ADMINS = ("UADMIN",)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHIPPED = TEMPLATES / "playbooks"
TODAY = NOW.date()
REQUIRED = ("admins", "power_users", "end_users")  # Acme is Mid-Market


# ---- the playbook section ---------------------------------------------------------------------


def test_threshold_defaults_to_80_percent_and_a_track_may_name_its_own() -> None:
    training = TrainingDef.model_validate(
        {
            "tracks": [
                {"audience": "admins", "name": "A", "format": "workshop", "duration_minutes": 60},
                {
                    "audience": "end_users",
                    "name": "E",
                    "format": "recorded",
                    "duration_minutes": 20,
                    "required": False,
                    "attendance_threshold": 0.5,
                },
            ]
        }
    )
    admins, end_users = training.tracks
    assert admins.required is True
    assert training.threshold(admins) == Decimal("0.8")
    assert training.threshold(end_users) == Decimal("0.5")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda t: t["tracks"].append(dict(t["tracks"][0])), "one track per audience"),
        (lambda t: [track.update(required=False) for track in t["tracks"]], "required"),
        (lambda t: t["tracks"][0].update(format="podcast"), "format"),
        (lambda t: t.update(attendance_threshold=1.5), "attendance_threshold"),
        (lambda t: t["tracks"][0].update(audience="interns"), "audience"),
    ],
)
def test_a_broken_training_section_is_refused(change, error: str) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((SHIPPED / "smb.yml").read_text(encoding="utf-8"))
    change(data["training"])
    with pytest.raises(ValueError, match=error):
        Playbook.model_validate(data)


def test_training_needs_the_training_milestone_and_is_optional() -> None:
    data = yaml.safe_load((SHIPPED / "smb.yml").read_text(encoding="utf-8"))
    data["milestones"] = [m for m in data["milestones"] if m["key"] != "training"]
    with pytest.raises(ValueError, match="training"):
        Playbook.model_validate(data)
    data.pop("training")
    assert Playbook.model_validate(data).training is None


def test_self_serve_trains_with_recordings_only(playbooks) -> None:  # type: ignore[no-untyped-def]
    assert {t.format for t in playbooks.get("self_serve").training.tracks} == {"recorded"}
    for playbook in playbooks:
        assert playbook.training is not None and any(t.required for t in playbook.training.tracks)


def test_meets_is_exact_at_the_threshold() -> None:
    assert meets(8, 10, Decimal("0.8")) and not meets(7, 10, Decimal("0.8"))
    assert meets(4, 5, Decimal("0.8")) and not meets(0, 0, Decimal("0.8"))
    assert not meets(None, 10, Decimal("0.8"))


# ---- scheduling and delivering ------------------------------------------------------------------


def schedule(session, playbooks, onboarding_id: int, track: str, invited: str = "10", on=None):  # type: ignore[no-untyped-def]
    entry = ScheduleEntry(track, on or TODAY + timedelta(days=3), "UTRAINER", invited)
    schedule_session(
        session, onboarding_id, entry, CSM, admins=ADMINS, playbooks=playbooks, now=NOW, today=TODAY
    )
    session.commit()  # as the edge does
    return _latest(session, onboarding_id)


def _latest(session, onboarding_id: int) -> TrainingSession:  # type: ignore[no-untyped-def]
    return session.scalars(
        select(TrainingSession)
        .where(TrainingSession.onboarding_id == onboarding_id)
        .order_by(TrainingSession.id.desc())
    ).first()


def deliver(session, playbooks, row: TrainingSession, attended: str, actor: str = CSM):  # type: ignore[no-untyped-def]
    change = mark_delivered(
        session,
        row.id,
        DeliveryEntry(attended, True, "went well"),
        actor,
        admins=ADMINS,
        playbooks=playbooks,
        now=NOW,
    )
    session.commit()  # as the edge does
    return change


def training_milestone(session, onboarding_id: int) -> Milestone:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(
        select(Milestone).where(
            Milestone.onboarding_id == onboarding_id, Milestone.key == "training"
        )
    ).one()


def test_the_plan_lists_the_playbook_tracks_with_their_status(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    plan = load_training_plan(session, o.id, playbooks)
    assert [t.audience for t in plan.tracks] == [*REQUIRED, "executives"]
    assert {t.status for t in plan.tracks} == {TrackStatus.NOT_SCHEDULED}
    assert [t.audience for t in plan.gap] == list(REQUIRED)

    admins = schedule(session, playbooks, o.id, "admins", "10")
    power = schedule(session, playbooks, o.id, "power_users", "5")
    deliver(session, playbooks, power, "3")  # 60%
    plan = load_training_plan(session, o.id, playbooks)
    status = {t.audience: t.status for t in plan.tracks}
    assert status["admins"] == TrackStatus.SCHEDULED
    assert status["power_users"] == TrackStatus.BELOW_THRESHOLD
    assert status["end_users"] == TrackStatus.NOT_SCHEDULED
    deliver(session, playbooks, admins, "8")
    plan = load_training_plan(session, o.id, playbooks)
    assert plan.track("admins").status == TrackStatus.DELIVERED  # type: ignore[union-attr]
    assert plan.track("admins").sessions[0].competency_passed is True  # type: ignore[union-attr]


def test_schedule_validates_inline(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    bad = ScheduleEntry(None, TODAY - timedelta(days=1), None, "0")
    with pytest.raises(TrainingInvalid) as refused:
        schedule_session(
            session, o.id, bad, CSM, admins=ADMINS, playbooks=playbooks, now=NOW, today=TODAY
        )
    assert set(refused.value.errors) == {
        TrainingField.TRACK,
        TrainingField.DATE,
        TrainingField.TRAINER,
        TrainingField.INVITED,
    }
    today_is_fine = schedule(session, playbooks, o.id, "admins", "12", on=TODAY)
    assert today_is_fine.scheduled_on == TODAY and today_is_fine.invited == 12
    with pytest.raises(NotAllowed):
        schedule_session(
            session,
            o.id,
            ScheduleEntry("admins", TODAY, "UT", "3"),
            "USTRANGER",
            admins=ADMINS,
            playbooks=playbooks,
            now=NOW,
            today=TODAY,
        )


def test_attended_cannot_exceed_invited(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    row = schedule(session, playbooks, o.id, "admins", "10")
    for attended in ("11", "", "x"):
        with pytest.raises(TrainingInvalid) as refused:
            deliver(session, playbooks, row, attended)
        assert set(refused.value.errors) == {TrainingField.ATTENDED}
    with pytest.raises(NotAllowed):
        deliver(session, playbooks, row, "9", actor="USTRANGER")


def test_training_delivered_completes_at_the_threshold_not_below(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    rows = {track: schedule(session, playbooks, o.id, track, "10") for track in REQUIRED}
    assert deliver(session, playbooks, rows["admins"], "10").completed_milestone_id is None
    assert deliver(session, playbooks, rows["power_users"], "8").completed_milestone_id is None
    low = deliver(session, playbooks, rows["end_users"], "7")  # 70%: below
    assert low.completed_milestone_id is None and low.attendance_met is False
    assert not training_milestone(session, o.id).is_done
    makeup = schedule(session, playbooks, o.id, "end_users", "10")
    done = deliver(session, playbooks, makeup, "8")  # exactly 80%
    milestone = training_milestone(session, o.id)
    assert done.completed_milestone_id == milestone.id and milestone.is_done
    assert milestone.completed_by == CSM
    assert load_training_plan(session, o.id, playbooks).complete
    # Correcting a session later does not complete anything twice.
    again = deliver(session, playbooks, makeup, "9")
    assert again.completed_milestone_id is None


def test_a_manual_done_is_allowed_and_the_plan_shows_the_gap(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    complete_named_milestone(session, o.id, "training", CSM, admins=ADMINS, now=NOW)
    plan = load_training_plan(session, o.id, playbooks)
    assert plan.milestone_done and not plan.complete
    assert [t.audience for t in plan.gap] == list(REQUIRED)


# ---- the signal --------------------------------------------------------------------------------


def low_attendance(session, now):  # type: ignore[no-untyped-def]
    return [
        s
        for _, signals in detect_all(session, Settings(), load_catalog(TEMPLATES), now)
        for s in signals
        if s.kind == SignalKind.TRAINING_LOW_ATTENDANCE
    ]


def test_low_attendance_is_a_signal_until_the_track_is_delivered(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    o = acme(session, playbooks)
    power = schedule(session, playbooks, o.id, "power_users", "10")
    deliver(session, playbooks, power, "8")  # at threshold: no signal
    admins = schedule(session, playbooks, o.id, "admins", "10")
    deliver(session, playbooks, admins, "5")
    [signal] = low_attendance(session, NOW + timedelta(hours=1))
    assert signal.subject == "training:admins"
    assert signal.facts["attended"] == 5 and signal.facts["invited"] == 10
    assert signal.facts["threshold"] == 80
    makeup = schedule(session, playbooks, o.id, "admins", "4")
    deliver(session, playbooks, makeup, "4")
    assert low_attendance(session, NOW + timedelta(hours=1)) == []
