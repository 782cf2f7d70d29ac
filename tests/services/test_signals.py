"""Stall signals as pure domain: each fires at its threshold and not a day before, across
weekends, month ends and time zones east and west of UTC; plus the catalog and the bulk scan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import Settings
from bot.models import Blocker, HypercareIssue, Milestone, Onboarding, Stakeholder
from bot.services.handoff import create_onboarding, validate_handoff
from bot.services.signals import (
    SOURCES,
    AlertSeverity,
    BlockerRow,
    ChampionRow,
    CommitmentRow,
    ConversationRow,
    CustomerReplyRow,
    Facts,
    HealthRow,
    IntegrationRow,
    IssueRow,
    MilestoneRow,
    OnboardingRow,
    ScopeRow,
    SignalCatalog,
    SignalCatalogError,
    SignalKind,
    StakeholderCount,
    TrainingRow,
    UsageRow,
    detect,
    detect_all,
    load_catalog,
)
from bot.slack.alert_views import load_checked_catalog
from tests.factories import handoff_form, keep_handoff_timing
from tests.sql import statements

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings()
CATALOG = load_catalog(ROOT / "templates")
START = date(2026, 11, 2)  # a Monday


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def onboarding(**fields: object) -> OnboardingRow:
    base = OnboardingRow(
        id=1,
        company_name="Acme",
        status="active",
        playbook="mid_market",
        csm_user_id="UCSM",
        ae_user_id="UAE",
        customer_channel_id=None,
        internal_channel_id=None,
        timezone=None,
        start_date=START,
        last_activity_at=at(date(2026, 12, 31)),
        created_at=at(START),
    )
    return base._replace(**fields)


# A healthy weekly check dated after every test moment: no health signal unless a test says so.
HEALTHY_CHECK = HealthRow(1, at(date(2026, 12, 31)), 90, "healthy")


def facts(**fields: object) -> Facts:
    """An onboarding with no problem at all, changed by `fields`."""
    values: dict[str, object] = {
        "onboarding": onboarding(),
        "stakeholders": StakeholderCount(1, 3, None),
        "health": HEALTHY_CHECK,
    }
    values.update(fields)
    return Facts(**values)  # type: ignore[arg-type]


def kinds(f: Facts, now: datetime, settings: Settings = SETTINGS) -> dict[SignalKind, object]:
    return {s.kind: s for s in detect(f, settings, CATALOG, now)}


def milestone(
    due: date, key: str = "training", mid: int = 10, name: str = "Training"
) -> MilestoneRow:
    return MilestoneRow(1, mid, key, name, due)


# ---- milestones -------------------------------------------------------------------------------


def test_a_healthy_onboarding_has_no_signal() -> None:
    assert detect(facts(), SETTINGS, CATALOG, at(date(2026, 12, 1))) == []


def test_milestone_delayed_the_day_after_its_due_date_over_a_weekend() -> None:
    f = facts(milestones=[milestone(date(2026, 11, 6))])  # due Friday
    assert kinds(f, at(date(2026, 11, 6), 23, 59)) == {}
    saturday = kinds(f, at(date(2026, 11, 7), 0, 1))[SignalKind.MILESTONE_DELAYED]
    assert saturday.facts["days_late"] == 1 and saturday.severity == AlertSeverity.LOW
    assert saturday.since == at(date(2026, 11, 7), 0)
    monday = kinds(f, at(date(2026, 11, 9)))[SignalKind.MILESTONE_DELAYED]
    assert monday.facts["days_late"] == 3  # calendar days: the weekend counts


def test_milestone_missed_past_the_delayed_window_across_a_month_end() -> None:
    f = facts(milestones=[milestone(date(2026, 10, 30))])  # Friday, last business day of October
    delayed = kinds(f, at(date(2026, 11, 2)))
    assert set(delayed) == {SignalKind.MILESTONE_DELAYED}
    missed = kinds(f, at(date(2026, 11, 3)))[SignalKind.MILESTONE_MISSED]
    assert missed.facts["days_late"] == 4 and missed.severity == AlertSeverity.MEDIUM
    # One alert whose state worsens, not two alerts.
    before = delayed[SignalKind.MILESTONE_DELAYED]
    assert before.alert_key == missed.alert_key and before.subject == missed.subject
    assert missed.level > before.level and missed.fingerprint != before.fingerprint


def test_delayed_window_is_a_setting() -> None:
    f = facts(milestones=[milestone(date(2026, 10, 30))])
    wide = replace(SETTINGS, delayed_max_days=5)
    assert set(kinds(f, at(date(2026, 11, 4)), wide)) == {SignalKind.MILESTONE_DELAYED}
    assert set(kinds(f, at(date(2026, 11, 5)), wide)) == {SignalKind.MILESTONE_MISSED}


def test_multiple_delays_at_three_late_milestones_and_its_state_is_the_count() -> None:
    late = [milestone(date(2026, 11, d), mid=d, name=f"M{d}") for d in (2, 3, 4, 5)]
    now = at(date(2026, 11, 5))  # 2, 3 and 4 are late; 5 is due today
    signal = kinds(facts(milestones=late), now)[SignalKind.MULTIPLE_DELAYS]
    assert signal.facts["count"] == 3 and signal.severity == AlertSeverity.HIGH
    assert signal.since == at(date(2026, 11, 5), 0)  # when the third became late
    assert SignalKind.MULTIPLE_DELAYS not in kinds(facts(milestones=late), at(date(2026, 11, 4)))
    worse = kinds(facts(milestones=late), at(date(2026, 11, 6)))[SignalKind.MULTIPLE_DELAYS]
    assert worse.level > signal.level and worse.fingerprint != signal.fingerprint


# ---- kickoff ----------------------------------------------------------------------------------


def test_no_kickoff_three_business_days_after_a_thursday_close() -> None:
    start = date(2026, 10, 29)  # Thursday: Fri, Mon, Tue -> deadline Tuesday Nov 3
    kickoff = MilestoneRow(1, 5, "kickoff", "Kickoff held", date(2026, 11, 3))
    f = facts(onboarding=onboarding(start_date=start), milestones=[kickoff])
    assert kinds(f, at(date(2026, 11, 3), 23, 59)) == {}
    found = kinds(f, at(date(2026, 11, 4)))
    assert set(found) == {SignalKind.NO_KICKOFF}  # not also "milestone delayed": one fact, once
    assert found[SignalKind.NO_KICKOFF].facts["deadline"] == date(2026, 11, 3)


def test_a_held_kickoff_gives_no_signal() -> None:
    f = facts(onboarding=onboarding(start_date=date(2026, 10, 1)))  # kickoff done: not in facts
    assert kinds(f, at(date(2026, 11, 4))) == {}


def test_a_late_kickoff_still_counts_towards_multiple_delays() -> None:
    late = [
        MilestoneRow(1, 1, "kickoff", "Kickoff held", date(2026, 11, 5)),
        milestone(date(2026, 11, 5), mid=2, name="A"),
        milestone(date(2026, 11, 5), mid=3, name="B"),
    ]
    assert SignalKind.MULTIPLE_DELAYS in kinds(facts(milestones=late), at(date(2026, 11, 6)))


# ---- blockers, silence, stakeholders, champion, commitments ------------------------------------


def test_blocker_open_more_than_two_days() -> None:
    blocker = BlockerRow(1, 7, "Waiting on <SSO>", "UIT", at(START, 10))
    f = facts(blockers=[blocker])
    assert kinds(f, at(date(2026, 11, 4), 23)) == {}  # two days
    signal = kinds(f, at(date(2026, 11, 5)))[SignalKind.BLOCKER_OPEN]
    assert signal.facts["days_open"] == 3 and signal.since == blocker.opened_at
    assert signal.subject == "blocker:7" and signal.facts["subject_owner"] == "UIT"


def test_silence_after_seven_days_without_activity() -> None:
    f = facts(onboarding=onboarding(last_activity_at=at(date(2026, 11, 25), 16)))
    assert kinds(f, at(date(2026, 12, 1), 23)) == {}  # six days, across the month end
    signal = kinds(f, at(date(2026, 12, 2)))[SignalKind.SILENCE]
    assert signal.facts["days"] == 7 and signal.severity == AlertSeverity.HIGH


def test_silence_is_critical_for_enterprise_by_playbook_override() -> None:
    f = facts(onboarding=onboarding(playbook="enterprise", last_activity_at=at(START)))
    assert kinds(f, at(date(2026, 11, 9)))[SignalKind.SILENCE].severity == AlertSeverity.CRITICAL


def test_single_threaded_below_two_stakeholders() -> None:
    now = at(date(2026, 11, 9))
    assert kinds(facts(stakeholders=StakeholderCount(1, 2, None)), now) == {}
    one = kinds(facts(stakeholders=StakeholderCount(1, 1, at(START, 12))), now)
    assert one[SignalKind.SINGLE_THREADED].facts["count"] == 1
    assert one[SignalKind.SINGLE_THREADED].since == at(START, 12)  # when the second one left
    none = kinds(facts(stakeholders=None), now)[SignalKind.SINGLE_THREADED]
    assert none.facts["count"] == 0 and none.level > one[SignalKind.SINGLE_THREADED].level


def test_champion_departed_is_critical_and_worse_than_no_contact() -> None:
    now = at(date(2026, 11, 20))
    silent = ChampionRow(1, 3, "Priya", None, at(date(2026, 11, 13), 17))
    assert kinds(facts(champions=[silent]), at(date(2026, 11, 19), 23)) == {}  # six days
    no_contact = kinds(facts(champions=[silent]), now)[SignalKind.CHAMPION_GONE]
    assert no_contact.facts["reason"] == "no_contact" and no_contact.facts["days"] == 7
    gone = silent._replace(departed_at=at(date(2026, 11, 18)))
    departed = kinds(facts(champions=[gone]), now)[SignalKind.CHAMPION_GONE]
    assert departed.severity == AlertSeverity.CRITICAL and departed.level > no_contact.level
    assert departed.subject == no_contact.subject == "stakeholder:3"


def test_a_champion_whose_contact_is_never_recorded_is_not_alerted_on() -> None:
    champion = ChampionRow(1, 3, "Priya", None, None)
    assert kinds(facts(champions=[champion]), at(date(2026, 12, 30))) == {}


def test_commitment_past_due() -> None:
    promise = CommitmentRow(1, 4, "SAP connector", date(2026, 11, 30), "UAE")
    assert kinds(facts(commitments=[promise]), at(date(2026, 11, 30), 23)) == {}
    signal = kinds(facts(commitments=[promise]), at(date(2026, 12, 1)))[
        SignalKind.COMMITMENT_OVERDUE
    ]
    assert signal.facts["days_late"] == 1 and signal.facts["subject_owner"] == "UAE"


# ---- hypercare SLA ------------------------------------------------------------------------------


def test_p1_response_then_resolution_breach() -> None:
    opened = at(date(2026, 12, 14), 10)
    issue = IssueRow(1, 9, 1, "P1", "Orders stuck", opened, None)
    assert kinds(facts(issues=[issue]), opened + timedelta(minutes=15)) == {}
    response = kinds(facts(issues=[issue]), opened + timedelta(minutes=16))
    breach = response[SignalKind.HYPERCARE_SLA_BREACH]
    assert breach.severity == AlertSeverity.CRITICAL and breach.facts["clock"] == "response"
    answered = issue._replace(first_response_at=opened + timedelta(minutes=40))
    assert kinds(facts(issues=[answered]), opened + timedelta(hours=2)) == {}
    late = kinds(facts(issues=[answered]), opened + timedelta(hours=2, minutes=1))
    resolution = late[SignalKind.HYPERCARE_SLA_BREACH]
    assert resolution.facts["clock"] == "resolution" and resolution.level > breach.level


def test_a_p3_clock_waits_over_the_weekend() -> None:
    opened = datetime(2026, 12, 18, 16, 30, tzinfo=UTC)  # Friday, half an hour before the close
    issue = IssueRow(1, 9, 1, "P3", "Export slow", opened, None)
    assert kinds(facts(issues=[issue]), datetime(2026, 12, 21, 12, 30, tzinfo=UTC)) == {}
    monday = kinds(facts(issues=[issue]), datetime(2026, 12, 21, 12, 31, tzinfo=UTC))
    breach = monday[SignalKind.HYPERCARE_SLA_BREACH]
    assert breach.facts["clock"] == "response"
    assert breach.since == datetime(2026, 12, 21, 12, 30, tzinfo=UTC)


def test_every_signal_renders_its_message() -> None:
    from zoneinfo import ZoneInfo

    from bot.services.alerts import AlertGroup, AlertItem
    from bot.services.outbox import post_data
    from bot.slack.alert_views import build_alert_blocks
    from bot.slack.renderers import render_post

    now = at(date(2026, 12, 2))
    f = facts(
        onboarding=onboarding(last_activity_at=at(START), start_date=date(2026, 11, 20)),
        milestones=[milestone(date(2026, 11, d), mid=d, name=f"M{d}") for d in (20, 24, 30)]
        + [MilestoneRow(1, 1, "kickoff", "Kickoff held", date(2026, 11, 25))],
        blockers=[BlockerRow(1, 7, "SSO", "UIT", at(START))],
        stakeholders=StakeholderCount(1, 1, None),
        champions=[ChampionRow(1, 3, "Priya", at(START), None)],
        commitments=[CommitmentRow(1, 4, "SAP connector", START, "UAE")],
        issues=[IssueRow(1, 9, 1, "P2", "Sync down", at(date(2026, 12, 1)), None)],
        health=HealthRow(1, at(date(2026, 11, 20)), 42, "critical"),
        integrations=[IntegrationRow(1, 5, "SAP ERP", "UIT", "IDoc <timeout>", at(START))],
        training=[TrainingRow(1, 6, "admins", 10, 5, at(date(2026, 11, 20)))],
        conversation=ConversationRow(1, at(date(2026, 11, 24)), at(date(2026, 11, 25)), 2),
        customer_replies=[
            CustomerReplyRow(1, at(date(2026, 11, d)), at(date(2026, 11, d + 3)))
            for d in (23, 24, 25)
        ],
        usage=UsageRow(
            1,
            date(2026, 11, 10),
            at(date(2026, 10, 30)),
            date(2026, 11, 10),
            date(2026, 11, 20),
            date(2026, 12, 1),
            0,
            40,
            0,
            12,
        ),
        scope=ScopeRow(1, 5, at(date(2026, 11, 30)), 44),  # 5 of 44: over 10%
    )
    signals = detect(f, SETTINGS, CATALOG, now)
    # Silence and "gone quiet" exclude each other: without a customer channel, silence.
    assert {s.kind for s in signals} == set(SignalKind) - {SignalKind.CUSTOMER_QUIET}
    items = [
        AlertItem(i, s, CATALOG.definition(s.kind, "mid_market")) for i, s in enumerate(signals)
    ]
    group = AlertGroup(1, "Acme", "UCSM", "UAE", ZoneInfo("UTC"), items)
    text = str(build_alert_blocks(group))
    assert "P2 issue #1 (Sync down) is past its resolution SLA" in text
    assert "The champion Priya has left" in text
    assert "scored 42/100 on Fri Nov 20, 2026: *Critical*. Leadership escalation" in text
    assert "No weekly health check for 12 days (last on Fri Nov 20, 2026)" in text
    failing = "The *SAP ERP* integration is failing (for 30 days, since Mon Nov 2, 2026)"
    assert f"{failing}: IDoc &lt;timeout&gt;." in text
    assert "*Admins* training on Fri Nov 20, 2026: 5 of 10 attended (50%, below the 80%" in text
    waited = "The customer has waited 40 business hours for an answer (since Wed Nov 25, 2026"
    assert f"{waited}, reply target 1 business day (8 business hours)) in 2 threads." in text
    assert "takes 24 business hours to reply (median of 3 replies" in text
    assert "No active user for 7 business days (last active Fri Nov 20, 2026)." in text
    assert (
        "0 of 40 licensed users active (0%), below the 60% expected 30 days after go-live" in text
    )
    assert "Weekly active users fell 100% week over week (12 to 0)." in text
    # As the outbox stores it (dates as ISO strings) and the sender renders it: the same message.
    stored = render_post("alert", {"data": post_data(group)})
    assert stored.blocks == build_alert_blocks(group)


def test_sla_severity_follows_the_issue_priority() -> None:
    opened = at(date(2026, 12, 14), 10)
    issue = IssueRow(1, 9, 1, "P3", "Slow report", opened, None)
    signal = kinds(facts(issues=[issue]), opened + timedelta(hours=5))[
        SignalKind.HYPERCARE_SLA_BREACH
    ]
    assert signal.severity == AlertSeverity.MEDIUM


# ---- time zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        # 06:00 UTC on Tuesday Nov 10 is still Monday evening in Los Angeles: 3 days late.
        (
            "America/Los_Angeles",
            datetime(2026, 11, 10, 6, tzinfo=UTC),
            SignalKind.MILESTONE_DELAYED,
        ),
        ("UTC", datetime(2026, 11, 10, 6, tzinfo=UTC), SignalKind.MILESTONE_MISSED),
        # 16:00 UTC on Monday Nov 9 is already Tuesday in Tokyo: 4 days late.
        ("Asia/Tokyo", datetime(2026, 11, 9, 16, tzinfo=UTC), SignalKind.MILESTONE_MISSED),
        ("UTC", datetime(2026, 11, 9, 16, tzinfo=UTC), SignalKind.MILESTONE_DELAYED),
    ],
)
def test_days_count_in_the_onboarding_time_zone(
    zone: str, moment: datetime, expected: SignalKind
) -> None:
    f = facts(onboarding=onboarding(timezone=zone), milestones=[milestone(date(2026, 11, 6))])
    assert set(kinds(f, moment)) == {expected}


def test_unknown_onboarding_time_zone_falls_back_to_the_setting() -> None:
    f = facts(onboarding=onboarding(timezone="Mars/Olympus"), milestones=[milestone(START)])
    assert set(kinds(f, at(date(2026, 11, 3)))) == {SignalKind.MILESTONE_DELAYED}


# ---- the catalog ----------------------------------------------------------------------------


def write_catalog(tmp_path: Path, text: str) -> Path:
    (tmp_path / "signals.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_catalog_names_severities_and_who_acts_come_from_data() -> None:
    definition = CATALOG.definition(SignalKind.CHAMPION_GONE)
    assert definition.severity == AlertSeverity.CRITICAL and "leadership" in definition.act
    assert CATALOG.severity(SignalKind.HYPERCARE_SLA_BREACH, "mid_market", "P4") == "low"
    assert CATALOG.definition(SignalKind.SINGLE_THREADED, "self_serve").severity == "low"


def test_catalog_errors_name_the_field(tmp_path: Path) -> None:
    good = (ROOT / "templates" / "signals.yml").read_text(encoding="utf-8")
    bad_severity = good.replace("severity: low\n", "severity: urgent\n", 1)
    with pytest.raises(SignalCatalogError, match=r"signals\.milestone_delayed\.severity"):
        SignalCatalog.load(write_catalog(tmp_path, bad_severity))
    missing = good.replace("  silence:\n", "  silent:\n", 1)
    with pytest.raises(SignalCatalogError, match="silent"):
        SignalCatalog.load(write_catalog(tmp_path, missing))
    bad_fact = good.replace("{{ days_open }}", "{{ age }}", 1)
    with pytest.raises(SignalCatalogError, match=r"blocker_open\.what.*age"):
        load_checked_catalog(write_catalog(tmp_path, bad_fact))
    with pytest.raises(SignalCatalogError, match="unknown playbook 'enterprise'"):
        CATALOG.check_playbooks(["mid_market", "smb", "self_serve"])


def test_the_wording_of_a_playbook_override_is_checked_too(tmp_path: Path) -> None:
    good = (ROOT / "templates" / "signals.yml").read_text(encoding="utf-8")
    bad = good.replace("    silence: {severity: critical}", "    silence: {what: '{{ dayz }}'}", 1)
    templates = write_catalog(tmp_path, bad)
    SignalCatalog.load(templates)  # the shape is fine, the wording is not
    with pytest.raises(SignalCatalogError, match=r"playbooks\.enterprise\.silence\.what.*dayz"):
        load_checked_catalog(templates)


# ---- the scan: every open onboarding, a constant number of queries -----------------------------


def make_onboardings(session, playbooks, count: int, start: date = START) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(count):
        form = handoff_form(company_name=f"Customer {start:%m%d} {i:03d}", start_date=start)
        plan = validate_handoff(
            session,
            form,
            today=start,
            library=playbooks,
            max_future_days=365,
            min_stakeholders=2,
        )
        onboarding = create_onboarding(session, plan, actor="UAE", now=at(start), view_id=None)
        keep_handoff_timing(onboarding, at(start))
        ids.append(onboarding.id)
    session.commit()  # the handoff's edge commits
    return ids


def count_selects(db, action):  # type: ignore[no-untyped-def]
    with statements(db.engine) as seen:
        result = action()
    return result, sum(s.lstrip().upper().startswith("SELECT") for s in seen)


def scan_all(db, now):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return [
            (o.id, [s.kind for s in signals])
            for o, signals in detect_all(session, SETTINGS, CATALOG, now)
        ]


def test_scan_reads_every_open_onboarding_with_a_constant_number_of_queries(
    db, session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    now = at(date(2026, 11, 20))
    make_onboardings(session, playbooks, 3)
    small, small_queries = count_selects(db, lambda: scan_all(db, now))
    make_onboardings(session, playbooks, 1, start=date(2026, 11, 9))
    ids = make_onboardings(session, playbooks, 20, start=date(2026, 11, 19))
    big, big_queries = count_selects(db, lambda: scan_all(db, now))
    assert len(small) == 3 and len(big) == 24
    assert small_queries == big_queries == 1 + len(SOURCES)  # the onboardings, each source
    # Acme started Nov 2: by Nov 20 kickoff, technical setup and first value are late.
    first = dict(big)[min(dict(big))]
    assert SignalKind.NO_KICKOFF in first and SignalKind.MULTIPLE_DELAYS in first
    assert SignalKind.COMMITMENT_OVERDUE not in first
    assert dict(big)[ids[0]] == []  # started yesterday: nothing is late yet


def test_scan_reads_blockers_stakeholders_champions_and_issues(db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    [acme_id, other_id] = make_onboardings(session, playbooks, 2)
    acme = session.get(Onboarding, acme_id)
    for m in session.scalars(select(Milestone).where(Milestone.onboarding_id == acme_id)):
        m.status = "complete"
    session.add(
        Blocker(
            onboarding_id=acme_id,
            reason="SSO",
            owner_user_id="UIT",
            opened_at=at(date(2026, 11, 3)),
            opened_by="UCSM",
        )
    )
    for stakeholder in session.scalars(
        select(Stakeholder).where(Stakeholder.onboarding_id == acme_id)
    ):
        stakeholder.departed_at = at(date(2026, 11, 4))
    session.add(
        HypercareIssue(
            onboarding_id=acme_id,
            number=1,
            severity="P2",
            title="Sync down",
            opened_at=at(date(2026, 11, 5)),
            opened_by="UCSM",
        )
    )
    acme.last_activity_at = at(date(2026, 11, 5))
    other = session.get(Onboarding, other_id)
    other.status = "closed"
    session.commit()
    with freeze_time("2026-11-06 09:00:00"):  # the scan never reads the wall clock itself
        found = scan_all(db, at(date(2026, 11, 6)))
    assert [i for i, _ in found] == [acme_id]
    assert set(found[0][1]) == {
        SignalKind.BLOCKER_OPEN,
        SignalKind.SINGLE_THREADED,
        SignalKind.CHAMPION_GONE,
        SignalKind.HYPERCARE_SLA_BREACH,
    }


def test_single_threaded_says_none_rather_than_only_zero() -> None:
    from bot.slack.mrkdwn import environment

    what = environment().from_string(CATALOG.definition(SignalKind.SINGLE_THREADED).what)
    assert what.render(count=0, minimum=2) == "No customer stakeholders (at least 2 needed)."
    assert what.render(count=1, minimum=2) == "Only 1 customer stakeholder (at least 2 needed)."
