"""The leaders' Monday digest under explicit clocks: Mondays from 09:00 in each admin's own Slack
time zone (else ONBOARD_TIMEZONE), once per ISO week, by DM to the admins only: the headline
figures and the customers at risk or worse, within Block Kit limits for 200 of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.db import Database
from bot.entry.cli import main
from bot.entry.jobs_cli import deliver_with_sender
from bot.models import HealthCheck, Onboarding, OnboardingStatus, OutboxMessage
from bot.playbooks import PlaybookLibrary
from bot.slack import blocks as bk
from bot.slack.renderers import render_post
from bot.slack.user_zones import forget_zones
from bot.slack.usergroups import forget_members
from jobs.context import JobContext
from jobs.leaders_digest import run_leaders_digest
from tests.fakeslack import FakeSlack

LONDON, SYDNEY = "Europe/London", "Australia/Sydney"
WEEK = "2026-W46"
# Monday 2026-11-09: 09:00 in Sydney (UTC+11) is Sunday 22:00 UTC; in London it is 09:00 UTC.
SYDNEY_0900 = datetime(2026, 11, 8, 22, 0, tzinfo=UTC)
LONDON_0900 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Slack zones and group members are remembered per process: not from test to test."""
    forget_zones()
    forget_members()
    yield
    forget_zones()
    forget_members()


@pytest.fixture
def leads(settings: Settings, fake_slack: FakeSlack) -> Settings:
    """Admins: ULEAD in Sydney, UADMIN without a Slack zone; ONBOARD_TIMEZONE is London."""
    fake_slack.add_user("ULEAD", tz=SYDNEY)
    fake_slack.set_user_tz("UADMIN", None)
    return replace(settings, timezone=LONDON, admin_user_ids=frozenset({"UADMIN", "ULEAD"}))


def only_uadmin(settings: Settings) -> Settings:
    return replace(settings, admin_user_ids=frozenset({"UADMIN"}))


def customer(session: Session, name: str, *health: str, csm: str = "UCSM", closed=False) -> None:  # type: ignore[no-untyped-def]
    onboarding = Onboarding(
        company_name=name,
        company_key=name.lower(),
        arr=Decimal("50000"),
        start_date=date(2026, 10, 1),
        segment="Mid-Market",
        playbook="mid_market",
        status=OnboardingStatus.CLOSED if closed else OnboardingStatus.ACTIVE,
        csm_user_id=csm,
        ae_user_id="UAE",
        created_by="UAE",
    )
    onboarding.health_checks = [
        HealthCheck(
            checked_at=datetime(2026, 11, 1, 12, tzinfo=UTC) + timedelta(days=week),
            checked_by=csm,
            score={"healthy": 90, "at_risk": 55, "critical": 40, "emergency": 20}[status],
            status=status,
        )
        for week, status in enumerate(health)
    ]
    session.add(onboarding)


def run(settings: Settings, db: Database, playbooks: PlaybookLibrary, now: datetime) -> list[str]:
    return run_leaders_digest(JobContext(settings, db, playbooks, now)).queued


def digests(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "leaders-digest")
            .order_by(OutboxMessage.id)
        )
    )


def test_each_leader_at_0900_monday_in_their_own_zone_once_a_week(  # type: ignore[no-untyped-def]
    session, db, leads, playbooks
) -> None:
    customer(session, "Acme", "at_risk")
    session.commit()
    assert run(leads, db, playbooks, SYDNEY_0900 - timedelta(minutes=1)) == []
    assert run(leads, db, playbooks, SYDNEY_0900) == [f"leaders-digest:-:ULEAD:{WEEK}"]
    assert run(leads, db, playbooks, LONDON_0900 - timedelta(minutes=1)) == []
    # UADMIN's Slack profile has no zone: 09:00 in ONBOARD_TIMEZONE (London).
    assert run(leads, db, playbooks, LONDON_0900) == [f"leaders-digest:-:UADMIN:{WEEK}"]
    for later in (timedelta(hours=3), timedelta(days=1)):  # once per week, never twice
        assert run(leads, db, playbooks, LONDON_0900 + later) == []
    sydney, london = digests(session)
    assert (sydney.channel, london.channel) == ("ULEAD", "UADMIN")  # DMs: the sender opens the IM
    assert sydney.expires_at == datetime(2026, 11, 9, 13, 0, tzinfo=UTC)  # midnight in Sydney
    assert london.expires_at == datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
    assert "Mon Nov 9, 2026" in json.dumps(
        render_post(sydney.kind, sydney.payload).blocks
    )  # still Sunday in UTC
    assert sorted(run(leads, db, playbooks, LONDON_0900 + timedelta(days=7))) == [
        "leaders-digest:-:UADMIN:2026-W47",
        "leaders-digest:-:ULEAD:2026-W47",
    ]


