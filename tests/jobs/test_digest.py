"""The weekly digest under a frozen clock: Mondays from 09:00 in each CSM's own Slack time zone
(else ONBOARD_TIMEZONE), once per ISO week, each CSM's book by DM, within Block Kit limits for a
book of 500 onboardings."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.models import Blocker, HypercareIssue, OnboardingStatus, OutboxMessage
from bot.services.digest import Book, MilestoneDue, digest_day, may_be_due
from bot.services.milestones import complete_named_milestone
from bot.slack.digest_views import LINES_MAX, build_digest_blocks
from bot.slack.renderers import render_post
from bot.slack.user_zones import forget_zones
from jobs.context import JobContext
from jobs.digest import run_digest
from tests.factories import CSM
from tests.jobs.test_plan import acme

# Acme starts Monday 2026-11-02. Monday 2026-11-09, 09:00 in New York is 14:00 UTC.
NY = "America/New_York"
MONDAY_0859 = datetime(2026, 11, 9, 13, 59, tzinfo=UTC)
MONDAY_0900 = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


@pytest.fixture
def ny(settings):  # type: ignore[no-untyped-def]
    return replace(settings, timezone=NY)


@pytest.fixture(autouse=True)
def fresh_zones() -> Iterator[None]:
    """The job remembers each CSM's Slack zone for a day per process: not from test to test."""
    forget_zones()
    yield
    forget_zones()


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
    text = json.dumps(render_post(first.kind, first.payload).blocks)
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
    text = json.dumps(render_post(row.kind, row.payload).blocks)
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


# ---- each CSM's own time zone ------------------------------------------------------------------

SYDNEY, LA = "Australia/Sydney", "America/Los_Angeles"


def book_of(session, csm: str) -> OutboxMessage:  # type: ignore[no-untyped-def]
    [row] = [r for r in digests(session) if r.channel == csm]
    return row


def users_info(fake_slack) -> list[str]:  # type: ignore[no-untyped-def]
    return [call.params["user"] for call in fake_slack.calls_to("users.info")]


