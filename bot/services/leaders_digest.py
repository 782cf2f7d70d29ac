"""The leaders' Monday digest: the book as leaders need it, one direct message per Onboard admin.

Due, like the CSM digest (bot/services/digest.py), on Mondays from 09:00 in each leader's own
time zone, keyed by the leader and the ISO week of that local Monday (once a week, whatever the
number of runs or processes) and expiring at the end of that local Monday (skipped, not sent
late, after downtime). It carries health and so goes by DM to admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.models import Onboarding, OnboardingRollup, OnboardingStatus
from bot.services.digest import digest_day, end_of_day, iso_week, unqueued
from bot.services.metrics import BookMetrics, book_metrics
from bot.services.outbox import outbox_key

LEADERS_DIGEST_KIND = "leaders-digest"
# The latest health check's statuses that need a leader this week, worst first.
NEEDS_A_LEADER = ("emergency", "critical", "at_risk")
AT_RISK_MAX = 15


@dataclass(frozen=True)
class AtRisk:
    onboarding_id: int
    company_name: str
    csm_user_id: str
    status: str
    score: int | None


@dataclass(frozen=True)
class LeadersBook:
    week: str
    today: date
    metrics: BookMetrics
    at_risk: list[AtRisk]  # the worst AT_RISK_MAX
    at_risk_total: int


@dataclass(frozen=True)
class DueLeadersDigest:
    """A leader whose digest is due: their local Monday and the zone it was read in."""

    leader_user_id: str
    monday: date
    zone: tzinfo

    @property
    def key(self) -> str:
        return leaders_digest_key(self.leader_user_id, self.monday)

    @property
    def expires_at(self) -> datetime:
        return end_of_day(self.monday, self.zone)


def leaders_digest_key(leader_user_id: str, day: date) -> str:
    return outbox_key(LEADERS_DIGEST_KIND, None, leader_user_id, iso_week(day))


def due_leaders(
    session: Session, now: datetime, zones: Mapping[str, tzinfo]
) -> list[DueLeadersDigest]:
    """The leaders of `zones` whose local Monday 09:00 has come and whose digest for that local
    ISO week is not queued yet (one query)."""
    due = []
    for leader, zone in sorted(zones.items()):
        monday = digest_day(now, zone)
        if monday is not None:
            due.append(DueLeadersDigest(leader, monday, zone))
    return unqueued(session, due)


def needs_a_leader(session: Session, limit: int = AT_RISK_MAX) -> tuple[list[AtRisk], int]:
    """The open onboardings whose latest health check is at risk or worse, worst first (at most
    `limit`), and how many there are in all: one query over the rollup."""
    worst = case(
        {status: rank for rank, status in enumerate(NEEDS_A_LEADER)},
        value=OnboardingRollup.health_status,
    )
    rows = session.execute(
        select(
            Onboarding.id,
            Onboarding.company_name,
            Onboarding.csm_user_id,
            OnboardingRollup.health_status,
            OnboardingRollup.health_score,
            func.count().over(),  # before LIMIT: the total
        )
        .join(OnboardingRollup, OnboardingRollup.onboarding_id == Onboarding.id)
        .where(
            Onboarding.status != OnboardingStatus.CLOSED,
            OnboardingRollup.health_status.in_(NEEDS_A_LEADER),
        )
        .order_by(
            worst,
            OnboardingRollup.health_score,
            func.lower(Onboarding.company_name),
            Onboarding.id,
        )
        .limit(limit)
    ).all()
    total = int(rows[0][5]) if rows else 0
    return [AtRisk(r[0], r[1], r[2], r[3], r[4]) for r in rows], total


def leaders_book(session: Session, today: date, ttfv_targets: Mapping[str, int]) -> LeadersBook:
    """The book on `today`, the same for every leader whose Monday it is."""
    at_risk, total = needs_a_leader(session)
    return LeadersBook(
        week=iso_week(today),
        today=today,
        metrics=book_metrics(session, today=today, ttfv_targets=ttfv_targets),
        at_risk=at_risk,
        at_risk_total=total,
    )
