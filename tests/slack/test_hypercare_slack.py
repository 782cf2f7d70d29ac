"""Hypercare over signed HTTP (golive, issue, respond, resolve, End hypercare) and the daily
sync job under a fixed clock: 09:00 local east and west of UTC, weekends, both DST changes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.calendar import add_business_days
from bot.models import HypercareIssue, Onboarding, OnboardingStatus, OutboxMessage
from bot.services.hypercare import go_live, open_issue, resolve_issue
from bot.slack.renderers import render_post
from jobs import JOBS
from jobs.context import JobContext
from jobs.hypercare_sync import hypercare_sync, sync_keys
from tests.factories import finish_pilot
from tests.fakeslack import message_problems
from tests.services.test_hypercare import make_onboarding
from tests.slack.test_gate_slack import pass_gate

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def reply(fake_slack, contains: str) -> dict:  # type: ignore[no-untyped-def]
    return fake_slack.wait_for_response(lambda r: contains in json.dumps(r))[-1]


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def seed(db, playbooks, name: str = "Acme Manufacturing", **fields) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = make_onboarding(session, playbooks, name, **fields)
        finish_pilot(onboarding)  # ready for the gate's pilot check
        session.commit()
        return onboarding.id


def seed_live(db, playbooks, at: datetime, name: str = "Acme Manufacturing", **fields) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = make_onboarding(session, playbooks, name, **fields)
        go_live(session, onboarding, "UCSM", at, playbooks.get(onboarding.playbook))
        session.commit()
        return onboarding.id


# ---- commands -----------------------------------------------------------------------------


def test_golive_starts_hypercare(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme mfg", user_id="UCSM")
    text = json.dumps(pass_gate(slack, fake_slack))  # the readiness gate, all YES
    ends = add_business_days(datetime.now(UTC).date(), 15)
    assert "15 business days" in text and f"{ends:%b} {ends.day}, {ends:%Y}" in text
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        assert onboarding.status == OnboardingStatus.HYPERCARE and onboarding.go_live_at
        assert onboarding.hypercare_ends_on == ends
    slack.command("golive acme", user_id="UCSM")
    reply(fake_slack, "already went live")


def test_golive_needs_permission(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme", user_id="UOTHER")
    assert "<@UCSM>" in json.dumps(reply(fake_slack, "Only the CSM"))
    with db.session() as session:
        assert session.scalars(select(Onboarding.status)).one() == OnboardingStatus.ACTIVE


def test_issue_respond_resolve(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, datetime.now(UTC) - timedelta(days=1))
    slack.command("issue acme P2 SAP <sync> fails & retries", user_id="UCSM")
    opened = reply(fake_slack, "opened for")
    text = json.dumps(opened)
    assert opened["response_type"] == "ephemeral"
    assert "*#1*" in text and "SAP &lt;sync&gt; fails &amp; retries" in text
    assert "response due" in text and "resolve by" in text
    assert set(buttons(opened)) == {"hypercare-responded", "hypercare-resolve"}
    responded = buttons(opened)["hypercare-responded"]
    slack.block_action(responded["action_id"], responded["value"], user_id="UAE")
    done = reply(fake_slack, "First response recorded")
    assert done["replace_original"] is True
    assert set(buttons(done)) == {"hypercare-resolve"}
    slack.command("issue acme mfg p4 How do I export?", user_id="UADMIN")
    reply(fake_slack, "*#2*")
    slack.command("resolve acme #1", user_id="UCSM")
    assert "1 still open" in json.dumps(reply(fake_slack, "Resolved *#1*"))
    slack.command("respond acme 2", user_id="UCSM")
    reply(fake_slack, "First response recorded on *#2*")
    slack.command("resolve acme 1", user_id="UCSM")
    reply(fake_slack, "was already resolved")
    with db.session() as session:
        issues = session.scalars(select(HypercareIssue).order_by(HypercareIssue.number)).all()
        assert [(i.number, i.severity) for i in issues] == [(1, "P2"), (2, "P4")]
        assert issues[0].first_response_at and issues[0].resolved_by == "UCSM"
        assert issues[1].first_response_at and issues[1].resolved_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("issue acme P7 broken", "is not a severity"),
        ("issue acme P1", "Give the issue a title"),
        ("issue acme broken", "Usage"),
        ("resolve acme", "Usage"),
        ("resolve acme 9", "has no issue #9"),
        ("golive", "Usage"),
        ("issue zzyzx P1 down", "find a customer"),
    ],
)
def test_command_errors(slack, fake_slack, db, playbooks, text, expected) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, datetime.now(UTC) - timedelta(days=1))
    slack.command(text, user_id="UCSM")
    reply(fake_slack, expected)
    with db.session() as session:
        assert session.scalars(select(HypercareIssue)).all() == []


def test_issue_before_go_live_is_refused(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("issue acme P1 down", user_id="UCSM")
    reply(fake_slack, "not in hypercare yet")


def test_issue_needs_permission(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, datetime.now(UTC) - timedelta(days=1))
    slack.command("issue acme P1 down", user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    with db.session() as session:
        assert session.scalars(select(HypercareIssue)).all() == []


def test_ambiguous_customer_asks_with_buttons_that_work(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    seed(db, playbooks, "Acme Labs")
    slack.command("golive acme", user_id="UCSM")
    ask = reply(fake_slack, "Which one did you mean")
    labs = next(b for b in buttons(ask).values() if b["text"]["text"] == "Acme Labs")
    slack.block_action(labs["action_id"], labs["value"], user_id="UCSM")
    assert "*Acme Labs* is live" in json.dumps(pass_gate(slack, fake_slack))
    with db.session() as session:
        live = session.scalars(
            select(Onboarding.company_name).where(Onboarding.go_live_at.is_not(None))
        )
        assert list(live) == ["Acme Labs"]


# ---- the sync job -------------------------------------------------------------------------


def run(settings, db, playbooks, now: datetime, tz: str = "UTC"):  # type: ignore[no-untyped-def]
    context = JobContext(replace(settings, timezone=tz), db, playbooks, now)
    return JOBS["hypercare-sync"](context)


def rows(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def sent(row: OutboxMessage) -> dict[str, Any]:
    """The message the sender posts for `row`."""
    rendered = render_post(row.kind, row.payload)
    return {"text": rendered.text, "blocks": rendered.blocks}


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def test_job_is_registered() -> None:
    assert JOBS["hypercare-sync"] is hypercare_sync


@pytest.mark.parametrize("zone", [TOKYO, LOS_ANGELES], ids=["tokyo", "los-angeles"])
@pytest.mark.parametrize("own_zone", [True, False], ids=["onboarding-tz", "onboard-timezone"])
def test_sync_at_0900_local(settings, db, playbooks, zone, own_zone) -> None:  # type: ignore[no-untyped-def]
    fields = {"timezone": zone.key} if own_zone else {}
    default = "UTC" if own_zone else zone.key
    onboarding_id = seed_live(db, playbooks, local(zone, 2026, 12, 14, 11, 0), **fields)
    result = run(settings, db, playbooks, local(zone, 2026, 12, 17, 8, 59), default)
    assert result.queued == [] and "before 09:00 local (08:59" in result.skipped[0]
    assert rows(db) == []
    now = local(zone, 2026, 12, 17, 9, 0)
    result = run(settings, db, playbooks, now, default)
    parent_key, detail_key = sync_keys(onboarding_id, "2026-12-17")
    assert result.queued == [parent_key, detail_key]
    parent, detail = rows(db)
    assert parent.idempotency_key == parent_key and parent.thread_of is None
    assert detail.idempotency_key == detail_key and detail.thread_of == parent_key
    assert parent.channel == detail.channel == "C0ACME"
    end_of_day = datetime(2026, 12, 18, 0, 0, tzinfo=zone)
    assert parent.expires_at == detail.expires_at == end_of_day
    assert "Hypercare day 4 of 15" in json.dumps(sent(parent))
    # Run again (and later the same day): nothing new.
    again = run(settings, db, playbooks, now, default)
    later = run(settings, db, playbooks, now + timedelta(hours=8), default)
    assert again.queued == later.queued == [] and len(rows(db)) == 2


def test_no_sync_on_a_saturday(settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, local(TOKYO, 2026, 12, 14, 11, 0), timezone="Asia/Tokyo")
    for hour in range(0, 24):
        result = run(settings, db, playbooks, local(TOKYO, 2026, 12, 19, hour, 30))
        assert result.queued == []
    assert "Saturday is not a business day" in result.skipped[0]
    assert rows(db) == []


def test_no_sync_on_the_go_live_day_after_0900(settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    assert run(settings, db, playbooks, datetime(2026, 12, 16, 11, 0, tzinfo=UTC)).queued == []
    result = run(settings, db, playbooks, datetime(2026, 12, 17, 9, 5, tzinfo=UTC))
    assert len(result.queued) == 2
    assert "Hypercare day 2 of 15" in json.dumps(sent(rows(db)[0]))


@pytest.mark.parametrize(
    ("zone", "start", "days"),
    [
        # US: clocks go back on Sunday 2026-11-01; 09:00 is 16:00 UTC before, 17:00 after.
        (
            LOS_ANGELES,
            date(2026, 10, 29),
            {"2026-10-29": 16, "2026-10-30": 16, "2026-11-02": 17, "2026-11-03": 17},
        ),
        # EU: clocks go back on Sunday 2026-10-25; 09:00 is 07:00 UTC before, 08:00 after.
        (
            BERLIN,
            date(2026, 10, 22),
            {"2026-10-22": 7, "2026-10-23": 7, "2026-10-26": 8, "2026-10-27": 8},
        ),
    ],
    ids=["us-2026-11-01", "eu-2026-10-25"],
)
def test_exactly_one_sync_per_local_business_day_across_dst(  # type: ignore[no-untyped-def]
    settings, db, playbooks, zone, start, days
) -> None:
    """Tick every 15 minutes for 6 days across the change: one parent per local business day,
    queued at the first tick at or after 09:00 local, none on the weekend."""
    seed_live(db, playbooks, local(zone, 2026, 10, 19, 10, 0), timezone=zone.key)
    first_seen: dict[str, datetime] = {}
    now = datetime.combine(start, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = now + timedelta(days=6)
    while now < end:
        for key in run(settings, db, playbooks, now).queued:
            if key.startswith("hypercare-sync:") and ":parent:" in key:
                first_seen[key.rsplit(":", 1)[1]] = now
        now += timedelta(minutes=15)
    assert {d: t.hour for d, t in first_seen.items()} == days
    assert all(t.minute == 0 for t in first_seen.values())
    parents = [r for r in rows(db) if r.thread_of is None]
    assert len(parents) == len(days) and len(rows(db)) == 2 * len(days)


def test_destination_falls_back_to_internal_channel_then_dm(settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 12, 14, 10, tzinfo=UTC)
    seed_live(
        db, playbooks, at, "Internal Co", customer_channel_id=None, internal_channel_id="CINT"
    )
    seed_live(db, playbooks, at, "Dm Co", customer_channel_id=None, internal_channel_id=None)
    run(settings, db, playbooks, datetime(2026, 12, 15, 9, tzinfo=UTC))
    assert sorted({r.channel for r in rows(db)}) == ["CINT", "UCSM"]


def test_sync_reads_p3_clocks_in_local_business_hours(settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    """Logged Friday 16:30 Los Angeles: the P1 is overdue by Monday, the P3 is due at 12:30."""
    onboarding_id = seed_live(
        db, playbooks, local(LOS_ANGELES, 2026, 12, 14, 11, 0), timezone="America/Los_Angeles"
    )
    friday = local(LOS_ANGELES, 2026, 12, 18, 16, 30)
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        open_issue(session, onboarding, "P1", "Orders stuck", "UCSM", friday)
        open_issue(session, onboarding, "P3", "Export slow", "UCSM", friday)
        session.commit()
    run(settings, db, playbooks, local(LOS_ANGELES, 2026, 12, 21, 9, 0))
    parent, detail = rows(db)
    text = json.dumps(sent(detail))
    assert "response due 12:30 PST (3h 30m left)" in text
    assert "was due Fri Dec 18, 16:45 PST" in text
    assert "1 SLA breach" in json.dumps(sent(parent))


def test_sync_content_is_customer_safe_and_fits_slack(settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    """500 issues, hostile titles: within Block Kit limits, escaped, nothing internal."""
    went_live = datetime(2026, 12, 7, 10, tzinfo=UTC)
    onboarding_id = seed_live(db, playbooks, went_live)
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        for n in range(500):
            opened = went_live + timedelta(minutes=17 * n)
            open_issue(
                session,
                onboarding,
                f"P{n % 4 + 1}",
                f"<!channel> bug {n} " + "x" * 400,
                "UCSM",
                opened,
            )
            if n % 3 == 0:
                resolve_issue(session, onboarding, n + 1, "UCSM", opened + timedelta(hours=1))
        session.commit()
    run(settings, db, playbooks, datetime(2026, 12, 15, 9, tzinfo=UTC))
    parent, detail = rows(db)
    for row in (parent, detail):
        message = sent(row)
        assert message_problems(message) is None, message_problems(message)
        text = json.dumps(message)
        assert "<!channel>" not in text
        for internal in ("$95K", "ARR", "IT team stretched", "Risk", "Health", "Detractor"):
            assert internal not in text and internal not in json.dumps(row.payload)
    assert len(sent(detail)["blocks"]) <= 50
    detail_text = json.dumps(sent(detail))
    assert "&lt;!channel&gt; bug" in detail_text
    assert "SLA breaches" in detail_text and "more open issues" in detail_text
    assert "Exit check: not yet" in detail_text and "hypercare-end" not in detail_text


def test_end_hypercare_button(slack, fake_slack, settings, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    went_live = datetime.now(UTC) - timedelta(days=20)
    onboarding_id = seed_live(db, playbooks, went_live)
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        open_issue(session, onboarding, "P1", "Down", "UCSM", went_live + timedelta(hours=1))
        resolve_issue(session, onboarding, 1, "UCSM", went_live + timedelta(hours=2))
        session.commit()
    now = datetime.now(UTC)
    while now.weekday() >= 5 or now.hour < 9:  # the next moment a sync is due (UTC)
        now = (now + timedelta(hours=1)).replace(minute=0)
    run(settings, db, playbooks, now)
    parent, detail = rows(db)
    assert "Exit check passes" in json.dumps(sent(parent))
    end = buttons(sent(detail))["hypercare-end"]
    slack.block_action(end["action_id"], end["value"], user_id="UOTHER", channel_id="C0GENERAL")
    reply(fake_slack, "Only the CSM")
    slack.block_action(end["action_id"], end["value"], user_id="UCSM", channel_id="C0GENERAL")
    assert reply(fake_slack, "Hypercare ended")["response_type"] == "ephemeral"
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding.status == OnboardingStatus.ACTIVE and onboarding.hypercare_exited_at
    slack.block_action(end["action_id"], end["value"], user_id="UCSM", channel_id="C0GENERAL")
    reply(fake_slack, "left hypercare")
    # Out of hypercare: no more syncs.
    assert run(settings, db, playbooks, now + timedelta(days=1)).queued == []