def test_each_csm_at_0900_monday_in_their_own_slack_zone(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    fake_slack.set_user_tz(CSM, SYDNEY, tz_offset=11 * 3600)
    fake_slack.set_user_tz("UCSM2", LA)
    fake_slack.add_user("UCSM3", tz=None)  # Slack gives no zone: ONBOARD_TIMEZONE (New York)
    assert "tz" not in fake_slack.users["UCSM3"] and fake_slack.users["UCSM2"]["tz"] == LA
    acme(session, playbooks)
    acme(session, playbooks, company_name="Globex", csm_user_id="UCSM2")
    acme(session, playbooks, company_name="Initech", csm_user_id="UCSM3")
    week = "2026-W46"
    # Monday Nov 9, 09:00 in Sydney (UTC+11, summer time) is Sunday 22:00 UTC.
    assert run(ny, db, playbooks, datetime(2026, 11, 8, 21, 59, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 11, 8, 22, 0, tzinfo=UTC)) == [
        f"digest:-:{CSM}:{week}"
    ]
    assert run(ny, db, playbooks, MONDAY_0859) == []
    assert run(ny, db, playbooks, MONDAY_0900) == [f"digest:-:UCSM3:{week}"]  # 09:00 New York
    assert run(ny, db, playbooks, datetime(2026, 11, 9, 16, 59, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 11, 9, 17, 0, tzinfo=UTC)) == [
        f"digest:-:UCSM2:{week}"  # 09:00 in Los Angeles (UTC-8)
    ]
    assert run(ny, db, playbooks, datetime(2026, 11, 10, 14, tzinfo=UTC)) == []
    sydney = book_of(session, CSM)
    # The Sydney book is Monday's, though it is still Sunday in UTC; it expires at midnight there.
    assert "Monday digest for Mon Nov 9, 2026" in json.dumps(
        render_post(sydney.kind, sydney.payload).blocks
    )
    assert sydney.expires_at == datetime(2026, 11, 9, 13, 0, tzinfo=UTC)
    assert book_of(session, "UCSM2").expires_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert book_of(session, "UCSM3").expires_at == datetime(2026, 11, 10, 5, 0, tzinfo=UTC)
    # Seven runs over 19 hours: Slack was asked once per CSM, and answered as Slack does.
    assert sorted(users_info(fake_slack)) == [CSM, "UCSM2", "UCSM3"]
    [asked] = [c for c in fake_slack.calls_to("users.info") if c.params["user"] == CSM]
    assert asked.response is not None
    assert {k: asked.response["user"][k] for k in ("tz", "tz_offset")} == {
        "tz": SYDNEY,
        "tz_offset": 39600,
    }


def test_09_00_local_across_daylight_saving_changes(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    fake_slack.set_user_tz(CSM, LA)
    fake_slack.set_user_tz("UCSM2", SYDNEY)
    acme(session, playbooks)
    acme(session, playbooks, company_name="Globex", csm_user_id="UCSM2")
    # Los Angeles leaves summer time on Sunday Nov 1: 09:00 is 16:00 UTC, then 17:00 UTC.
    assert run(ny, db, playbooks, datetime(2026, 10, 26, 15, 59, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 10, 26, 16, tzinfo=UTC)) == [
        f"digest:-:{CSM}:2026-W44"
    ]
    assert run(ny, db, playbooks, datetime(2026, 11, 2, 16, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 11, 2, 17, tzinfo=UTC)) == [
        f"digest:-:{CSM}:2026-W45"
    ]
    # Sydney enters summer time on Sunday Oct 4: 09:00 is 23:00 UTC, then 22:00 UTC (Sunday).
    assert run(ny, db, playbooks, datetime(2026, 9, 27, 22, 59, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 9, 27, 23, tzinfo=UTC)) == [
        "digest:-:UCSM2:2026-W40"
    ]
    assert run(ny, db, playbooks, datetime(2026, 10, 4, 21, 59, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, datetime(2026, 10, 4, 22, tzinfo=UTC)) == [
        "digest:-:UCSM2:2026-W41"
    ]


def test_users_info_failing_falls_back_to_onboard_timezone(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack, caplog
) -> None:
    fake_slack.set_user_tz(CSM, SYDNEY)
    acme(session, playbooks)
    fake_slack.server_error("users.info", times=100)
    sunday_2200 = datetime(2026, 11, 8, 22, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="jobs.digest"):
        assert run(ny, db, playbooks, sunday_2200) == []  # Sunday 17:00 in New York
    assert "users.info UCSM failed (" in caplog.text
    assert "going by the default zone" in caplog.text
    # Asked again 15 minutes after a failure, still failing: the digest goes out by New York.
    assert run(ny, db, playbooks, MONDAY_0900) == [f"digest:-:{CSM}:2026-W46"]
    assert book_of(session, CSM).expires_at == datetime(2026, 11, 10, 5, 0, tzinfo=UTC)
    assert users_info(fake_slack) == [CSM, CSM]


def test_a_csm_unknown_to_slack_gets_it_at_onboard_timezone(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    acme(session, playbooks, csm_user_id="UGONE")  # users.info: user_not_found
    assert run(ny, db, playbooks, datetime(2026, 11, 8, 22, tzinfo=UTC)) == []
    assert run(ny, db, playbooks, MONDAY_0859) == []
    assert run(ny, db, playbooks, MONDAY_0900) == ["digest:-:UGONE:2026-W46"]
    assert users_info(fake_slack) == ["UGONE"]  # Slack's answer holds for the day


def test_a_rate_limit_falls_back_and_asks_again_later(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    fake_slack.set_user_tz(CSM, SYDNEY)
    fake_slack.set_user_tz("UCSM2", SYDNEY)
    acme(session, playbooks)
    acme(session, playbooks, company_name="Globex", csm_user_id="UCSM2")
    fake_slack.rate_limit("users.info", retry_after=30)
    sunday_2200 = datetime(2026, 11, 8, 22, tzinfo=UTC)
    assert run(ny, db, playbooks, sunday_2200) == []  # New York's Sunday: not yet
    assert len(users_info(fake_slack)) == 1  # nobody else is asked until Retry-After
    # Past Retry-After, the CSM nobody asked is asked; the failed one waits 15 minutes.
    assert run(ny, db, playbooks, sunday_2200 + timedelta(minutes=5)) == ["digest:-:UCSM2:2026-W46"]
    assert run(ny, db, playbooks, sunday_2200 + timedelta(minutes=15)) == [
        f"digest:-:{CSM}:2026-W46"
    ]
    assert users_info(fake_slack) == [CSM, "UCSM2", CSM]


def test_without_slack_onboard_timezone_and_with_a_client_its_answer(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    fake_slack.set_user_tz(CSM, SYDNEY)
    acme(session, playbooks)
    sunday_2200 = datetime(2026, 11, 8, 22, tzinfo=UTC)
    offline = replace(ny, slack_bot_token="")  # `onboard jobs run digest` without Slack settings
    assert run(offline, db, playbooks, sunday_2200) == []
    assert run(offline, db, playbooks, MONDAY_0900) == [f"digest:-:{CSM}:2026-W46"]
    assert users_info(fake_slack) == []
    session.execute(OutboxMessage.__table__.delete())
    session.commit()
    client = WebClient(token="xoxb-test-token", base_url=fake_slack.url)
    ctx = JobContext(offline, db, playbooks, sunday_2200, slack=client)
    assert run_digest(ctx).queued == [f"digest:-:{CSM}:2026-W46"]


def test_never_twice_in_a_week_when_the_zone_changes(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    fake_slack.set_user_tz(CSM, SYDNEY)
    acme(session, playbooks)
    assert run(ny, db, playbooks, datetime(2026, 11, 8, 22, tzinfo=UTC)) == [
        f"digest:-:{CSM}:2026-W46"
    ]
    fake_slack.set_user_tz(CSM, LA)  # flew to Los Angeles on Monday
    forget_zones()
    assert run(ny, db, playbooks, datetime(2026, 11, 9, 17, tzinfo=UTC)) == []
    forget_zones()
    fake_slack.fail("users.info", "fatal_error")  # falls back to New York
    assert run(ny, db, playbooks, MONDAY_0900 + timedelta(hours=1)) == []
    assert len(digests(session)) == 1


def test_outside_monday_anywhere_slack_is_not_asked(  # type: ignore[no-untyped-def]
    session, db, ny, playbooks, fake_slack
) -> None:
    acme(session, playbooks)
    for now in (
        datetime(2026, 11, 8, 18, 59, tzinfo=UTC),  # Sunday: 08:59 Monday at UTC+14
        datetime(2026, 11, 10, 12, tzinfo=UTC),  # Tuesday: midnight at UTC-12
        datetime(2026, 11, 11, 14, tzinfo=UTC),
    ):
        assert run(ny, db, playbooks, now) == []
    assert users_info(fake_slack) == []


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        ("Pacific/Kiritimati", datetime(2026, 11, 8, 19, tzinfo=UTC), None),  # UTC+14
        ("Etc/GMT+12", None, datetime(2026, 11, 10, 12, tzinfo=UTC)),  # UTC-12
        ("Asia/Kathmandu", datetime(2026, 11, 9, 3, 15, tzinfo=UTC), None),  # UTC+5:45
    ],
)
def test_the_window_covers_every_zone(
    zone: str, start: datetime | None, end: datetime | None
) -> None:

    if start is not None:
        assert digest_day(start, ZoneInfo(zone)) == date(2026, 11, 9) and may_be_due(start)
        assert digest_day(start - timedelta(minutes=1), ZoneInfo(zone)) is None
    if end is not None:
        last = end - timedelta(minutes=1)
        assert digest_day(last, ZoneInfo(zone)) == date(2026, 11, 9) and may_be_due(last)
        assert digest_day(end, ZoneInfo(zone)) is None and not may_be_due(end)
    assert not may_be_due(datetime(2026, 11, 8, 18, 59, tzinfo=UTC))
