"""The weekly digest under a frozen clock: Mondays from 09:00 local, once per ISO week, each
CSM's book by DM, within Block Kit limits for a book of 500 onboardings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.jobs import JobContext
from bot.models import Blocker, HypercareIssue, OnboardingStatus, OutboxMessage
from bot.services.digest import Book, MilestoneDue
from bot.services.milestones import complete_named_milestone
from bot.slack.digest_views import LINES_MAX, build_digest_blocks
from jobs.digest import run_digest
from tests.factories import CSM
from tests.test_plan import acme

# Acme starts Monday 2026-11-02. Monday 2026-11-09, 09:00 in New York is 14:00 UTC.
NY = "America/New_York"
MONDAY_0859 = datetime(2026, 11, 9, 13, 59, tzinfo=UTC)
MONDAY_0900 = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


@pytest.fixture
def ny(settings):  # type: ignore[no-untyped-def]
    return replace(settings, timezone=NY)


def run(ny, db, playbooks, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return run_digest(JobContext(ny, db, playbooks, now)).queued


def digests(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)
        )
    )


def test_due_from_0900_local_on_monday_only(session, db, ny, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme(session, playbooks)
    sunday = datetime(2026, 11, 8, 15, tzinfo=UTC)
    assert run(ny, db, playbooks, sunday) == []
    assert run(ny, db, playbooks, MONDAY_0859) == []
    # 09:00 UTC is 04:00 in New York: not yet.
    assert run(ny, db, playbooks, datetime(2026, 11, 9, 9, 0, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, MONDAY_0900) == [f"digest:-:{CSM}:2026-W46"]
    assert run(ny, db, playbooks, MONDAY_0900 + timedelta(hours=3)) == []  # once per week
    tuesday = datetime(2026, 11, 10, 14, tzinfo=UTC)
    assert run(ny, db, playbooks, tuesday) == []
    [row] = digests(session)
    assert row.channel == CSM  # a DM: the sender opens the IM
    assert row.expires_at == datetime(2026, 11, 10, 5, 0, tzinfo=UTC)  # midnight in New York
    assert run(ny, db, playbooks, MONDAY_0900 + timedelta(days=7)) == [f"digest:-:{CSM}:2026-W47"]


def test_each_csm_gets_their_own_book(session, db, ny, playbooks) -> None:  # type: ignore[no-untyped-def]
    mine = acme(session, playbooks)
    acme(session, playbooks, company_name="Globex", csm_user_id="UCSM2")
    closed = acme(session, playbooks, company_name="Initech", csm_user_id="UCSM3")
    closed.status = OnboardingStatus.CLOSED
    session.commit()
    assert sorted(run(ny, db, playbooks, MONDAY_0900)) == sorted(
        [f"digest:-:{CSM}:2026-W46", "digest:-:UCSM2:2026-W46"]
    )
    [first] = [row for row in digests(session) if row.channel == CSM]
    text = json.dumps(first.payload)
    assert first.channel == CSM and "Acme Manufacturing" in text and "Globex" not in text
    assert mine.id  # the book is the CSM's open onboardings only


def test_content_overdue_due_this_week_blockers_hypercare(session, db, ny, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete_named_milestone(
        session, onboarding.id, "handoff", CSM, admins=(), now=datetime(2026, 11, 3, 15, tzinfo=UTC)
    )
    live = acme(session, playbooks, company_name="Globex")
    live.status = OnboardingStatus.HYPERCARE
    live.go_live_at = datetime(2026, 11, 5, 15, tzinfo=UTC)
    live.hypercare_ends_on = date(2026, 11, 26)
    session.add_all(
        [
            Blocker(
                onboarding_id=onboarding.id,
                reason="waiting on <SSO> metadata",
                owner_user_id="UAE",
                opened_by=CSM,
                opened_at=datetime(2026, 11, 6, tzinfo=UTC),
            ),
            *(
                HypercareIssue(
                    onboarding_id=live.id,
                    number=n,
                    severity=sev,
                    title="t",
                    opened_at=live.go_live_at,
                    opened_by=CSM,
                    resolved_at=resolved,
                )
                for n, (sev, resolved) in enumerate(
                    [("P1", None), ("P3", None), ("P3", None), ("P2", live.go_live_at)], start=1
                )
            ),
        ]
    )
    session.commit()
    run(ny, db, playbooks, MONDAY_0900)
    [row] = digests(session)
    text = json.dumps(row.payload["blocks"])
    # Kickoff was due Thu Nov 5 (4 days over); technical setup Thu Nov 12 is due this week.
    assert "*Acme Manufacturing*: Kickoff held, due Thu Nov 5, 2026 (4 days over)" in text
    assert "Technical setup complete, Thu Nov 12, 2026 (in 3 days)" in text
    assert "waiting on &lt;SSO&gt; metadata (<@UAE>, open 3 days)" in text
    assert "*Globex*: day 5, ends Thu Nov 26, 2026; 1 P1, 2 P3" in text
    assert "*Acme Manufacturing*: Handoff complete" not in text  # done on time
    assert "2 open onboardings" in text or "*2* open onboardings" in text


def test_a_book_of_500_fits_in_one_message() -> None:
    today = date(2026, 11, 9)
    lines = [
        MilestoneDue(
            i,
            f"Customer {i:03d} " + "x" * 150,
            "Technical setup complete " + "y" * 100,
            today - timedelta(days=i % 30 + 1),
            i % 30 + 1,
        )
        for i in range(500)
    ]
    book = Book(CSM, "2026-W46", today, 500, lines, lines, [], [])
    blocks = build_digest_blocks(book)
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    assert f"…and {500 - LINES_MAX} more: `/onboard list overdue`" in text
