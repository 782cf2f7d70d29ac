"""stall-alerts at given moments (the job's clock is its context's `now`): one alert post per
onboarding and business day, whatever runs that day (the demo runs the jobs at 09:00 and 17:00)
and whatever their signals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.models import Blocker, OutboxMessage
from bot.slack.channel_privacy import privacy_for
from jobs.context import JobContext
from jobs.stall_alerts import run_stall_alerts, stall_alerts
from tests.slack.test_alerts_slack import MONDAY, at, bare, day


def alert_posts(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "alert")
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_two_runs_in_one_business_day_make_one_post(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CCUST", "acme-team", is_ext_shared=False)
    # Silent for 10 days (high) and blocked (medium): once, the owner got a second copy by DM.
    onboarding = bare(
        session, blockers=1, customer_channel_id="CCUST", last_activity_at=at(day(-10))
    )
    for hour in (9, 17):
        stall_alerts(JobContext(settings, db, playbooks, at(day(1), hour)))
    [post] = alert_posts(db)
    assert post.channel == "CCUST" and post.onboarding_id == onboarding.id
    assert post.idempotency_key.endswith(day(1).isoformat())


def test_a_signal_found_by_a_later_run_waits_for_the_next_business_day(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CCUST", "acme-team", is_ext_shared=False)
    onboarding = bare(session, blockers=1, customer_channel_id="CCUST")
    privacy = privacy_for(settings, None)
    run_stall_alerts(JobContext(settings, db, playbooks, at(day(1))), privacy)
    session.add(
        Blocker(
            onboarding_id=onboarding.id,
            reason="Legal review",
            owner_user_id="ULEGAL",
            opened_at=at(MONDAY - timedelta(days=5)),
            opened_by="UCSM",
        )
    )
    session.commit()
    # A second pass the same day (another process, or a retry) finds the new blocker.
    later = run_stall_alerts(JobContext(settings, db, playbooks, at(day(1), 17)), privacy)
    assert len(alert_posts(db)) == 1 and later.queued == []
    run_stall_alerts(JobContext(settings, db, playbooks, at(day(2))), privacy)
    posts = alert_posts(db)
    assert len(posts) == 2 and "Legal review" in str(posts[-1].payload)