def test_content_at_risk_customers_with_their_csm_escaped(  # type: ignore[no-untyped-def]
    session, db, leads, playbooks
) -> None:
    customer(session, "<!channel>", "healthy", "critical", csm="UCSM2")
    customer(session, "Globex", "emergency")
    customer(session, "Initech", "at_risk")
    customer(session, "Healthy Co", "at_risk", "healthy")  # its latest check is healthy
    customer(session, "Closed Co", "emergency", closed=True)
    session.commit()
    run(only_uadmin(leads), db, playbooks, LONDON_0900)
    [row] = digests(session)
    text = json.dumps(render_post(row.kind, row.payload).blocks, ensure_ascii=False)
    assert "Book health" in text and "Open full metrics" in text  # App Home's headline blocks
    assert "Customers who need a leader* (3 at risk or worse)" in text
    assert ":sos: emergency (20) *Globex* · CSM <@UCSM>" in text
    assert ":red_circle: critical (40) *&lt;!channel&gt;* · CSM <@UCSM2>" in text
    assert ":large_orange_circle: at risk (55) *Initech*" in text
    assert text.index("Globex") < text.index("&lt;!channel&gt;") < text.index("Initech")
    assert "<!channel>" not in text and "Healthy Co" not in text and "Closed Co" not in text
    assert "/onboard metrics segment" in text
    assert "3 at risk or worse" in render_post(row.kind, row.payload).text


def test_200_at_risk_customers_fit_and_slack_accepts_it(  # type: ignore[no-untyped-def]
    session, db, leads, playbooks, fake_slack
) -> None:
    for i in range(200):
        status = ("at_risk", "critical", "emergency")[i % 3]
        customer(session, f"{'<Very long & risky> name ' * 7}{i:03}", status)
    session.commit()
    run(only_uadmin(leads), db, playbooks, LONDON_0900)
    [row] = digests(session)
    blocks = render_post(row.kind, row.payload).blocks
    assert len(blocks) <= bk.MAX_MESSAGE_BLOCKS
    part = next(b for b in blocks if "need a leader" in json.dumps(b))
    assert len(part["text"]["text"]) <= bk.SECTION_TEXT_MAX
    assert part["text"]["text"].count(":sos: emergency") == 15  # the worst first
    assert "(200 at risk or worse)" in part["text"]["text"]
    assert "…and 185 more: `/onboard metrics segment`" in part["text"]["text"]
    deliver_with_sender(
        only_uadmin(leads), db, LONDON_0900, "test"
    )  # the fake Slack checks every limit
    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.response is not None and posted.response["ok"]
    assert digests(session)[0].status == "sent"


def test_admins_only_never_a_csm_and_by_user_group(  # type: ignore[no-untyped-def]
    session, db, leads, playbooks, fake_slack
) -> None:
    customer(session, "Acme", "critical", csm="UCSM")
    session.commit()
    fake_slack.add_user("UGROUPIE", tz=LONDON)
    fake_slack.usergroups["SLEADS"] = ["UGROUPIE"]
    grouped = replace(leads, admin_user_ids=frozenset({"UADMIN"}), admin_usergroup_id="SLEADS")
    without_slack = replace(grouped, slack_bot_token="")
    assert run(without_slack, db, playbooks, LONDON_0900) == [f"leaders-digest:-:UADMIN:{WEEK}"]
    assert run(grouped, db, playbooks, LONDON_0900) == [f"leaders-digest:-:UGROUPIE:{WEEK}"]
    assert {row.channel for row in digests(session)} == {"UADMIN", "UGROUPIE"}  # not UCSM


def test_off_or_without_admins_nothing(session, db, leads, playbooks) -> None:  # type: ignore[no-untyped-def]
    customer(session, "Acme", "critical")
    session.commit()
    assert run(replace(leads, leaders_digest=False), db, playbooks, LONDON_0900) == []
    nobody = replace(leads, admin_user_ids=frozenset(), admin_usergroup_id="")
    assert run(nobody, db, playbooks, LONDON_0900) == []
    assert digests(session) == []


@pytest.mark.parametrize("raw", ["0", "false", "off", "OFF"])
def test_the_setting_turns_it_off(raw: str) -> None:
    assert load_settings({}, require_slack=False).leaders_digest is True
    assert (
        load_settings({"ONBOARD_LEADERS_DIGEST": raw}, require_slack=False).leaders_digest is False
    )


def test_onboard_jobs_run_leaders_digest(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ONBOARD_TIMEZONE", "America/New_York")
    monkeypatch.setenv("ONBOARD_ADMINS", "UADMIN")
    assert main(["jobs", "run", "leaders-digest", "--now", "2026-11-09T08:59"]) == 0
    assert "leaders-digest: done: queued 0" in capsys.readouterr().out
    assert main(["jobs", "run", "all", "--now", "2026-11-09T09:00"]) == 0
    out = capsys.readouterr().out
    assert f"queued   leaders-digest:-:UADMIN:{WEEK}" in out
    assert "pending  " in out and "The book this week: 0 onboardings" in out
