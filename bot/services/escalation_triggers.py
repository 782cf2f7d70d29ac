"""When an onboarding needs CS leadership: the four causes of an escalation, each found with one
query over the open onboardings (bot/services/escalations.py tells and records them).

- **Health check red**: the latest weekly check has the red number of NO answers
  (templates/health.yml: 3 or more) and the one before it was not red. Found within 24 hours of
  the check, since it asks for an escalation meeting within 24 hours; while the onboarding stays
  red, later red checks add nothing (the leader already knows).
- **Champion gone, no successor**: a champion departed and no champion is left, for
  ONBOARD_ESCALATE_CHAMPION_DAYS business days (default 5: seed 004's "no successor identified
  after 1 week").
- **Unacknowledged signal**: a high or critical alert was told and is still unacknowledged
  (a snooze is not an acknowledgement) ONBOARD_ESCALATE_UNACKNOWLEDGED_DAYS business days
  (default 2) after it was first told; an alert that lost its acknowledgement by getting worse
  counts from when it was told again.
- **Go-live slipped**: replans moved go-live later than the baseline by more than
  ONBOARD_ESCALATE_GO_LIVE_SLIP_PERCENT (default 20) percent of the plan, the business days from
  the contract start to the baseline go-live. Each further step of that size escalates again.

Business days count in the onboarding's time zone; the two causes that count them are found on
business days from 09:00 local, so a leader is not told at midnight.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from bot.calendar import business_days_between, is_business_day, time_zone
from bot.models import (
    ActivityEntry,
    AlertState,
    Escalation,
    HealthCheck,
    Milestone,
    Onboarding,
    Stakeholder,
    StakeholderRole,
)
from bot.services.health.checks import ranked_checks
from bot.services.signals import OPEN_STATUSES, AlertSeverity, SignalCatalog, signal_kind

RED_WINDOW = timedelta(hours=24)  # a red check asks for an escalation meeting within 24 hours
DUE_AT = time(9, 0)
ESCALATING = [s.value for s in AlertSeverity if s.escalates]
ALERT_ACKNOWLEDGED = "alert_acknowledged"  # the action bot/services/alerts.py records


class Cause(enum.StrEnum):
    HEALTH_RED = "health_red"
    CHAMPION_GONE = "champion_gone"
    UNACKNOWLEDGED = "unacknowledged"
    GO_LIVE_SLIP = "go_live_slip"


@dataclass(frozen=True)
class EscalationRules:
    red_from: int  # NO answers that make a health check red
    champion_business_days: int
    unacknowledged_business_days: int
    go_live_slip_percent: int
    default_timezone: str


@dataclass(frozen=True)
class CauseFacts:
    """What a cause says; each cause fills its own fields."""

    checked_at: datetime | None = None  # health_red: the check
    no_count: int = 0
    score: int = 0
    name: str = ""  # champion_gone: the champion; unacknowledged: the signal
    severity: str = ""  # unacknowledged
    since: date | None = None  # champion_gone: departed on; unacknowledged: first seen on
    business_days: int = 0  # since then; go_live_slip: how much later
    baseline: date | None = None  # go_live_slip
    current: date | None = None
    plan_business_days: int = 0
    percent: int = 0
    limit: int = 0  # the threshold it passed (business days or percent)


@dataclass(frozen=True)
class Found:
    onboarding_id: int
    cause: Cause
    cause_key: str  # told once per onboarding and key
    facts: CauseFacts


def _is_open() -> ColumnElement[bool]:
    return Onboarding.status.in_(OPEN_STATUSES)


def _local(moment: datetime, zone_name: str | None, rules: EscalationRules) -> datetime:
    return moment.astimezone(time_zone(zone_name, rules.default_timezone))


def _due_today(now: datetime, zone_name: str | None, rules: EscalationRules) -> date | None:
    """Today in the onboarding's zone when day-counted causes are due (a business day, 09:00)."""
    local = _local(now, zone_name, rules)
    return local.date() if is_business_day(local.date()) and local.time() >= DUE_AT else None


