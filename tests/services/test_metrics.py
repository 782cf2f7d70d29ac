"""Metrics on a seeded book whose right answers are worked out by hand below, on SQLite and
PostgreSQL; the CSV export of the same book; a query count that does not grow with the book."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import DEFAULT_HYPERCARE_SLA
from bot.db import Database
from bot.models import (
    Commitment,
    FeedbackResponse,
    HealthCheck,
    HypercareIssue,
    Milestone,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
)
from bot.services.export import COLUMNS, neutralise, write_csv
from bot.services.metrics import (
    BadFilter,
    BookFilter,
    BookMetrics,
    SliceBy,
    book_metrics,
    quantile,
)
from tests.sql import statements

TODAY = date(2026, 6, 30)
TARGETS = {"enterprise": 30, "mid_market": 14, "smb": 7}
NPS_TARGETS = {"enterprise": 50, "mid_market": 50, "smb": 30}
SEGMENTS = {"enterprise": "Enterprise", "mid_market": "Mid-Market", "smb": "SMB"}
# Milestone key -> due (calendar days from the start), in plan order.
PLAN = {
    "kickoff": 3,
    "technical_setup": 10,
    "first_value": 14,
    "training": 27,
    "pilot": 32,
    "go_live": 40,
    "hypercare_exit": 55,
    "transition": 60,
}
WAIVED = "waived"


def at(start: date, days: int) -> datetime:
    return datetime.combine(start + timedelta(days=days), time(15, 0), tzinfo=UTC)


@dataclass
class Seed:
    """One onboarding: done milestones (key -> days late, or WAIVED) and its key moments."""

    name: str
    playbook: str
    csm: str
    start: date
    done: dict[str, int | str] = field(default_factory=dict)
    first_value: int | None = None
    go_live: int | None = None
    exited: int | None = None
    closed: int | None = None
    health: tuple[str, ...] = ()  # oldest first
    nps: tuple[int | None, ...] = ()
    survey: tuple[tuple[int | None, int | None], ...] = ()  # (satisfaction, effort) by answer
    issues: tuple[tuple[str, float | None], ...] = ()  # hypercare (severity, hours to resolve)
    first_contact: float | None = None  # hours from the handoff; None: still open


BOOK = [
    Seed("Alpha", "enterprise", "UCSM", date(2026, 1, 5),
         {k: 0 for k in PLAN} | {"first_value": -2},
         first_value=20, go_live=40, exited=55, health=("at_risk", "healthy"), nps=(10, 9, 7),
         survey=((9, 2), (8, 1), (7, 3)),
         issues=(("P1", 1.5), ("P1", 3), ("P2", 4), ("P3", 10), ("P4", None)), first_contact=20),
    Seed("Bravo", "enterprise", "UCSM2", date(2026, 1, 12),
         {"kickoff": 0, "technical_setup": 2, "first_value": 0, "training": 5, "pilot": 0,
          "go_live": 3, "hypercare_exit": 10},
         first_value=35, go_live=43, exited=65, nps=(3, None), survey=((3, 5), (6, None)),
         issues=(("P1", 0.5),), first_contact=50),
    Seed("Charlie", "mid_market", "UCSM", date(2026, 2, 2),
         {"kickoff": 0, "technical_setup": 0, "first_value": 0, "training": -1, "pilot": 0,
          "go_live": 0},
         first_value=9, go_live=40, health=("monitor",), nps=(8,), survey=((8, 2),),
         issues=(("P3", 30),), first_contact=48),
    Seed("Delta", "mid_market", "UCSM", date(2026, 2, 16),
         {"kickoff": 1, "technical_setup": 4, "first_value": 2},
         first_value=16, health=("healthy", "critical")),
    Seed("Echo", "mid_market", "UCSM2", date(2026, 3, 2),
         {"kickoff": 0, "technical_setup": WAIVED, "first_value": 0, "training": 0},
         first_value=12),
    Seed("Foxtrot", "smb", "UCSM2", date(2026, 3, 9), {"kickoff": 2}, first_value=5,
         health=("at_risk",)),
    Seed("Golf", "smb", "UCSM", date(2026, 3, 16)),
    Seed("Hotel", "smb", "UCSM2", date(2099, 7, 15)),  # not started yet, whatever the clock
    Seed("India", "smb", "UCSM", date(2026, 1, 19),
         {k: 0 for k in PLAN} | {"pilot": 1},
         first_value=6, go_live=20, closed=30, health=("emergency",), nps=(9,),
         survey=((10, 1),), issues=(("P2", 5),), first_contact=2),
]  # fmt: skip


def seed(session: Session, seeds: list[Seed]) -> None:
    for s in seeds:
        onboarding = Onboarding(
            company_name=s.name,
            company_key=s.name.lower(),
            arr=Decimal("50000"),
            start_date=s.start,
            segment=SEGMENTS[s.playbook],
            playbook=s.playbook,
            status=OnboardingStatus.CLOSED if s.closed is not None else OnboardingStatus.ACTIVE,
            csm_user_id=s.csm,
            ae_user_id="UAE",
            created_by="UAE",
            first_value_at=at(s.start, s.first_value) if s.first_value is not None else None,
            go_live_at=at(s.start, s.go_live) if s.go_live is not None else None,
            hypercare_exited_at=at(s.start, s.exited) if s.exited is not None else None,
            closed_at=at(s.start, s.closed) if s.closed is not None else None,
            target_go_live_date=s.start + timedelta(days=PLAN["go_live"]),
            created_at=at(s.start, -3),  # the handoff
        )
        add_timing(onboarding, s)
        for position, (key, offset) in enumerate(PLAN.items()):
            due = s.start + timedelta(days=offset)
            late = s.done.get(key)
            milestone = Milestone(
                position=position,
                key=key,
                name=key,
                phase_key=key,
                due_date=due,
                is_first_value=key == "first_value",
                is_go_live=key == "go_live",
            )
            if late == WAIVED:
                milestone.status = MilestoneStatus.WAIVED
            elif late is not None:
                milestone.status = MilestoneStatus.COMPLETE
                milestone.completed_on = due + timedelta(days=int(late))
            onboarding.milestones.append(milestone)
        for week, status in enumerate(s.health):
            onboarding.health_checks.append(
                HealthCheck(
                    checked_at=at(s.start, 7 * (week + 1)),
                    checked_by=s.csm,
                    score=50,
                    status=status,
                )
            )
        for i, score in enumerate(s.nps):
            satisfaction, effort = s.survey[i] if i < len(s.survey) else (None, None)
            onboarding.feedback.append(
                FeedbackResponse(
                    kind="survey",
                    respondent=f"U{i}",
                    nps=score,
                    satisfaction=satisfaction,
                    effort=effort,
                    # The yes/no questions, answered as satisfied promoters would.
                    prepared=None if satisfaction is None else satisfaction >= 7,
                    reference=None if score is None else score >= 9,
                    created_at=at(s.start, 80),
                )
            )
        # A pulse is not the survey: its (impossible) NPS must not count.
        onboarding.feedback.append(
            FeedbackResponse(kind="pulse_kickoff", respondent="UX", pulse=2, nps=0,
                             created_at=at(s.start, 5))
        )  # fmt: skip
        session.add(onboarding)
    session.commit()


def add_timing(onboarding: Onboarding, s: Seed) -> None:
    """Hypercare issues opened on day 41, and the first-contact commitment: done when the seed
    sets `first_contact`, still open for Delta (left out of the figure), absent otherwise."""
    for number, (severity, hours) in enumerate(s.issues, start=1):
        opened = at(s.start, 41)
        onboarding.hypercare_issues.append(
            HypercareIssue(
                number=number,
                severity=severity,
                title=f"Issue {number}",
                opened_at=opened,
                opened_by="UCUST",
                resolved_at=None if hours is None else opened + timedelta(hours=hours),
            )
        )
    if s.first_contact is not None or s.name == "Delta":
        closed = (
            None
            if s.first_contact is None
            else onboarding.created_at + timedelta(hours=s.first_contact)
        )
        onboarding.commitments.append(
            Commitment(
                text="First CS contact",
                timing_key="first_contact",
                status="open" if closed is None else "done",
                closed_at=closed,
            )
        )


def metrics(session: Session, **kwargs) -> BookMetrics:  # type: ignore[no-untyped-def]
    return book_metrics(
        session,
        today=TODAY,
        ttfv_targets=TARGETS,
        nps_targets=NPS_TARGETS,
        hypercare_sla=DEFAULT_HYPERCARE_SLA,
        **kwargs,
    )


@pytest.fixture
def book(session: Session) -> Session:
    seed(session, BOOK)
    return session


def test_quantiles_interpolate_like_percentile_cont() -> None:
    assert quantile({}, 0.5) is None
    assert quantile({7: 1}, 0.75) == 7
    assert quantile({5: 1, 6: 1, 9: 1, 12: 1, 16: 1, 20: 1, 35: 1}, 0.5) == 12
    assert quantile({5: 1, 6: 1, 9: 1, 12: 1, 16: 1, 20: 1, 35: 1}, 0.75) == 18  # 16 + .5 * 4
    assert quantile({1: 2, 4: 2}, 0.5) == 2.5
    assert quantile({1: 3, 4: 1}, 0.75) == 1.75  # rank 2.25: between the third 1 and the 4


def test_the_whole_book_by_hand(book: Session) -> None:
    m = metrics(book).total
    assert m.onboardings == 9
    # TTFV: 5 (F) 6 (I) 9 (C) 12 (E) 16 (D) 20 (A) 35 (B); within own target: A C E F I.
    assert (m.ttfv.n, m.ttfv.median, m.ttfv.p75) == (7, 12, 18)
    assert (m.ttfv.within_target, m.ttfv.target_days) == (5, None)  # mixed targets
    # Started: all but Hotel. Completed: Alpha, Bravo (hypercare exited), India (closed).
    assert (m.completion.count, m.completion.n) == (3, 8)
    assert m.completion.value == 0.375 and m.completion.meets_target is False
    # On time against the plan's end (day 60): Alpha (55) and India (30), not Bravo (65).
    assert (m.on_time_completion.count, m.on_time_completion.n) == (2, 3)
    # Completed milestones: A 8/8, B 3/7, C 6/6, D 0/3, E 3/3 (waived left out), F 0/1, I 7/8.
    rate = m.milestone_on_time
    assert (rate.count, rate.n, rate.onboardings, rate.target) == (27, 36, 7, 0.9)
    assert rate.value == 0.75 and rate.meets_target is False
    # Go-live: India 20, Alpha 40, Charlie 40, Bravo 43.
    assert (m.go_live.n, m.go_live.median, m.go_live.p75) == (4, 40, 40.75)
    # Furthest stage: A, B, I adopted; C live; E training (a waived setup counts); D
    # configuring; F kicked off; G and H signed.
    assert [(s.name, s.reached) for s in m.funnel] == [
        ("signed", 9), ("kicked off", 7), ("configuring", 6), ("training", 5),
        ("piloting", 4), ("live", 4), ("adopted", 3),
    ]  # fmt: skip
    assert [(s.conversion.count, s.conversion.n) for s in m.funnel[1:]] == [
        (7, 9), (6, 7), (5, 6), (4, 5), (4, 4), (3, 4),
    ]  # fmt: skip
    # Open onboardings (India is closed); latest check wins: Alpha healthy, Delta critical.
    assert m.health == {"healthy": 1, "monitor": 1, "at_risk": 1, "critical": 1, "unknown": 4}
    assert list(m.health) == ["healthy", "monitor", "at_risk", "critical", "unknown"]
    assert m.health_n == 8
    # Survey NPS 10 9 7 3 8 9: promoters 3, detractors 1; the pulse and the blank do not count.
    assert (m.nps.responses, m.nps.promoters, m.nps.detractors, m.nps.onboardings) == (6, 3, 1, 4)
    assert m.nps.score == pytest.approx(100 * 2 / 6)
    assert m.nps.target is None and m.nps.meets_target is None  # targets 50 and 30 mixed
    # Satisfaction 9 8 7 3 6 8 10 (Bravo's blank NPS still rates); effort 2 1 3 5 2 1.
    assert (m.satisfaction.total, m.satisfaction.n) == (51, 7)
    assert (m.effort.total, m.effort.n) == (14, 6)
    # Prepared: satisfaction 7 or more, 5 of 7; references: NPS 9 or more, 3 of 6.
    assert (m.prepared.total, m.prepared.n, m.references.total, m.references.n) == (5, 7, 3, 6)
    # Resolution hours: P1 1.5 3 0.5 (SLA 2 h: 2 met), P2 4 5 (SLA 4 h: 4 is on time), P3 10
    # 30 (business-hours clocks: no SLA count); Alpha's open P4 is left out.
    timing = m.timing
    assert {s: (h.n, h.median) for s, h in timing.resolution.items()} == {
        "P1": (3, 1.5), "P2": (2, 4.5), "P3": (2, 20),
    }  # fmt: skip
    assert {s: (r.count, r.n) for s, r in timing.resolution_within_sla.items()} == {
        "P1": (2, 3), "P2": (1, 2),
    }  # fmt: skip
    # First contact 2 20 48 50 hours after the handoff (Delta's still open): 48 h is within.
    assert (timing.first_contact.n, timing.first_contact.median) == (4, 34)
    assert (timing.first_contact_within.count, timing.first_contact_within.n) == (3, 4)


def test_by_segment_with_each_segments_target(book: Session) -> None:
    result = metrics(book, slice_by=SliceBy.SEGMENT)
    slices = {s.key: s for s in result.slices}
    assert [s.key for s in result.slices] == ["SMB", "Mid-Market", "Enterprise"]  # largest first
    enterprise, mid, smb = slices["Enterprise"], slices["Mid-Market"], slices["SMB"]
    assert (enterprise.ttfv.median, enterprise.ttfv.p75) == (27.5, 31.25)
    assert (enterprise.ttfv.target_days, enterprise.ttfv.within_target) == (30, 1)
    assert (mid.ttfv.median, mid.ttfv.p75, mid.ttfv.target_days, mid.ttfv.within_target) == (
        12, 14, 14, 2
    )  # fmt: skip
    assert (smb.ttfv.median, smb.ttfv.p75, smb.ttfv.within_target) == (5.5, 5.75, 2)
    assert (enterprise.completion.count, enterprise.completion.n) == (2, 2)
    assert (enterprise.on_time_completion.count, enterprise.on_time_completion.n) == (1, 2)
    assert (enterprise.milestone_on_time.count, enterprise.milestone_on_time.n) == (11, 15)
    assert (smb.onboardings, smb.completion.count, smb.completion.n) == (4, 1, 3)
    assert [s.reached for s in mid.funnel] == [3, 3, 3, 2, 1, 1, 0]
    assert smb.health == {"at_risk": 1, "unknown": 2}  # India closed
    assert (mid.nps.responses, mid.nps.score) == (1, 0)
    # Enterprise: 10 9 7 3 = +25 against 50; SMB: India's 9 = +100 against 30.
    assert (enterprise.nps.score, enterprise.nps.target, enterprise.nps.meets_target) == (
        25, 50, False
    )  # fmt: skip
    assert (smb.nps.score, smb.nps.target, smb.nps.meets_target) == (100, 30, True)
    assert (enterprise.satisfaction.value, enterprise.effort.value) == (6.6, 2.75)  # 33/5, 11/4
    assert (smb.satisfaction.value, smb.effort.value) == (10, 1)
    et = enterprise.timing
    assert {s: h.median for s, h in et.resolution.items()} == {"P1": 1.5, "P2": 4, "P3": 10}
    assert (et.resolution_within_sla["P1"].count, et.resolution_within_sla["P2"].count) == (2, 1)
    assert (et.first_contact.median, et.first_contact_within.count) == (35, 1)
    assert smb.timing.resolution_within_sla["P2"].count == 0 and mid.timing.first_contact.n == 1
    # Time to go-live by segment, and the book total is the sum of its slices.
    by_segment = {k: (d.n, d.median) for k, d in result.go_live_by_segment.items()}
    assert by_segment == {"Enterprise": (2, 41.5), "Mid-Market": (1, 40), "SMB": (1, 20)}
    ttfv = {k: (d.n, d.median, d.target_days) for k, d in result.ttfv_by_segment.items()}
    assert ttfv == {"Enterprise": (2, 27.5, 30), "Mid-Market": (3, 12, 14), "SMB": (2, 5.5, 7)}
    assert result.total.onboardings == 9 and result.total.ttfv.median == 12


def test_by_csm_and_by_cohort(book: Session) -> None:
    by_csm = {s.key: s for s in metrics(book, slice_by=SliceBy.CSM).slices}
    assert {k: s.onboardings for k, s in by_csm.items()} == {"UCSM": 5, "UCSM2": 4}
    # UCSM: 6 9 16 20; UCSM2: 5 12 35.
    assert (by_csm["UCSM"].ttfv.median, by_csm["UCSM"].ttfv.p75) == (12.5, 17)
    assert (by_csm["UCSM2"].ttfv.median, by_csm["UCSM2"].ttfv.p75) == (12, 23.5)
    cohorts = metrics(book, slice_by=SliceBy.COHORT).slices
    assert [(s.key, s.onboardings) for s in cohorts] == [
        ("2026-01", 3), ("2026-03", 3), ("2026-02", 2), ("2099-07", 1),
    ]  # fmt: skip
    january = cohorts[0]
    assert (january.completion.count, january.completion.n) == (3, 3)
    assert (january.on_time_completion.count, january.on_time_completion.n) == (2, 3)
    assert cohorts[-1].completion.n == 0 and cohorts[-1].completion.value is None


def test_filters(book: Session) -> None:
    mid = metrics(book, book_filter=BookFilter(segment="mid-market")).total
    assert (mid.onboardings, mid.ttfv.median, mid.ttfv.target_days) == (3, 12, 14)
    january = metrics(book, book_filter=BookFilter(cohort="2026-01")).total
    assert january.onboardings == 3
    mine = metrics(book, book_filter=BookFilter(csm_user_id="UCSM2"), slice_by=SliceBy.SEGMENT)
    assert {s.key: s.onboardings for s in mine.slices} == {
        "Enterprise": 1,
        "Mid-Market": 1,
        "SMB": 2,
    }
    with pytest.raises(BadFilter):
        BookFilter(cohort="2026-13").conditions()


def test_an_empty_book(session: Session) -> None:
    m = metrics(session, slice_by=SliceBy.SEGMENT)
    assert m.slices == [] and m.total.onboardings == 0
    assert m.total.ttfv.median is None and m.total.completion.value is None
    assert m.total.nps.score is None and m.total.health == {}
    assert m.total.timing.resolution == {} and m.total.timing.first_contact.median is None


def _statements(db: Database, run) -> int:  # type: ignore[no-untyped-def]
    with statements(db.engine) as seen:
        run()
    return len(seen)


def _many(n: int, first: int = 0) -> list[Seed]:
    shapes = BOOK[:7]
    return [
        Seed(f"{s.name} {i}", s.playbook, s.csm, s.start + timedelta(days=i % 60), s.done,
             s.first_value, s.go_live, s.exited, s.closed, s.health, s.nps, s.survey, s.issues,
             s.first_contact)
        for i, s in ((i, shapes[i % len(shapes)]) for i in range(first, first + n))
    ]  # fmt: skip


def test_the_query_count_does_not_grow_with_the_book(db: Database, session: Session) -> None:
    counts = {}
    for size, first, extra in ((10, 0, 10), (100, 10, 90)):
        seed(session, _many(extra, first))
        for slice_by in (None, SliceBy.SEGMENT, SliceBy.CSM, SliceBy.COHORT):
            with db.session() as fresh:
                counts[size, slice_by] = _statements(
                    db, lambda s=fresh, by=slice_by: metrics(s, slice_by=by)
                )
        with db.session() as fresh:
            counts[size, "export"] = _statements(
                db, lambda s=fresh: write_csv(s, io.StringIO(), TARGETS)
            )
    assert {v for k, v in counts.items() if k[1] != "export"} == {8}  # adoption, then timing
    assert counts[10, "export"] == counts[100, "export"] == 1
    with db.session() as fresh:
        assert metrics(fresh).total.onboardings == 100


def test_the_csv_export(book: Session) -> None:
    alpha = book.scalars(select(Onboarding).where(Onboarding.company_name == "Alpha")).one()
    alpha.company_name = '=HYPERLINK("http://evil")'
    alpha.handoff_score, alpha.deal_closed_on = 85, date(2026, 1, 2)
    book.commit()
    out = io.StringIO()
    assert write_csv(book, out, TARGETS) == 9
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(COLUMNS)
    by_name = {r["company"]: r for r in rows}
    first = by_name['\'=HYPERLINK("http://evil")']
    assert first["ttfv_days"] == "20" and first["ttfv_target_days"] == "30"
    assert first["go_live_date"] == "2026-02-14" and first["days_to_go_live"] == "40"
    assert (first["completed"], first["completed_on_time"], first["plan_end"]) == (
        "yes", "yes", "2026-03-06"
    )  # fmt: skip
    assert (first["milestones_done"], first["milestones_total"]) == ("8", "8")
    assert (first["latest_health"], first["arr"]) == ("healthy", "50000.00")
    assert (first["baseline_plan_end"], first["milestones_on_time_baseline"]) == ("2026-03-06", "8")
    assert first["replans"] == "0"
    assert (first["handoff_score"], first["deal_closed_on"]) == ("85", "2026-01-02")
    bravo = by_name["Bravo"]
    assert (bravo["milestones_completed"], bravo["milestones_on_time"]) == ("7", "3")
    assert bravo["completed_on_time"] == "no" and bravo["latest_health"] == "unknown"
    golf = by_name["Golf"]
    assert (golf["first_value_date"], golf["ttfv_days"], golf["completed_on_time"]) == ("", "", "")
    assert [r["company"] for r in rows][-1] == "Hotel"  # oldest start first


def test_formula_injection_is_neutralised() -> None:
    assert [neutralise(c) for c in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "Acme", -3, 7)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "Acme", -3, 7,
    ]  # fmt: skip


def replan_in_place(session: Session, company: str, moves: dict[str, int], count: int) -> None:
    """What `/onboard replan` leaves behind: the first dates kept as the baseline, the moved
    milestones due `moves[key]` days later, the replans counted."""
    onboarding = session.scalars(select(Onboarding).where(Onboarding.company_name == company)).one()
    for m in onboarding.milestones:
        m.baseline_due_date = m.due_date
        m.due_date += timedelta(days=moves.get(m.key, 0))
    onboarding.replan_count = count
    session.commit()


@pytest.fixture
def replanned(book: Session) -> Session:
    # Bravo: setup (2 late) and training (5 late) moved to when they were done, the plan's end
    # 10 days later (it exited on day 65 of a plan ending on day 60); replanned twice.
    replan_in_place(book, "Bravo", {"technical_setup": 2, "training": 5, "transition": 10}, 2)
    # Delta: setup (4 late) moved 4 days; replanned once.
    replan_in_place(book, "Delta", {"technical_setup": 4}, 1)
    return book


def test_on_time_against_the_baseline_and_the_current_plan(replanned: Session) -> None:
    m = metrics(replanned).total
    # Current plan: 27 + Bravo's setup and training + Delta's setup; baseline: as before.
    assert (m.milestone_on_time.count, m.milestone_on_time.n) == (30, 36)
    assert (m.milestone_on_time_baseline.count, m.milestone_on_time_baseline.n) == (27, 36)
    assert m.milestone_on_time_baseline.onboardings == 7
    # Bravo exited on day 65: on time against its current end (70), late against the first (60).
    assert (m.on_time_completion.count, m.on_time_completion.n) == (3, 3)
    assert (m.on_time_completion_baseline.count, m.on_time_completion_baseline.n) == (2, 3)
    assert (m.replans.replans, m.replans.replanned, m.replans.onboardings) == (3, 2, 9)
    assert m.replans.per_onboarding == pytest.approx(3 / 9)


def test_replans_and_baseline_by_segment_and_by_csm(replanned: Session) -> None:
    by_segment = {s.key: s for s in metrics(replanned, slice_by=SliceBy.SEGMENT).slices}
    enterprise, mid = by_segment["Enterprise"], by_segment["Mid-Market"]
    assert (enterprise.milestone_on_time.count, enterprise.milestone_on_time_baseline.count) == (
        13, 11
    )  # fmt: skip
    assert (enterprise.on_time_completion.count, enterprise.on_time_completion_baseline.count) == (
        2, 1
    )  # fmt: skip
    assert (enterprise.replans.replans, enterprise.replans.replanned) == (2, 1)
    assert (mid.replans.replans, mid.replans.replanned, mid.replans.onboardings) == (1, 1, 3)
    assert by_segment["SMB"].replans.per_onboarding == 0
    by_csm = {s.key: s for s in metrics(replanned, slice_by=SliceBy.CSM).slices}
    assert (by_csm["UCSM2"].replans.replans, by_csm["UCSM2"].replans.onboardings) == (2, 4)
    assert (by_csm["UCSM"].replans.replans, by_csm["UCSM"].replans.replanned) == (1, 1)
    ucsm = by_csm["UCSM"]  # Alpha 8, Charlie 6, India 7, and Delta's setup now
    assert (ucsm.milestone_on_time.count, ucsm.milestone_on_time_baseline.count) == (22, 21)


def test_the_csv_export_carries_the_baseline_and_replans(replanned: Session) -> None:
    out = io.StringIO()
    write_csv(replanned, out, TARGETS)
    bravo = next(r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["company"] == "Bravo")
    assert (bravo["plan_end"], bravo["baseline_plan_end"]) == ("2026-03-23", "2026-03-13")
    assert (bravo["milestones_on_time"], bravo["milestones_on_time_baseline"]) == ("5", "3")
    assert bravo["replans"] == "2" and bravo["completed_on_time"] == "yes"
