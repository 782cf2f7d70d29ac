"""Celebrations: once per completion, withdrawn by Undo, first value with its time to value,
nothing internal, go-live left to the gate's go-live post; the `celebrations` job under a frozen
clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.models import Milestone, Onboarding, OutboxMessage, OutboxStatus
from bot.services.celebrations import celebration_key, queue_milestone_celebration
from bot.services.gate import all_yes, decide_gate_by_id, open_gate
from bot.services.hypercare import go_live
from bot.services.milestones import complete_named_milestone, reopen_milestone
from bot.slack.renderers import render_post
from bot.slack.rendering import Rendered
from bot.slack.sender import OutboxSender
from jobs.celebrations import run_celebrations
from jobs.context import JobContext
from tests.factories import CSM, finish_pilot, meet_first_value_criterion
from tests.jobs.test_plan import acme

# Acme starts Monday 2026-11-02 (mid-market: first value due 2026-11-16, target 14 days).
MON = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def run(settings, db, playbooks, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return run_celebrations(JobContext(settings, db, playbooks, now)).queued


def rows(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "celebration")))


def done(session, onboarding_id: int, name: str, now: datetime):  # type: ignore[no-untyped-def]
    """`done`, committed as the handler does."""
    change = complete_named_milestone(session, onboarding_id, name, CSM, admins=(), now=now)
    session.commit()
    return change


def undo(session, milestone_id: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    reopen_milestone(session, milestone_id, CSM, admins=(), now=now)
    session.commit()


def rendered(row: OutboxMessage) -> Rendered:
    return render_post(row.kind, row.payload)


def test_one_celebration_per_completion(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    done(session, onboarding.id, "kickoff", datetime(2026, 11, 4, 10, tzinfo=UTC))
    key = celebration_key(onboarding.id, "kickoff", date(2026, 11, 4))
    assert run(settings, db, playbooks, datetime(2026, 11, 4, 10, 5, tzinfo=UTC)) == [key]
    assert run(settings, db, playbooks, datetime(2026, 11, 4, 10, 10, tzinfo=UTC)) == []
    [row] = rows(session)
    assert row.channel == "C0ACME" and row.idempotency_key == key
    assert row.expires_at == datetime(2026, 11, 6, 10, tzinfo=UTC)
    text = json.dumps(rendered(row).blocks)
    assert "*Kickoff held* is done for *Acme Manufacturing*" in text and f"<@{CSM}>" in text
    # Kickoff is due 3 business days after Monday's start: Thursday; done Wednesday.
    assert "day 3 of the onboarding: 1 day ahead of plan (planned for Thu Nov 5, 2026)" in text


def test_undo_before_the_job_runs_celebrates_nothing(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    change = done(session, onboarding.id, "kickoff", MON)
    undo(session, change.milestone_id, MON)
    assert run(settings, db, playbooks, MON + timedelta(minutes=5)) == []
    assert rows(session) == []


def test_undo_withdraws_a_queued_one_and_redo_the_same_day_queues_it_once(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    change = done(session, onboarding.id, "kickoff", MON)
    assert queue_milestone_celebration(session, change.milestone_id, playbooks, now=MON)
    session.commit()
    undo(session, change.milestone_id, MON)
    [row] = rows(session)
    assert row.status == OutboxStatus.SKIPPED  # the sender will not post it
    done(session, onboarding.id, "kickoff", MON + timedelta(hours=1))
    assert queue_milestone_celebration(session, change.milestone_id, playbooks, now=MON)
    session.commit()
    assert run(settings, db, playbooks, MON + timedelta(hours=2)) == []
    [row] = rows(session)
    assert row.status == OutboxStatus.PENDING


def test_a_sent_celebration_is_not_sent_again_after_undo_and_redo(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    change = done(session, onboarding.id, "kickoff", MON)
    run(settings, db, playbooks, MON)
    [row] = rows(session)
    row.status, row.ts = OutboxStatus.SENT, "1.000100"
    session.commit()
    undo(session, change.milestone_id, MON)
    done(session, onboarding.id, "kickoff", MON + timedelta(hours=1))
    assert run(settings, db, playbooks, MON + timedelta(hours=2)) == []
    assert not queue_milestone_celebration(session, change.milestone_id, playbooks, now=MON)
    assert [r.status for r in rows(session)] == [OutboxStatus.SENT]


def test_first_value_gets_its_own_message_with_time_to_value(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    at = datetime(2026, 11, 11, 16, tzinfo=UTC)  # day 9 after the start; due Mon Nov 16
    meet_first_value_criterion(session, onboarding.id)
    done(session, onboarding.id, "first value", at)
    run(settings, db, playbooks, at)
    [row] = rows(session)
    blocks = rendered(row).blocks
    text = json.dumps(blocks)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "First value reached!", "emoji": True},
    }
    assert "reached first value: *First value achieved*, 9 days after the start" in text
    assert "*Time to first value*\\n9 days" in text
    assert "5 days faster than the 14-day target" in text
    assert "5 days ahead of plan" in text
    assert "reached first value in 9 days" in rendered(row).text


def test_safe_for_a_shared_channel(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, company_name="Acme <b> & Co")
    meet_first_value_criterion(session, onboarding.id)
    for name in ("kickoff", "first value"):
        done(session, onboarding.id, name, MON)
    go_live(session, onboarding, CSM, MON, playbooks.get(onboarding.playbook))  # the gate's part
    session.commit()
    run(settings, db, playbooks, MON)
    text = json.dumps([(m.text, m.blocks) for m in map(rendered, rows(session))])
    assert len(rows(session)) == 2  # kickoff and first value: the go-live post announces go-live
    for internal in (
        "$95K",
        "ARR",
        "IT team stretched",
        "Budget owner",
        "Victor Grim",
        "score",
        "health",
        "Mid-Market",
        "risk",
    ):
        assert internal not in text, internal
    assert "Acme &lt;b&gt; &amp; Co" in text and "<b>" not in text


def test_no_customer_channel_goes_to_the_internal_one_or_nowhere(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    internal = acme(session, playbooks, customer_channel_id=None)
    internal.internal_channel_id = "C0INTERNAL"
    session.commit()
    nowhere = acme(session, playbooks, company_name="Globex", customer_channel_id=None)
    done(session, internal.id, "kickoff", MON)
    done(session, nowhere.id, "kickoff", MON)
    result = run_celebrations(JobContext(settings, db, playbooks, MON))
    assert [r.channel for r in rows(session)] == ["C0INTERNAL"]
    assert result.skipped == [
        f"{celebration_key(nowhere.id, 'kickoff', MON.date())}: no customer or internal channel"
    ]


def test_old_completions_are_not_celebrated_late(session, db, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    done(session, onboarding.id, "kickoff", MON)
    assert run(settings, db, playbooks, MON + timedelta(days=3)) == []
    waived = session.scalars(select(Milestone).where(Milestone.key == "training")).one()
    waived.status = "waived"
    session.commit()
    assert run(settings, db, playbooks, MON) == [
        celebration_key(onboarding.id, "kickoff", MON.date())
    ]


# ---- go-live: one post for one event ------------------------------------------------------------

WED = datetime(2026, 12, 16, 15, 0, tzinfo=UTC)


def go_live_through_the_gate(session, onboarding_id: int, playbooks, now: datetime) -> None:  # type: ignore[no-untyped-def]
    where = {"admins": (), "playbooks": playbooks, "tz": UTC}
    finish_pilot(session.get(Onboarding, onboarding_id))  # the gate asks for a finished pilot
    form = open_gate(session, onboarding_id, CSM, **where)
    decide_gate_by_id(session, onboarding_id, all_yes(form), CSM, now=now, **where)
    session.commit()


def test_go_live_through_the_gate_is_announced_once_other_milestones_celebrated(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    done(session, onboarding.id, "pilot", WED - timedelta(hours=1))
    go_live_through_the_gate(session, onboarding.id, playbooks, WED)
    assert (
        queue_milestone_celebration(
            session, next(m.id for m in onboarding.milestones if m.is_go_live), playbooks, now=WED
        )
        is False
    )  # `done` after the gate would not celebrate it either
    assert run(settings, db, playbooks, WED + timedelta(minutes=5)) == [
        celebration_key(onboarding.id, "pilot", WED.date())
    ]
    assert run(settings, db, playbooks, WED + timedelta(days=1)) == []
    session.expire_all()
    in_channel = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "C0ACME").order_by(OutboxMessage.id)
    ).all()
    assert [r.kind for r in in_channel] == ["go-live", "celebration"]
    assert "Acme Manufacturing is live!" in render_post("go-live", in_channel[0].payload).text


def test_the_customer_channel_gets_one_go_live_message(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks, fake_slack
) -> None:
    fake_slack.add_channel("C0ACME", "acme-onboarding", is_ext_shared=True)
    onboarding = acme(session, playbooks)
    go_live_through_the_gate(session, onboarding.id, playbooks, WED)
    run(settings, db, playbooks, WED + timedelta(minutes=5))
    OutboxSender(db, None, settings, owner="T", timeout=1).deliver_due(
        now=WED + timedelta(minutes=10)
    )
    [message] = fake_slack.messages_in("C0ACME")  # the go-live post, no go-live celebration
    assert "Acme Manufacturing is live!" in message["text"]