def red_health_checks(session: Session, rules: EscalationRules, now: datetime) -> list[Found]:
    recent = (
        select(HealthCheck.onboarding_id)
        .join(Onboarding, Onboarding.id == HealthCheck.onboarding_id)
        .where(HealthCheck.checked_at >= now - RED_WINDOW, _is_open())
    )
    latest: dict[int, list] = {}  # type: ignore[type-arg]
    for row in session.execute(ranked_checks(recent, 2)):
        latest.setdefault(row.onboarding_id, []).append(row)
    found = []
    for onboarding_id, (check, *earlier) in latest.items():
        was_red = bool(earlier) and earlier[0].no_count >= rules.red_from
        if (
            check.no_count >= rules.red_from
            and not was_red
            and check.checked_at >= now - RED_WINDOW
        ):
            facts = CauseFacts(
                checked_at=check.checked_at, no_count=check.no_count, score=check.score
            )
            found.append(Found(onboarding_id, Cause.HEALTH_RED, f"health_red:{check.id}", facts))
    return found


def champions_without_successor(
    session: Session, rules: EscalationRules, now: datetime
) -> list[Found]:
    present = aliased(Stakeholder)
    successor = exists().where(
        present.onboarding_id == Stakeholder.onboarding_id,
        present.role == StakeholderRole.CHAMPION,
        present.departed_at.is_(None),
    )
    rows = session.execute(
        select(Stakeholder.onboarding_id, Stakeholder.id, Stakeholder.name)
        .add_columns(Stakeholder.departed_at, Onboarding.timezone)
        .join(Onboarding, Onboarding.id == Stakeholder.onboarding_id)
        .where(
            _is_open(),
            Stakeholder.role == StakeholderRole.CHAMPION,
            # N business days are at least N calendar days: the index-friendly bound.
            Stakeholder.departed_at <= now - timedelta(days=rules.champion_business_days),
            ~successor,
        )
        .order_by(Stakeholder.onboarding_id, Stakeholder.departed_at.desc(), Stakeholder.id)
    ).all()
    found, seen = [], set()
    for onboarding_id, stakeholder_id, name, departed_at, zone in rows:
        today = _due_today(now, zone, rules)
        if onboarding_id in seen or today is None:
            continue
        seen.add(onboarding_id)  # the latest departure stands for the loss
        left = _local(departed_at, zone, rules).date()
        days = business_days_between(left, today)
        if days >= rules.champion_business_days:
            facts = CauseFacts(
                name=name, since=left, business_days=days, limit=rules.champion_business_days
            )
            key = f"champion_gone:{stakeholder_id}"
            found.append(Found(onboarding_id, Cause.CHAMPION_GONE, key, facts))
    return found


def _acknowledged_at(session: Session, onboarding_ids: set[int]) -> dict[int, datetime]:
    """When each alert of these onboardings was last acknowledged (the activity log keeps it;
    the alert forgets its acknowledgement when it gets worse)."""
    entries = session.execute(
        select(ActivityEntry.data, ActivityEntry.created_at).where(
            ActivityEntry.onboarding_id.in_(onboarding_ids),
            ActivityEntry.action == ALERT_ACKNOWLEDGED,
        )
    )
    latest: dict[int, datetime] = {}
    for data, at in entries:
        for alert_id in (data or {}).get("alerts", []):
            latest[alert_id] = max(at, latest.get(alert_id, at))
    return latest


