"""The living plan: what it shows (and never shows), and that it is queued once per onboarding
and re-queued only when its rendered content changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Blocker, Onboarding, OutboxMessage, OutboxStatus
from bot.services.blockers import add_blocker
from bot.services.milestones import complete_named_milestone, reopen_milestone
from bot.services.outbox import Post
from bot.services.plan import build_plan_view
from bot.services.plan_refresh import plan_key, plan_post, refresh_plan, refresh_plans
from bot.services.status import MilestoneState
from bot.slack.renderers import render_post
from jobs.context import JobContext
from jobs.plan import run_plan
from tests.factories import ACME_STAKEHOLDERS, CSM, handoff_form
from tests.services.test_handoff_service import submit

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # Monday, the Acme start date
STAKEHOLDERS = ACME_STAKEHOLDERS + "- Victor Grim | CFO | Detractor | victor@acme-mfg.example\n"


def acme(session, playbooks, **overrides) -> Onboarding:  # type: ignore[no-untyped-def]
    form = handoff_form(stakeholders=STAKEHOLDERS, **overrides)
    return submit(session, playbooks, form, view_id=f"V{form.company_name}")


def plan_rows(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.flush()  # the refresh does not commit: read what it wrote in the same session
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "plan")))


def shown(post: Post | OutboxMessage) -> str:
    """The message the plan renders to, as Slack would get it (text and blocks)."""
    message = render_post(post.kind, post.payload)
    return json.dumps({"text": message.text, "blocks": message.blocks})


def deliver(session) -> None:  # type: ignore[no-untyped-def]
    """What the sender does once a row went out: the rows tests then change or leave alone."""
    for row in plan_rows(session):
        row.status, row.ts, row.sent_at = OutboxStatus.SENT, "1700000000.000100", NOW
    session.commit()


def test_plan_shows_phases_milestones_next_and_owner(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    post = plan_post(onboarding, date(2026, 11, 2))
    assert post is not None and post.pin and post.channel == "C0ACME"
    assert post.key == plan_key(onboarding.id) == f"plan:{onboarding.id}::"
    text = shown(post)
    assert "Onboarding plan: Acme Manufacturing" in text
    for phase in ("Handoff", "Kickoff", "Configure", "Go-live", "Hypercare", "Transition"):
        assert phase in text
    for milestone in ("Handoff complete", "Kickoff held", "First value achieved", "Go-live"):
        assert milestone in text
    assert "*Next:* Handoff complete, due Tue Nov 3, 2026" in text
    assert f"Owner: <@{CSM}>" in text
    assert "on track" in text and len(render_post(post.kind, post.payload).blocks) <= 50


def test_plan_leaves_every_internal_field_out(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    add_blocker(
        session,
        onboarding.id,
        "champion unresponsive, escalate to sponsor",
        CSM,
        admins=(),
        now=NOW,
    )
    post = plan_post(onboarding, date(2026, 11, 2))
    assert post is not None
    text = json.dumps(post.payload) + shown(post)  # neither stored nor shown
    for internal in (
        "$95K",
        "95,000",
        "95000",
        "ARR",
        "IT team stretched",
        "failed MES rollout",
        "Budget owner",
        "Handoff score",
        "score",
        "health",
        "Health",
        "Victor Grim",
        "Detractor",
        "champion unresponsive",
        "Handoff document reviewed",  # our own checklist
        "Spreadsheets",
        "Real-time visibility",  # why they bought, alternatives
    ):
        assert internal not in text, internal
    assert "blocked" in text  # the state shows, the reason does not


def test_customer_side_steps_name_the_stakeholder(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    for name in ("handoff", "kickoff"):
        complete_named_milestone(session, onboarding.id, name, CSM, admins=(), now=NOW)
    view = build_plan_view(onboarding, date(2026, 11, 9))
    assert view.next_milestone is not None and view.next_milestone.name == (
        "Technical setup complete"
    )
    steps = {s.text: s.owner_label for s in view.customer_steps}
    assert steps == {"User accounts provisioned": "Marcus Lee"}  # the technical lead
    assert [p.state for p in view.phases[:3]] == ["done", "done", "current"]


def test_states_follow_the_calendar(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    states = {
        today: build_plan_view(onboarding, today).next_milestone.state  # type: ignore[union-attr]
        for today in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4))
    }
    assert states == {
        date(2026, 11, 2): MilestoneState.AT_RISK,  # due tomorrow: "due soon"
        date(2026, 11, 3): MilestoneState.AT_RISK,
        date(2026, 11, 4): MilestoneState.OVERDUE,
    }


def test_user_text_is_escaped(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, company_name="<!channel> & Co")
    post = plan_post(onboarding, date(2026, 11, 2))
    assert post is not None
    text = shown(post)
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; Co" in text


def test_queued_once_then_only_when_the_content_changes(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    assert refresh_plan(session, onboarding.id, now=NOW, default_tz=UTC_ZONE)
    assert not refresh_plan(session, onboarding.id, now=NOW, default_tz=UTC_ZONE)
    [row] = plan_rows(session)
    assert row.payload["pin"] is True and row.channel == "C0ACME"
    deliver(session)

    assert not refresh_plan(session, onboarding.id, now=NOW, default_tz=UTC_ZONE)
    [row] = plan_rows(session)
    assert row.status == OutboxStatus.SENT  # unchanged: nothing for the sender to do

    complete_named_milestone(session, onboarding.id, "handoff", CSM, admins=(), now=NOW)
    assert refresh_plan(session, onboarding.id, now=NOW, default_tz=UTC_ZONE)
    [row] = plan_rows(session)
    assert row.status == OutboxStatus.PENDING and row.ts == "1700000000.000100"  # edit in place
    assert "done Mon Nov 2, 2026" in shown(row)


def test_no_channel_no_plan(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, customer_channel_id=None)
    assert not refresh_plan(session, onboarding.id, now=NOW, default_tz=UTC_ZONE)
    assert plan_rows(session) == []


def test_job_catches_changes_made_anywhere_and_the_turn_of_the_day(  # type: ignore[no-untyped-def]
    session, db, settings, playbooks
) -> None:
    first = acme(session, playbooks)
    second = acme(session, playbooks, company_name="Globex", customer_channel_id="C0GLOBEX")
    acme(session, playbooks, company_name="Initech", customer_channel_id=None)

    def run(now: datetime) -> list[str]:
        return run_plan(JobContext(settings, db, playbooks, now)).queued

    assert sorted(run(NOW)) == sorted([plan_key(first.id), plan_key(second.id)])
    deliver(session)
    assert run(NOW + timedelta(minutes=5)) == []
    # A change the command path did not refresh (another feature, a crash): the job catches it.
    session.add(
        Blocker(
            onboarding_id=second.id, reason="x", owner_user_id=CSM, opened_by=CSM, opened_at=NOW
        )
    )
    session.commit()
    assert run(NOW + timedelta(minutes=10)) == [plan_key(second.id)]
    deliver(session)
    # Wednesday: Acme's handoff milestone (due Tuesday) is now overdue in its plan.
    assert plan_key(first.id) in run(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))


def test_reopened_milestone_changes_the_plan_back(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    refresh_plans(session, now=NOW, default_tz=UTC_ZONE)
    before = plan_rows(session)[0].payload
    change = complete_named_milestone(session, onboarding.id, "kickoff", CSM, admins=(), now=NOW)
    refresh_plans(session, now=NOW, default_tz=UTC_ZONE)
    assert plan_rows(session)[0].payload != before
    reopen_milestone(session, change.milestone_id, CSM, admins=(), now=NOW)
    refresh_plans(session, now=NOW, default_tz=UTC_ZONE)
    assert plan_rows(session)[0].payload == before
