"""Hypercare domain: go-live dates, issues, SLA clocks at each boundary, the exit check, errors.

No Slack. Runs on every database of the `session` fixture; times are passed explicitly and the
expected dates are written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.config import DEFAULT_HYPERCARE_SLA, Settings, load_settings
from bot.models import ActivityEntry, HypercareIssue, Onboarding, OnboardingStatus
from bot.playbooks import PlaybookLibrary
from bot.services.errors import DomainError, NotAllowed
from bot.services.handoff import create_onboarding, validate_handoff
from bot.services.hypercare import (
    AlreadyLive,
    ClockStage,
    EmptyTitle,
    ExitCheckFailed,
    IssueSeverity,
    NotInHypercare,
    OnboardingClosed,
    UnknownIssue,
    UnknownSeverity,
    build_sync,
    end_hypercare,
    exit_check,
    find_issue,
    go_live,
    open_issue,
    open_issue_by_id,
    parse_severity,
    previous_sync_moment,
    resolve_issue,
    respond_to_issue,
    sla_clock,
)
from bot.slack.hypercare_sync_views import sync_fallback
from bot.slack.refusals import refusal_text
from tests.factories import ACME_START, AE, CSM, handoff_form

CREATED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
# Wednesday 2026-12-16, 14:00 UTC.
LIVE = datetime(2026, 12, 16, 14, 0, tzinfo=UTC)
SETTINGS = Settings()


def make_onboarding(
    session: Session, playbooks: PlaybookLibrary, name: str = "Acme Manufacturing", **fields
) -> Onboarding:
    """The Acme handoff ($95K: Mid-Market, 15 business days of hypercare)."""
    plan = validate_handoff(
        session,
        handoff_form(company_name=name),
        today=ACME_START,
        library=playbooks,
        max_future_days=365,
        min_stakeholders=2,
    )
    onboarding = create_onboarding(session, plan, actor=AE, now=CREATED, view_id=None)
    for key, value in fields.items():
        setattr(onboarding, key, value)
    session.commit()
    return onboarding


def live(session: Session, playbooks: PlaybookLibrary, at: datetime = LIVE, **fields) -> Onboarding:
    onboarding = make_onboarding(session, playbooks, **fields)
    go_live(session, onboarding, CSM, at, playbooks.get(onboarding.playbook))
    session.commit()
    return onboarding


# ---- go-live ------------------------------------------------------------------------------


def test_go_live_starts_hypercare_for_the_playbook_length(session, playbooks) -> None:
    onboarding = make_onboarding(session, playbooks)
    assert playbooks.get(onboarding.playbook).hypercare_business_days == 15
    day = go_live(session, onboarding, CSM, LIVE, playbooks.get(onboarding.playbook))
    session.commit()
    assert day == date(2026, 12, 16)
    assert onboarding.status == OnboardingStatus.HYPERCARE
    assert onboarding.go_live_at == LIVE
    # Wed Dec 16 + 15 business days, weekends skipped (no holiday calendar).
    assert onboarding.hypercare_ends_on == date(2027, 1, 6)
    milestone = next(m for m in onboarding.milestones if m.is_go_live)
    assert milestone.status == "complete" and milestone.completed_on == date(2026, 12, 16)
    assert milestone.completed_by == CSM
    actions = session.scalars(
        select(ActivityEntry.action).where(ActivityEntry.onboarding_id == onboarding.id)
    ).all()
    assert "went_live" in actions and "milestone_completed" in actions


def test_go_live_on_a_saturday_counts_from_monday(session, playbooks) -> None:
    onboarding = live(session, playbooks, at=datetime(2026, 12, 19, 10, 0, tzinfo=UTC))
    # Sat Dec 19 -> Mon Dec 21, + 15 business days.
    assert onboarding.hypercare_ends_on == date(2027, 1, 11)


@pytest.mark.parametrize(
    ("zone", "at", "ends_on"),
    [
        # 23:30 UTC on Friday Dec 18 is Saturday 08:30 in Tokyo: counts from Monday Dec 21.
        ("Asia/Tokyo", datetime(2026, 12, 18, 23, 30, tzinfo=UTC), date(2027, 1, 11)),
        # 03:00 UTC on Saturday Dec 19 is still Friday 19:00 in Los Angeles.
        ("America/Los_Angeles", datetime(2026, 12, 19, 3, 0, tzinfo=UTC), date(2027, 1, 8)),
    ],
)
def test_go_live_date_is_the_local_date(session, playbooks, zone, at, ends_on) -> None:
    onboarding = live(session, playbooks, at=at, timezone=zone)
    assert onboarding.hypercare_ends_on == ends_on


def test_go_live_uses_the_default_zone_when_the_onboarding_has_none(session, playbooks) -> None:
    onboarding = make_onboarding(session, playbooks)
    at = datetime(2026, 12, 18, 23, 30, tzinfo=UTC)
    go_live(session, onboarding, CSM, at, playbooks.get("mid_market"), tz=ZoneInfo("Asia/Tokyo"))
    assert onboarding.hypercare_ends_on == date(2027, 1, 11)


def test_second_go_live_and_closed_onboarding_are_refused(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    with pytest.raises(AlreadyLive, match="already went live on 2026-12-16"):
        go_live(session, onboarding, CSM, LIVE + timedelta(days=1), playbooks.get("mid_market"))
    closed = make_onboarding(session, playbooks, "Closed Co", status=OnboardingStatus.CLOSED)
    with pytest.raises(OnboardingClosed, match="closed"):
        go_live(session, closed, CSM, LIVE, playbooks.get("mid_market"))
    assert closed.go_live_at is None


# ---- issues -------------------------------------------------------------------------------


def test_issues_are_numbered_per_onboarding(session, playbooks) -> None:
    acme = live(session, playbooks)
    other = live(session, playbooks, name="Globex")
    numbers = [
        open_issue(session, acme, "p2", "SAP sync fails", CSM, LIVE).number,
        open_issue(session, acme, "P4", "  How do I   export?  ", CSM, LIVE).number,
        open_issue(session, other, "P1", "Down", CSM, LIVE).number,
        open_issue(session, acme, "P3", "Slow report", CSM, LIVE).number,
    ]
    session.commit()
    assert numbers == [1, 2, 1, 3]
    assert acme.hypercare_issues[1].title == "How do I export?"
    assert acme.hypercare_issues[0].severity == "P2"


def refused(error: type[DomainError], call: Callable[..., object], *args: object) -> str:
    """What the user reads when `call(*args)` refuses with `error`."""
    with pytest.raises(error) as raised:
        call(*args)
    return refusal_text(raised.value)


def test_issue_input_errors(session, playbooks) -> None:
    onboarding = make_onboarding(session, playbooks)
    assert "`/onboard golive Acme Manufacturing`" in refused(
        NotInHypercare, open_issue, session, onboarding, "P1", "Down", CSM, LIVE
    )
    with pytest.raises(NotInHypercare):
        resolve_issue(session, onboarding, 1, CSM, LIVE)
    go_live(session, onboarding, CSM, LIVE, playbooks.get("mid_market"))
    assert refused(UnknownSeverity, open_issue, session, onboarding, "P5", "Down", CSM, LIVE) == (
        "`P5` is not a severity: use P1 (critical), P2 (high), P3 (medium) or P4 (low)."
    )
    with pytest.raises(UnknownSeverity):
        open_issue(session, onboarding, "urgent", "Down", CSM, LIVE)
    with pytest.raises(EmptyTitle):
        open_issue(session, onboarding, "P1", "   ", CSM, LIVE)
    assert refused(UnknownIssue, resolve_issue, session, onboarding, 1, CSM, LIVE) == (
        "*Acme Manufacturing* has no issue #1; it has no issues."
    )
    open_issue(session, onboarding, "P3", "Slow", CSM, LIVE)
    assert "; its issues are #1 to #1." in refused(
        UnknownIssue, respond_to_issue, session, onboarding, 7, CSM, LIVE
    )


def test_refusals_escape_what_users_typed(session, playbooks) -> None:
    onboarding = live(session, playbooks, name="A&B <!channel>")
    name = "*A&amp;B &lt;!channel&gt;*"
    assert refused(UnknownSeverity, parse_severity, " <@U1> ") == (
        "`&lt;@U1&gt;` is not a severity: use P1 (critical), P2 (high), P3 (medium) or P4 (low)."
    )
    playbook = playbooks.get("mid_market")
    assert refused(AlreadyLive, go_live, session, onboarding, CSM, LIVE, playbook) == (
        f"{name} already went live on 2026-12-16; hypercare ends 2027-01-06."
    )
    assert refused(UnknownIssue, find_issue, onboarding, 3) == (
        f"{name} has no issue #3; it has no issues."
    )


def test_long_titles_are_cut(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    issue = open_issue(session, onboarding, "P3", "x" * 5000, CSM, LIVE)
    assert len(issue.title) == 300


def test_respond_and_resolve_are_idempotent(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    open_issue(session, onboarding, "P2", "Broken", CSM, LIVE)
    t1, t2 = LIVE + timedelta(minutes=10), LIVE + timedelta(hours=1)
    assert respond_to_issue(session, onboarding, 1, CSM, t1)[1] is True
    assert respond_to_issue(session, onboarding, 1, AE, t2)[1] is False
    issue, changed = resolve_issue(session, onboarding, 1, AE, t2)
    assert changed and issue.resolved_at == t2 and issue.resolved_by == AE
    assert issue.first_response_at == t1
    assert resolve_issue(session, onboarding, 1, CSM, t2 + timedelta(hours=1))[1] is False
    assert issue.resolved_at == t2


def test_resolving_without_a_response_records_the_response(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    open_issue(session, onboarding, "P4", "Question", CSM, LIVE)
    issue, _ = resolve_issue(session, onboarding, 1, CSM, LIVE + timedelta(hours=2))
    assert issue.first_response_at == LIVE + timedelta(hours=2)


def test_use_case_checks_permission(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    with pytest.raises(NotAllowed):
        open_issue_by_id(
            session, onboarding.id, "P1", "Down", "UOTHER", admins=(), now=LIVE, settings=SETTINGS
        )
    change = open_issue_by_id(
        session,
        onboarding.id,
        "P1",
        "Down",
        "UADMIN",
        admins={"UADMIN"},
        now=LIVE,
        settings=SETTINGS,
    )
    assert change.number == 1 and change.open_count == 1
    assert change.clock.response_due == LIVE + timedelta(minutes=15)


# ---- SLA clocks at each boundary, for each severity ------------------------------------------

OPENED = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def issue(severity: str, responded: timedelta | None = None, resolved: timedelta | None = None):
    return HypercareIssue(
        number=1,
        severity=severity,
        title="t",
        opened_at=OPENED,
        opened_by=CSM,
        first_response_at=None if responded is None else OPENED + responded,
        resolved_at=None if resolved is None else OPENED + resolved,
    )


# Due moments of an issue opened at OPENED (Thursday 10:00 UTC, the default zone and 09:00-17:00):
# P1/P2 on the wall clock, P3's 4 h in business hours, whole days to a business day's close.
DUE = {
    "P1": (datetime(2026, 12, 17, 10, 15, tzinfo=UTC), datetime(2026, 12, 17, 12, 0, tzinfo=UTC)),
    "P2": (datetime(2026, 12, 17, 11, 0, tzinfo=UTC), datetime(2026, 12, 17, 14, 0, tzinfo=UTC)),
    "P3": (datetime(2026, 12, 17, 14, 0, tzinfo=UTC), datetime(2026, 12, 18, 17, 0, tzinfo=UTC)),
    "P4": (datetime(2026, 12, 18, 17, 0, tzinfo=UTC), datetime(2026, 12, 22, 17, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("severity", ["P1", "P2", "P3", "P4"])
def test_response_clock_boundaries(severity: str) -> None:
    due, resolution_due = DUE[severity]
    response, resolution = due - OPENED, resolution_due - OPENED
    # Open, not yet responded: due at exactly `due`; breached one second later.
    at_due = sla_clock(issue(severity), due, SETTINGS)
    assert at_due.stage == ClockStage.RESPONSE
    assert at_due.response_due == due
    assert at_due.time_left == timedelta(0) and not at_due.response_breached
    late = sla_clock(issue(severity), due + SECOND, SETTINGS)
    assert late.response_breached and late.time_left == -SECOND and late.breached
    early = sla_clock(issue(severity), OPENED, SETTINGS)
    assert early.time_left == response and not early.breached
    # Responded exactly on time: never breached, however late we look.
    on_time = sla_clock(issue(severity, responded=response), resolution_due, SETTINGS)
    assert not on_time.response_breached and on_time.stage == ClockStage.RESOLUTION
    assert on_time.time_left == timedelta(0)
    # Responded one second late: breached for good.
    missed = sla_clock(issue(severity, responded=response + SECOND), due, SETTINGS)
    assert missed.response_breached and not missed.resolution_breached
    assert resolution > response


@pytest.mark.parametrize("severity", ["P1", "P2", "P3", "P4"])
def test_resolution_clock_boundaries(severity: str) -> None:
    due, resolution_due = DUE[severity]
    response, resolution = due - OPENED, resolution_due - OPENED
    responded = issue(severity, responded=response / 2)
    at_due = sla_clock(responded, resolution_due, SETTINGS)
    assert at_due.resolution_due == resolution_due
    assert at_due.time_left == timedelta(0) and not at_due.breached
    late = sla_clock(responded, resolution_due + SECOND, SETTINGS)
    assert late.resolution_breached and late.time_left == -SECOND
    # Never responded, past both: both clocks breached; the running clock is the response.
    silent = sla_clock(issue(severity), resolution_due + SECOND, SETTINGS)
    assert silent.response_breached and silent.resolution_breached
    assert silent.resolution_left == -SECOND
    done_on_time = sla_clock(
        issue(severity, responded=response, resolved=resolution), OPENED + 10 * resolution, SETTINGS
    )
    assert done_on_time.stage == ClockStage.DONE and done_on_time.time_left is None
    assert not done_on_time.breached
    done_late = sla_clock(
        issue(severity, responded=response, resolved=resolution + SECOND),
        OPENED + 10 * resolution,
        SETTINGS,
    )
    assert done_late.resolution_breached and not done_late.response_breached


def test_default_sla_is_the_seed_table() -> None:
    assert {
        s: (a.total_seconds() / 60, b.total_seconds() / 3600)
        for s, (a, b) in DEFAULT_HYPERCARE_SLA.items()
    } == {
        "P1": (15, 2),
        "P2": (60, 4),
        "P3": (240, 24),
        "P4": (1440, 72),
    }


def test_sla_comes_from_settings() -> None:
    settings = load_settings({"ONBOARD_SLA_P1": "30m/4h"}, require_slack=False)
    clock = sla_clock(issue("P1"), OPENED, settings)
    assert clock.response_due == OPENED + timedelta(minutes=30)
    assert clock.resolution_due == OPENED + timedelta(hours=4)


# ---- the exit check -----------------------------------------------------------------------


def add(
    session: Session,
    onboarding: Onboarding,
    severity: str,
    opened: datetime,
    resolved: datetime | None = None,
) -> None:
    open_issue(session, onboarding, severity, f"{severity} issue", CSM, opened)
    if resolved is not None:
        resolve_issue(session, onboarding, onboarding.hypercare_issues[-1].number, CSM, resolved)


def test_exit_needs_48_hours_after_go_live(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    assert not exit_check(onboarding, LIVE + timedelta(hours=47)).passes
    check = exit_check(onboarding, LIVE + timedelta(hours=48))
    assert check.passes and check.reasons == () and check.opened_recent == 0


def test_exit_fails_while_a_p1_or_p2_is_open(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    add(session, onboarding, "P2", LIVE + timedelta(hours=1))
    check = exit_check(onboarding, LIVE + timedelta(days=20))
    assert not check.passes and check.open_critical == 1
    assert "1 P1/P2 issue still open" in check.reasons
    add(session, onboarding, "P1", LIVE + timedelta(hours=2))
    assert "2 P1/P2 issues still open" in exit_check(onboarding, LIVE + timedelta(days=20)).reasons


def test_exit_counts_48_hours_from_the_last_critical_resolution(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    resolved = LIVE + timedelta(days=3)
    add(session, onboarding, "P1", LIVE + timedelta(hours=2), resolved)
    add(session, onboarding, "P3", LIVE + timedelta(hours=3))  # open P3/P4 do not block exit
    early = exit_check(onboarding, resolved + timedelta(hours=48) - SECOND)
    assert not early.passes and early.quiet_since == resolved
    assert "quiet for 47 h of the 48 h" in early.reasons[0]
    # 2 opened in the last 7 days, 0 before: volume is not falling yet.
    at_48 = exit_check(onboarding, resolved + timedelta(hours=48))
    assert not at_48.passes and at_48.opened_recent == 2 and at_48.opened_before == 0
    later = exit_check(onboarding, LIVE + timedelta(days=8))
    assert later.passes and later.opened_recent == 0 and later.opened_before == 2


def test_exit_volume_must_fall_week_on_week(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    for hours in (1, 2, 3):
        add(session, onboarding, "P4", LIVE + timedelta(hours=hours), LIVE + timedelta(hours=5))
    now = LIVE + timedelta(days=10)
    add(session, onboarding, "P3", now - timedelta(days=1))
    add(session, onboarding, "P3", now - timedelta(days=2))
    assert exit_check(onboarding, now).passes  # 2 in the last 7 days < 3 before
    add(session, onboarding, "P4", now - timedelta(days=3))
    check = exit_check(onboarding, now)  # 3 vs 3: not falling
    assert not check.passes and not check.volume_falling
    assert "3 issues opened in the last 7 days, 3 in the 7 days before" in check.reasons[0]
    assert exit_check(onboarding, now, window=timedelta(days=4)).opened_recent == 3
    # ONBOARD_HYPERCARE_VOLUME_DAYS=1: one issue in the last day, one in the day before.
    (one_day,) = exit_check(onboarding, now, window=timedelta(days=1)).reasons
    assert "1 issue opened in the last 1 day, 1 in the 1 day before" in one_day


def test_end_hypercare(session, playbooks) -> None:
    onboarding = live(session, playbooks)
    add(session, onboarding, "P2", LIVE + timedelta(hours=1))
    add(session, onboarding, "P3", LIVE + timedelta(hours=2))
    with pytest.raises(ExitCheckFailed, match="still open"):
        end_hypercare(session, onboarding, CSM, LIVE + timedelta(days=9))
    assert onboarding.status == OnboardingStatus.HYPERCARE
    resolve_issue(session, onboarding, 1, CSM, LIVE + timedelta(days=2))
    now = LIVE + timedelta(days=9)
    check = end_hypercare(session, onboarding, CSM, now)
    session.commit()
    assert check.passes
    assert onboarding.status == OnboardingStatus.ACTIVE
    assert onboarding.hypercare_exited_at == now
    exit_milestone = next(m for m in onboarding.milestones if m.key == "hypercare_exit")
    assert exit_milestone.status == "complete" and exit_milestone.completed_by == CSM
    assert onboarding.activity[-1].action == "hypercare_ended"
    assert onboarding.activity[-1].detail == "Hypercare ended after 2 issues"
    with pytest.raises(NotInHypercare, match="left hypercare"):
        open_issue(session, onboarding, "P3", "New", CSM, now)
    with pytest.raises(NotInHypercare):
        end_hypercare(session, onboarding, CSM, now)
    # An open P3 can still be worked after hypercare ends.
    assert resolve_issue(session, onboarding, 2, CSM, now)[1] is True


# ---- the daily sync's content ----------------------------------------------------------------


def test_previous_sync_moment_skips_the_weekend() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert previous_sync_moment(date(2026, 12, 21), tokyo) == datetime(
        2026, 12, 18, 9, 0, tzinfo=tokyo
    )
    assert previous_sync_moment(date(2026, 12, 22), UTC) == datetime(2026, 12, 21, 9, tzinfo=UTC)


def test_build_sync(session, playbooks) -> None:
    onboarding = live(session, playbooks)  # Wed Dec 16
    add(session, onboarding, "P3", LIVE + timedelta(hours=1), LIVE + timedelta(days=3))
    add(session, onboarding, "P1", datetime(2026, 12, 18, 15, tzinfo=UTC))  # Friday afternoon
    add(session, onboarding, "P4", datetime(2026, 12, 21, 8, tzinfo=UTC))  # Monday 08:00
    now = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # Monday 09:00
    sync = build_sync(onboarding, now, SETTINGS, UTC)
    assert sync.day_number == 4 and sync.total_days == 15 and sync.ends_on == date(2027, 1, 6)
    assert sync.since == datetime(2026, 12, 18, 9, 0, tzinfo=UTC)
    assert [i.number for i in sync.open_issues] == [2, 3]
    assert [i.number for i in sync.opened_since] == [2, 3]
    assert [i.number for i in sync.resolved_since] == [1]
    assert [i.number for i in sync.breaches] == [2]  # the P1 is days past its clocks
    assert not sync.exit.passes
    assert set(sync.open_by_severity()) == set(IssueSeverity)
    assert sync_fallback(sync).endswith("· Acme Manufacturing: 2 open issues, 1 SLA breach")


def test_the_sync_line_counts_issues_and_breaches_in_words(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks)  # Wed Dec 16
    now = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # Monday 09:00

    def line() -> str:
        return sync_fallback(build_sync(onboarding, now, SETTINGS, UTC)).split(": ", 1)[1]

    assert line() == "0 open issues, 0 SLA breaches"
    add(session, onboarding, "P4", now - timedelta(hours=1))  # well within its clocks
    assert line() == "1 open issue, 0 SLA breaches"
    add(session, onboarding, "P1", LIVE + timedelta(hours=1))  # days past its clocks
    assert line() == "2 open issues, 1 SLA breach"
    add(session, onboarding, "P1", LIVE + timedelta(hours=2))
    assert line() == "3 open issues, 2 SLA breaches"


def test_build_sync_on_the_first_day_counts_from_go_live(session, playbooks) -> None:
    at = datetime(2026, 12, 17, 8, 0, tzinfo=UTC)
    onboarding = live(session, playbooks, at=at)
    sync = build_sync(onboarding, datetime(2026, 12, 17, 9, tzinfo=UTC), replace(SETTINGS), UTC)
    assert sync.day_number == 1 and sync.since == at


def test_an_unknown_onboarding_time_zone_falls_back_to_the_default(session, playbooks) -> None:
    onboarding = make_onboarding(session, playbooks, timezone="Mars/Olympus_Mons")
    assert time_zone(onboarding.timezone, ZoneInfo("Asia/Tokyo")) == ZoneInfo("Asia/Tokyo")
    onboarding.timezone = "America/Los_Angeles"
    assert time_zone(onboarding.timezone, UTC) == ZoneInfo("America/Los_Angeles")
