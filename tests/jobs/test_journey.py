"""The tech-touch journey under a frozen clock: 30 simulated days of the `journey` job at 09:00
local, behaviour conditions met and not met, never twice, stops when closed, the CSM's DM
without a customer channel, escaping, and the send-day rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Milestone, MilestoneStatus, Onboarding, OnboardingStatus, OutboxMessage
from bot.services.journey import send_days, step_key
from bot.slack.renderers import render_post
from jobs.context import JobContext, JobResult
from jobs.journey import run_journey
from tests.factories import CSM, handoff_form
from tests.services.test_handoff_service import submit

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 11, 2)  # a Monday; New York is on EST from Nov 1

def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK).astimezone(UTC)


def smb(session, playbooks, **overrides) -> Onboarding:  # type: ignore[no-untyped-def]
    fields = {"arr": "$15K", "start_date": START, **overrides}
    onboarding = submit(session, playbooks, handoff_form(**fields), view_id=None, now=at(START, 8))
    onboarding.timezone = "America/New_York"
    session.commit()
    return onboarding


def run(settings, db, playbooks, now: datetime) -> JobResult:  # type: ignore[no-untyped-def]
    return run_journey(JobContext(settings, db, playbooks, now))


def mark_done(session, onboarding_id: int, key: str) -> None:  # type: ignore[no-untyped-def]
    milestone = session.scalars(
        select(Milestone).where(Milestone.onboarding_id == onboarding_id, Milestone.key == key)
    ).one()
    milestone.status = MilestoneStatus.COMPLETE
    session.commit()


def journey_rows(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "journey").order_by(OutboxMessage.id)
        )
    )


def step_of(key: str) -> str:
    return key.split(":")[2]


def simulate(settings, db, playbooks, days: int = 31, events=None, times=((9, 0),)):  # type: ignore[no-untyped-def]
    """Run the job each day at the given local times; `events[day]` runs first. The steps
    queued, by local date."""
    sent: dict[date, list[str]] = {}
    skipped: dict[date, list[str]] = {}
    for offset in range(days):
        day = START + timedelta(days=offset)
        if events and day in events:
            events[day]()
        for hour, minute in times:
            result = run(settings, db, playbooks, at(day, hour, minute))
            sent.setdefault(day, []).extend(step_of(k) for k in result.queued)
            skipped.setdefault(day, []).extend(result.skipped)
    return {d: s for d, s in sent.items() if s}, skipped


def test_thirty_days_conditions_not_met_then_met(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = smb(session, playbooks)
    events = {
        # First value on Wed Nov 18 (after the success check-in's day: it waited for it).
        date(2026, 11, 18): lambda: mark_done(session, onboarding.id, "first_value"),
        date(2026, 11, 25): lambda: mark_done(session, onboarding.id, "go_live"),
    }
    sent, skipped = simulate(settings, db, playbooks, events=events)
    assert sent == {
        date(2026, 11, 2): ["welcome"],
        date(2026, 11, 3): ["quick_start"],
        # day 2, the feature tour, waits for setup: never done, never sent
        date(2026, 11, 5): ["progress_check"],  # day 3
        # day 5 (Saturday, so Monday: the use case, again after setup) is skipped
        date(2026, 11, 10): ["value_checkpoint"],  # day 7, Monday taken by day 5: Tuesday
        # day 10, the power tips, waits for first value, which comes after day 14
        date(2026, 11, 18): ["success_check_in"],  # day 14 was Mon 16: first value came later
        date(2026, 11, 23): ["community"],  # day 21
        date(2026, 12, 2): ["graduation"],  # day 30, go-live done
    }
    waiting = f"{step_key(onboarding.id, 'success_check_in')}: first_value is not done yet"
    assert waiting in skipped[date(2026, 11, 16)] and waiting in skipped[date(2026, 11, 17)]
    rows = journey_rows(session)
    assert [step_of(r.idempotency_key) for r in rows] == [s for d in sorted(sent) for s in sent[d]]
    assert {r.channel for r in rows} == {"C0ACME"}
    # A step expires when the next one is due: it is never sent late.
    assert rows[0].expires_at == at(date(2026, 11, 3))
    assert rows[-1].expires_at is None
    blocks = render_post(rows[1].kind, rows[1].payload).blocks
    text = blocks[0]["text"]["text"]
    assert text.startswith("Quick start for Acme Manufacturing:")
    assert f"<@{CSM}> will help you through it" in text
    assert blocks[1]["elements"][0]["action_id"] == "journey-help"


def test_setup_done_before_quick_start_skips_the_setup_nudges(
    session, db, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = smb(session, playbooks)
    events = {date(2026, 11, 3): lambda: mark_done(session, onboarding.id, "technical_setup")}
    sent, skipped = simulate(settings, db, playbooks, days=10, events=events)
    assert sent == {
        date(2026, 11, 2): ["welcome"],
        date(2026, 11, 4): ["feature_tour"],  # setup done: the next feature
        date(2026, 11, 9): ["use_case"],  # day 5, a Saturday: Monday
        date(2026, 11, 10): ["value_checkpoint"],  # day 7, Monday taken: Tuesday
    }
    reason = "technical_setup is already done"
    assert f"{step_key(onboarding.id, 'quick_start')}: {reason}" in skipped[date(2026, 11, 3)]
    assert f"{step_key(onboarding.id, 'progress_check')}: {reason}" in skipped[date(2026, 11, 5)]


def set_status(db, onboarding_id: int, key: str, status: MilestoneStatus) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        milestone = session.scalars(
            select(Milestone).where(Milestone.onboarding_id == onboarding_id, Milestone.key == key)
        ).one()
        milestone.status = status
        session.commit()


def test_a_failed_condition_is_checked_again_while_the_step_is_current(
    session, db, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    """Setup waived on Thursday, reopened on Friday: the progress check (current until
    Monday's use case) goes out on Friday. Waived counts as done."""
    onboarding = smb(session, playbooks)
    events = {
        date(2026, 11, 5): lambda: set_status(
            db, onboarding.id, "technical_setup", MilestoneStatus.WAIVED
        ),
        date(2026, 11, 6): lambda: set_status(
            db, onboarding.id, "technical_setup", MilestoneStatus.IN_PROGRESS
        ),
    }
    sent, _ = simulate(settings, db, playbooks, days=6, events=events)
    assert sent == {
        date(2026, 11, 2): ["welcome"],
        date(2026, 11, 3): ["quick_start"],
        date(2026, 11, 6): ["progress_check"],
    }


def test_never_twice_twice_a_day_and_after_a_restart(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    smb(session, playbooks)
    sent, _ = simulate(settings, db, playbooks, days=10, times=((8, 59), (9, 0), (9, 5), (16, 0)))
    again, _ = simulate(settings, db, playbooks, days=10)  # a restart: the same days again
    assert again == {}
    assert sum(len(steps) for steps in sent.values()) == 4
    assert len(journey_rows(session)) == 4


def test_nothing_before_nine_local(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    smb(session, playbooks)
    assert run(settings, db, playbooks, at(START, 8, 59)).queued == []
    assert [step_of(k) for k in run(settings, db, playbooks, at(START, 9)).queued] == ["welcome"]


def test_stops_when_closed(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = smb(session, playbooks)

    def close() -> None:
        onboarding.status = OnboardingStatus.CLOSED
        session.commit()

    sent, _ = simulate(settings, db, playbooks, events={date(2026, 11, 4): close})
    assert sent == {date(2026, 11, 2): ["welcome"], date(2026, 11, 3): ["quick_start"]}


def test_created_after_the_days_pass_gets_its_welcome_at_once(
    session, db, settings, playbooks
) -> None:  # type: ignore[no-untyped-def]
    smb(session, playbooks, company_name="Early Bird")
    assert len(run(settings, db, playbooks, at(START, 9)).queued) == 1  # claims today's pass
    late = submit(
        session,
        playbooks,
        handoff_form(
            arr="$15K", start_date=START, company_name="Late Co", customer_channel_id="C0LATE"
        ),
        view_id=None,
        now=at(START, 11),
    )
    late.timezone = "America/New_York"
    session.commit()
    result = run(settings, db, playbooks, at(START, 11, 5))
    assert result.queued == [step_key(late.id, "welcome")]


def test_no_customer_channel_goes_to_the_csm_by_dm(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    smb(session, playbooks, customer_channel_id=None)
    run(settings, db, playbooks, at(START))
    [row] = journey_rows(session)
    assert row.channel == CSM
    text = json.dumps(render_post(row.kind, row.payload).blocks)
    assert "has no customer channel" in text and "Welcome aboard, Acme Manufacturing!" in text
    assert "journey-help" not in text  # paging yourself helps nobody


def test_a_hostile_company_name_is_escaped(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    smb(session, playbooks, company_name="Evil <!channel> & <@U0BOSS> Co")
    run(settings, db, playbooks, at(START))
    [row] = journey_rows(session)
    message = render_post(row.kind, row.payload)
    text = message.blocks[0]["text"]["text"]
    assert "Welcome aboard, Evil &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; Co!" in text
    shown = json.dumps([message.text, message.blocks])
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown


def test_send_days_skip_weekends_and_never_share_a_day(playbooks) -> None:  # type: ignore[no-untyped-def]
    steps = playbooks.get("self_serve").journey
    assert [s.day for s in steps] == [0, 1, 2, 3, 5, 7, 10, 14, 21, 30]
    friday = date(2026, 11, 6)
    assert send_days(friday, steps) == [
        date(2026, 11, 6),  # day 0
        date(2026, 11, 9),  # day 1, Saturday: Monday
        date(2026, 11, 10),  # day 2, Sunday: Monday is taken, Tuesday
        date(2026, 11, 11),  # day 3, Monday: taken, Wednesday
        date(2026, 11, 12),  # day 5, Wednesday: taken, Thursday
        date(2026, 11, 13),  # day 7
        date(2026, 11, 16),  # day 10
        date(2026, 11, 20),  # day 14
        date(2026, 11, 27),  # day 21
        date(2026, 12, 7),  # day 30, Sunday: Monday
    ]


def test_high_touch_playbooks_have_no_journey(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = submit(session, playbooks, handoff_form(), view_id=None, now=at(START, 8))
    assert onboarding.playbook == "mid_market"
    assert run(settings, db, playbooks, at(START)).queued == []
