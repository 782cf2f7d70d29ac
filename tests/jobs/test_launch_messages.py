"""Launch messages under a frozen clock: in the customer channel, 5 business days before the
go-live target ("go-live is next Thursday: what to expect, who to contact") and 3 days after
go-live ("how is it going, where to get help"), each once per onboarding, never late past the
target, never with internal data, and none without a customer channel."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from freezegun import freeze_time
from sqlalchemy import select

from bot.models import OutboxMessage
from bot.playbooks import PlaybookLibrary
from bot.services.launch_messages import LaunchMessage
from bot.services.outbox import post_data
from bot.slack.renderers import render_post
from jobs.context import JobContext
from jobs.launch_messages import run_launch_messages
from tests.factories import CSM
from tests.jobs.test_plan import acme

# The Acme handoff (Mid-Market, start Mon 2026-11-02): go-live target Thu 2026-12-24.
TARGET = date(2026, 12, 24)


# The outbox's adapter for the message is built once, outside a frozen clock: freezegun's
# FakeDate in the dataclass's annotations would not make a pydantic schema.
post_data(LaunchMessage(0, "warm-up", TARGET, CSM, 1, 0))


def run(settings, db, playbooks, when: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The job as the scheduler runs it at `when` (UTC)."""
    with freeze_time(when):
        return run_launch_messages(JobContext(settings, db, playbooks, datetime.now(UTC))).queued


def shown(db, key: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
        message = render_post(row.kind, row.payload)
        return row.channel, json.dumps({"text": message.text, "blocks": message.blocks})


def test_a_week_before_the_target_the_customer_hears_what_to_expect(  # type: ignore[no-untyped-def]
    settings, db, session, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    assert next(m.due_date for m in onboarding.milestones if m.is_go_live) == TARGET
    assert run(settings, db, playbooks, "2026-12-16 09:05") == []  # 6 business days before
    key = f"launch-before:{onboarding.id}::"
    assert run(settings, db, playbooks, "2026-12-17 08:55") == []  # before 09:00
    assert run(settings, db, playbooks, "2026-12-17 09:05") == [key]  # Thu, 5 business days
    assert run(settings, db, playbooks, "2026-12-18 09:05") == []  # once per onboarding
    channel, text = shown(db, key)
    assert channel == "C0ACME"
    assert "Go-live is next Thursday* (Thu Dec 24, 2026) for *Acme Manufacturing*" in text
    assert "What to expect" in text and "Who to contact" in text and f"<@{CSM}>" in text
    assert "15 business days" in text
    for internal in ("ARR", "95,000", "$95K", "health", "risk"):
        assert internal not in text


def test_a_late_start_still_tells_before_the_day_but_never_on_or_after_it(  # type: ignore[no-untyped-def]
    settings, db, session, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    assert run(settings, db, playbooks, "2026-12-24 09:05") == []  # the day itself: too late
    key = f"launch-before:{onboarding.id}::"
    assert run(settings, db, playbooks, "2026-12-22 09:05") == [key]  # Tue: late, still ahead
    _, text = shown(db, key)
    assert "Go-live is this Thursday" in text
    with db.session() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
        assert row.expires_at is not None and row.expires_at.date() == TARGET


def test_three_days_after_go_live_the_customer_is_asked_how_it_goes(  # type: ignore[no-untyped-def]
    settings, db, session, playbooks
) -> None:
    onboarding = acme(session, playbooks)
    onboarding.go_live_at = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Mon
    session.commit()
    key = f"launch-after:{onboarding.id}::"
    assert run(settings, db, playbooks, "2026-12-16 09:05") == []  # day 2
    assert run(settings, db, playbooks, "2026-12-17 09:05") == [key]  # day 3
    assert run(settings, db, playbooks, "2026-12-18 09:05") == []
    channel, text = shown(db, key)
    assert channel == "C0ACME"
    assert "live since Mon Dec 14, 2026: how is it going?" in text
    assert "Where to get help" in text and f"<@{CSM}>" in text
    # Live already: no "go-live is next …" message any more.
    assert f"launch-before:{onboarding.id}::" not in run(
        settings, db, playbooks, "2026-12-21 09:05"
    )


def test_weeks_after_go_live_it_is_too_late_to_ask(settings, db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    onboarding.go_live_at = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    session.commit()
    assert run(settings, db, playbooks, "2026-12-17 09:05") == []


def test_no_customer_channel_no_launch_messages(settings, db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme(session, playbooks, customer_channel_id=None)
    assert run(settings, db, playbooks, "2026-12-17 09:05") == []


def test_a_playbook_without_launch_messages_sends_none(settings, db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme(session, playbooks)
    mid_market = playbooks.get("mid_market")
    schedule = mid_market.launch_messages.model_copy(update={"before_business_days": None})
    off = mid_market.model_copy(update={"launch_messages": schedule})
    library = PlaybookLibrary([off, *(p for p in playbooks if p.key != "mid_market")])
    assert run(settings, db, library, "2026-12-17 09:05") == []
