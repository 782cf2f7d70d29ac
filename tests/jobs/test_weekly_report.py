"""The weekly status report under a frozen clock: Fridays from 14:00 local, once a week, a
customer-safe copy in the customer channel and a full one to the CSM; each week a reply in one
thread whose head is edited in place; delivered through the real sender."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.models import OutboxMessage, OutboxStatus
from bot.services.milestones import complete_named_milestone
from bot.slack.renderers import render_post
from bot.slack.sender import OutboxSender
from jobs.context import JobContext
from jobs.weekly_report import run_weekly_report
from tests.factories import CSM
from tests.jobs.test_plan import acme

THURSDAY = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
FRIDAY_NOON = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 13, 14, 5, tzinfo=UTC)
NEXT_FRIDAY = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def run(settings, db, playbooks, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return run_weekly_report(JobContext(settings, db, playbooks, now)).queued


def shown(db, key: str) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        message = row.one()
        rendered = render_post(message.kind, message.payload)
    return json.dumps({"text": rendered.text, "blocks": rendered.blocks})


def test_reported_on_friday_afternoon_once_to_the_customer_and_in_full_to_the_csm(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete_named_milestone(session, onboarding.id, "handoff", CSM, admins=(), now=THURSDAY)
    session.commit()
    assert run(settings, db, playbooks, THURSDAY) == []
    assert run(settings, db, playbooks, FRIDAY_NOON) == []
    queued = run(settings, db, playbooks, FRIDAY)
    week = "2026-11-09"
    assert sorted(queued) == sorted(
        [
            f"weekly-report-head:{onboarding.id}:customer:",
            f"weekly-report:{onboarding.id}:customer:{week}",
            f"weekly-report-head:{onboarding.id}:internal:",
            f"weekly-report:{onboarding.id}:internal:{week}",
        ]
    )
    assert run(settings, db, playbooks, FRIDAY.replace(hour=16)) == []  # once a week

    customer = shown(db, f"weekly-report:{onboarding.id}:customer:{week}")
    assert "Weekly status: Acme Manufacturing, week of" in customer
    assert "Done this week" in customer and "Handoff complete" in customer
    # Kickoff was due Nov 5: late, so the report is red and asks for a new date.
    assert ":red_circle:" in customer and "A new date for *Kickoff held*" in customer
    assert "Health" not in customer and "IT team stretched" not in customer
    internal = shown(db, f"weekly-report:{onboarding.id}:internal:{week}")
    assert "Risks (internal)" in internal and "IT team stretched" in internal
    with db.session() as session:
        channels = {
            m.idempotency_key: (m.channel, m.thread_of, m.payload["internal"])
            for m in session.scalars(select(OutboxMessage))
            if m.kind == "weekly-report"
        }
    assert channels[f"weekly-report:{onboarding.id}:customer:{week}"] == (
        "C0ACME",
        f"weekly-report-head:{onboarding.id}:customer:",
        False,
    )
    assert channels[f"weekly-report:{onboarding.id}:internal:{week}"][0] == CSM  # no channel


def test_next_week_is_a_new_reply_and_the_head_names_it(
    settings, db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    run(settings, db, playbooks, FRIDAY)
    queued = run(settings, db, playbooks, NEXT_FRIDAY)
    assert f"weekly-report:{onboarding.id}:customer:2026-11-16" in queued
    head = shown(db, f"weekly-report-head:{onboarding.id}:customer:")
    assert "Latest: week of Mon Nov 16, 2026" in head
    older = shown(db, f"weekly-report:{onboarding.id}:customer:2026-11-09")
    assert "week of Mon Nov 9, 2026" in older  # last week's reply stays as it was


def test_each_week_is_a_reply_in_the_thread_of_the_head(
    settings, db, session, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("C0ACME", "acme-onboarding", is_ext_shared=True)
    acme(session, playbooks)
    run(settings, db, playbooks, FRIDAY)
    OutboxSender(db, None, settings, owner="W", timeout=1).deliver_due(now=FRIDAY)
    posts = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "C0ACME"]
    head, report = posts
    assert "Weekly status reports" in json.dumps(head.params)
    assert report.params["thread_ts"] == head.response["ts"]
    assert "Risks" not in json.dumps(report.params)  # the shared channel gets the safe copy
    with db.session() as session:
        statuses = {m.status for m in session.scalars(select(OutboxMessage))}
    assert statuses == {OutboxStatus.SENT}