def unacknowledged_alerts(
    session: Session, rules: EscalationRules, catalog: SignalCatalog, now: datetime
) -> list[Found]:
    rows = session.execute(
        select(AlertState.onboarding_id, AlertState.id, AlertState.signal, AlertState.state)
        .add_columns(AlertState.severity, AlertState.first_seen_at, AlertState.last_notified_at)
        .add_columns(Onboarding.timezone, Onboarding.playbook)
        .join(Onboarding, Onboarding.id == AlertState.onboarding_id)
        .where(
            _is_open(),
            AlertState.cleared_at.is_(None),
            AlertState.acknowledged_at.is_(None),
            AlertState.notify_count > 0,
            AlertState.severity.in_(ESCALATING),
            AlertState.first_seen_at <= now - timedelta(days=rules.unacknowledged_business_days),
        )
        .order_by(AlertState.onboarding_id, AlertState.id)
    ).all()
    acknowledged = _acknowledged_at(session, {r.onboarding_id for r in rows}) if rows else {}
    found = []
    for row in rows:
        today = _due_today(now, row.timezone, rules)
        # Acknowledged once, then worse (which takes the acknowledgement back): unanswered
        # since it was told again, not since it was first seen.
        answered = acknowledged.get(row.id)
        if answered is not None and answered < row.first_seen_at:
            answered = None  # an acknowledgement of the alert before it cleared and came back
        told = max(row.first_seen_at, row.last_notified_at) if answered else row.first_seen_at
        told_on = _local(told, row.timezone, rules).date()
        days = business_days_between(told_on, today) if today else 0
        if days < rules.unacknowledged_business_days:
            continue
        kind = signal_kind(row.state) or signal_kind(f"0|{row.signal}")
        facts = CauseFacts(
            name=catalog.definition(kind, row.playbook).name if kind else row.signal,
            severity=row.severity,
            since=told_on,
            business_days=days,
            limit=rules.unacknowledged_business_days,
        )
        # Once per stretch without an answer: since the alert was (re)seen, or since the last
        # acknowledgement it lost.
        stretch = (answered or row.first_seen_at).isoformat()
        key = f"unacknowledged:{row.id}:{stretch}"
        found.append(Found(row.onboarding_id, Cause.UNACKNOWLEDGED, key, facts))
    return found


def go_live_slips(session: Session, rules: EscalationRules) -> list[Found]:
    go_live_due = (
        select(func.min(Milestone.due_date))
        .where(Milestone.onboarding_id == Onboarding.id, Milestone.is_go_live)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Onboarding.id, Onboarding.start_date, Onboarding.baseline_go_live_date)
        .add_columns(func.coalesce(Onboarding.target_go_live_date, go_live_due))
        .where(
            _is_open(), Onboarding.replan_count > 0, Onboarding.baseline_go_live_date.is_not(None)
        )
        .order_by(Onboarding.id)
    ).all()
    found = []
    for onboarding_id, start, baseline, current in rows:
        plan = business_days_between(start, baseline)
        slip = business_days_between(baseline, current) if current else 0
        step = rules.go_live_slip_percent * plan  # in hundredths of a business day
        if plan <= 0 or slip * 100 <= step:
            continue
        # More than one step (20%) is the first escalation, more than two the second...
        steps = (slip * 100 - 1) // step
        facts = CauseFacts(
            baseline=baseline,
            current=current,
            business_days=slip,
            plan_business_days=plan,
            percent=round(slip * 100 / plan),
            limit=rules.go_live_slip_percent,
        )
        found.append(Found(onboarding_id, Cause.GO_LIVE_SLIP, f"go_live_slip:{steps}", facts))
    return found


def find_escalations(
    session: Session, rules: EscalationRules, catalog: SignalCatalog, now: datetime
) -> list[Found]:
    """Every cause that needs a leader now and was not escalated before (five queries)."""
    found = [
        *red_health_checks(session, rules, now),
        *champions_without_successor(session, rules, now),
        *unacknowledged_alerts(session, rules, catalog, now),
        *go_live_slips(session, rules),
    ]
    if not found:
        return []
    known = set(
        session.execute(
            select(Escalation.onboarding_id, Escalation.cause_key).where(
                Escalation.onboarding_id.in_({f.onboarding_id for f in found})
            )
        ).all()
    )
    return [f for f in found if (f.onboarding_id, f.cause_key) not in known]
