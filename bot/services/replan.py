"""Replanning an onboarding: its open milestones and go-live target move, under the intake's
date rules (bot/calendar.plan_date_problem). The first plan stays as the baseline; each replan is
recorded in the activity log, clears the "milestone late" alerts it made stale, and may tell the
customer (a `replan_notice` post: milestone names and dates, nothing internal)."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.calendar import business_days_between, plan_date_problem, shift_business_days
from bot.models import AlertState, Milestone, Onboarding
from bot.services.activity import record_activity
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.permissions import ensure_can_change
from bot.services.signals.kinds import ALERT_FAMILY, SignalKind

REPLANNED_ACTION = "replanned"
REPLAN_NOTICE_KIND = "replan_notice"
REASON_MAX = 2000
LATE_FAMILY = ALERT_FAMILY[SignalKind.MILESTONE_DELAYED]


class ReplanField(enum.StrEnum):
    """The modal's fields; the values are its block ids (a milestone's: MILESTONE-<id>)."""

    MILESTONE = "replan-milestone"
    GO_LIVE = "replan-go-live"
    SHIFT = "replan-shift"
    REASON = "replan-reason"
    TELL = "replan-tell"


def milestone_field(milestone_id: int) -> str:
    return f"{ReplanField.MILESTONE}-{milestone_id}"


class ReplanInvalid(Exception):
    """Dates the rules refuse, or no reason; `errors` maps each field's block id to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PlanDate:
    milestone_id: int
    name: str
    due: date


@dataclass(frozen=True)
class ReplanForm:
    """What the modal shows: the open milestones and the go-live target, as planned now."""

    onboarding_id: int
    company_name: str
    milestones: list[PlanDate]
    go_live: date | None


@dataclass(frozen=True)
class ReplanRequest:
    """What was submitted: a date per milestone id, the go-live target, and the choices."""

    dates: dict[int, date | None]
    go_live: date | None
    reason: str
    shift_later: bool = False
    tell_customer: bool = False


@dataclass(frozen=True)
class Move:
    name: str
    before: date
    after: date
    business_days: int


@dataclass(frozen=True)
class ReplanNotice:
    """The customer's notice: customer-safe facts only (no reason, no internal data)."""

    company_name: str
    moves: list[Move]
    go_live: date | None


@dataclass(frozen=True)
class Replan:
    onboarding_id: int
    company_name: str
    moves: list[Move]
    count: int
    customer_told: bool


def go_live_date(onboarding: Onboarding) -> date | None:
    """The plan's go-live: the target, else the go-live milestone's due date."""
    if onboarding.target_go_live_date:
        return onboarding.target_go_live_date
    return next((m.due_date for m in onboarding.milestones if m.is_go_live), None)


def open_replan_form(
    session: Session, onboarding_id: int, actor: str, *, admins: Collection[str]
) -> ReplanForm:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    return ReplanForm(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        milestones=[PlanDate(m.id, m.name, m.due_date) for m in _open(onboarding)],
        go_live=go_live_date(onboarding),
    )


def _open(onboarding: Onboarding) -> list[Milestone]:
    return [m for m in onboarding.milestones if not m.is_done]


def _new_dates(
    milestones: list[Milestone], asked: ReplanRequest, holidays: Collection[date]
) -> dict[int, date]:
    """Each open milestone's new date: the one picked, or, when shifting, the last move's
    business days applied to those after it that were left as they were."""
    dates: dict[int, date] = {}
    shift = 0
    for m in milestones:
        picked = asked.dates.get(m.id) or m.due_date
        if picked != m.due_date:
            shift = business_days_between(m.due_date, picked)
            dates[m.id] = picked
        elif asked.shift_later and shift:
            dates[m.id] = shift_business_days(m.due_date, shift, holidays)
        else:
            dates[m.id] = m.due_date
    return dates


def _errors(
    milestones: list[Milestone],
    dates: dict[int, date],
    go_live: tuple[date | None, date | None],
    asked: ReplanRequest,
    holidays: Collection[date],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for m in milestones:
        if dates[m.id] != m.due_date and (
            problem := plan_date_problem(dates[m.id], holidays, go_live=m.is_go_live)
        ):
            errors[milestone_field(m.id)] = problem
    before, after = go_live
    if after and after != before and (problem := plan_date_problem(after, holidays, go_live=True)):
        errors[ReplanField.GO_LIVE] = problem
    if not asked.reason.strip():
        errors[ReplanField.REASON] = "Say why the plan changes: it goes into the timeline."
    elif len(asked.reason) > REASON_MAX:
        errors[ReplanField.REASON] = f"{len(asked.reason):,} characters; {REASON_MAX} at most."
    return errors


def replan(
    session: Session,
    onboarding_id: int,
    asked: ReplanRequest,
    actor: str,
    *,
    admins: Collection[str],
    holidays: Collection[date],
    today: date,
    now: datetime,
) -> Replan:
    """Move the dates (ReplanInvalid, nothing changed, when a rule refuses one), keep the
    baseline, record the replan, clear the alerts of late milestones now due later."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    milestones = _open(onboarding)
    dates = _new_dates(milestones, asked, holidays)
    go_live = (go_live_date(onboarding), asked.go_live or go_live_date(onboarding))
    errors = _errors(milestones, dates, go_live, asked, holidays)
    moves = [
        Move(m.name, m.due_date, dates[m.id], business_days_between(m.due_date, dates[m.id]))
        for m in milestones
        if dates[m.id] != m.due_date
    ]
    if go_live[0] != go_live[1] and go_live[1]:
        before = go_live[0] or go_live[1]
        moves.append(
            Move("Go-live target", before, go_live[1], business_days_between(before, go_live[1]))
        )
    if not moves and not errors:
        errors[ReplanField.REASON] = "Nothing moved: change a date first."
    if errors:
        raise ReplanInvalid(errors)
    _keep_baseline(onboarding)
    for m in milestones:
        m.due_date = dates[m.id]
    if go_live[0] != go_live[1]:
        onboarding.target_go_live_date = go_live[1]
    onboarding.replan_count += 1
    record_activity(
        session,
        onboarding,
        actor,
        REPLANNED_ACTION,
        _detail(moves, asked.reason.strip()),
        now=now,
        data={"moves": [post_data(m) for m in moves], "reason": asked.reason.strip()},
    )
    _clear_late_alerts(session, onboarding, today, now)
    told = asked.tell_customer and _tell_customer(session, onboarding, moves, now)
    return Replan(onboarding.id, onboarding.company_name, moves, onboarding.replan_count, told)


def _keep_baseline(onboarding: Onboarding) -> None:
    """The first plan, written once: the migration gave existing onboardings theirs."""
    if onboarding.baseline_go_live_date is None:
        onboarding.baseline_go_live_date = go_live_date(onboarding)
    for m in onboarding.milestones:
        if m.baseline_due_date is None:
            m.baseline_due_date = m.due_date


def _detail(moves: list[Move], reason: str) -> str:
    """The timeline's line (plain text: escaped where it is shown)."""
    moved = "; ".join(
        f"{m.name} {m.before:%b} {m.before.day} → {m.after:%b} {m.after.day} "
        f"({m.business_days:+d} business days)"
        for m in moves
    )
    return f"Replanned: {moved}. Reason: {reason}"


def _clear_late_alerts(
    session: Session, onboarding: Onboarding, today: date, now: datetime
) -> None:
    """A late milestone moved into the future stops alerting now, not at the next scan; the
    stall-alerts job would clear the same rows (bot/services/alert_states.reconcile)."""
    subjects = [f"milestone:{m.id}" for m in _open(onboarding) if m.due_date >= today]
    if not subjects:
        return
    session.execute(
        update(AlertState)
        .where(
            AlertState.onboarding_id == onboarding.id,
            AlertState.signal == LATE_FAMILY,
            AlertState.subject.in_(subjects),
            AlertState.cleared_at.is_(None),
        )
        .values(cleared_at=now)
    )


def _tell_customer(
    session: Session, onboarding: Onboarding, moves: list[Move], now: datetime
) -> bool:
    if not onboarding.customer_channel_id:
        return False
    notice = ReplanNotice(onboarding.company_name, moves, go_live_date(onboarding))
    post = Post(
        key=outbox_key(REPLAN_NOTICE_KIND, onboarding.id, period=str(onboarding.replan_count)),
        kind=REPLAN_NOTICE_KIND,
        channel=onboarding.customer_channel_id,
        data=post_data(notice),
        onboarding_id=onboarding.id,
    )
    return enqueue(session, post, now=now)


@dataclass(frozen=True)
class ReplanSummary:
    """The status card's line: `replanned 2x · go-live +10 business days`."""

    count: int
    go_live_business_days: int | None


def replan_summary(onboarding: Onboarding) -> ReplanSummary | None:
    if not onboarding.replan_count:
        return None
    baseline, current = onboarding.baseline_go_live_date, go_live_date(onboarding)
    shift = business_days_between(baseline, current) if baseline and current else None
    return ReplanSummary(onboarding.replan_count, shift)
