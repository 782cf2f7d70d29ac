"""The weekly status report (templates/weekly_report.yml): overall red/amber/green, progress,
what was done this week, decisions needed, what we wait on, next actions; and, in the internal
copy only, the health check and the risks.

Built from the status card (bot/services/status.py), so the report says what `/onboard status`
says. Each channel has one thread: a head message, edited in place to name the latest week, and
one reply per week (its outbox key carries the week, so a week is reported once).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.models import Onboarding, OnboardingStatus, OutboxMessage
from bot.playbooks import PlaybookError
from bot.services.health import HealthRules
from bot.services.outbox import Post, enqueue, enqueue_update, outbox_key, post_data
from bot.services.status import MilestoneState, StatusCard, load_status
from bot.yaml_files import load_yaml_model

REPORT_KIND = "weekly-report"
HEAD_KIND = "weekly-report-head"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


class WeeklyReportConfigError(PlaybookError):
    """templates/weekly_report.yml is missing, unreadable or invalid; the message says where."""


class WeeklyReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday"] = "friday"
    post_at: time = time(14, 0)
    next_actions: int = Field(default=3, ge=1, le=10)

    @property
    def weekday_number(self) -> int:
        return WEEKDAYS.index(self.weekday)


def load_weekly_report_config(templates_dir: Path) -> WeeklyReportConfig:
    path = templates_dir / "weekly_report.yml"
    return load_yaml_model(WeeklyReportConfig, path, WeeklyReportConfigError)


class Rag(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# The status card's schedule colour and the health check's colour, as report colours.
_RAG_OF = {"green": Rag.GREEN, "yellow": Rag.AMBER, "red": Rag.RED}
_ORDER = (Rag.GREEN, Rag.AMBER, Rag.RED)
_CLOSED = (MilestoneState.COMPLETE, MilestoneState.WAIVED)


@dataclass(frozen=True)
class ActionLine:
    text: str
    due: date | None = None
    owner_user_id: str | None = None


@dataclass(frozen=True)
class WaitingLine:
    reason: str
    owner_user_id: str
    days: int


@dataclass(frozen=True)
class LateLine:
    milestone: str
    days_late: int


@dataclass(frozen=True)
class WeeklyReport:
    """One week's report for one audience; `internal` adds the health check and the risks."""

    onboarding_id: int
    company_name: str
    week_of: date  # the Monday of the reported week
    internal: bool
    overall: Rag
    phase: str
    done: int
    total: int
    completed: list[str]
    decisions: list[LateLine]
    waiting_on: list[WaitingLine]
    next_actions: list[ActionLine]
    health_score: int | None = None
    health_status: str = ""
    risks: list[tuple[str, str]] | None = None


@dataclass(frozen=True)
class WeeklyReportHead:
    """The thread's head: which week it reports last, and how that week looked."""

    onboarding_id: int
    company_name: str
    week_of: date
    overall: Rag
    internal: bool


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def build_report(
    card: StatusCard, today: date, *, internal: bool, next_actions: int
) -> WeeklyReport:
    monday = week_of(today)
    open_milestones = sorted(
        (m for m in card.milestones if m.state not in _CLOSED), key=lambda m: m.due_date
    )
    actions = [ActionLine(m.name, m.due_date) for m in open_milestones[:next_actions]]
    actions += [ActionLine(text) for text in card.next_items[:next_actions]]
    health = card.health_check
    return WeeklyReport(
        onboarding_id=card.onboarding_id,
        company_name=card.company_name,
        week_of=monday,
        internal=internal,
        overall=overall_rag(card, internal=internal),
        phase=card.phase,
        done=card.done,
        total=card.total,
        completed=[
            m.name for m in card.milestones if m.completed_on and monday <= m.completed_on <= today
        ],
        decisions=[
            LateLine(m.name, -m.days_left)
            for m in open_milestones
            if m.state == MilestoneState.OVERDUE
        ],
        waiting_on=[WaitingLine(b.reason, b.owner_user_id, b.age_days) for b in card.blockers],
        next_actions=actions,
        health_score=health.score if internal and health else None,
        health_status=health.status_name if internal and health else "",
        risks=list(card.risks) if internal else None,
    )


def overall_rag(card: StatusCard, *, internal: bool) -> Rag:
    """The schedule's colour (late milestones, open blockers); internally also the latest
    health check's (its NO answers), whichever is worse."""
    colours = [_RAG_OF.get(card.health, Rag.GREEN)]
    if internal and card.health_check is not None:
        colours.append(_RAG_OF.get(str(card.health_check.colour), Rag.GREEN))
    return max(colours, key=_ORDER.index)


def due_onboardings(session: Session, zone: tzinfo, default_tz: tzinfo) -> list[int]:
    """The open onboardings whose time zone is `zone`."""
    rows = session.execute(
        select(Onboarding.id, Onboarding.timezone).where(
            Onboarding.status != OnboardingStatus.CLOSED
        )
    )
    return [i for i, name in rows if time_zone(name, default_tz) == zone]


def queue_weekly_report(
    session: Session,
    onboarding_id: int,
    today: date,
    *,
    now: datetime,
    config: WeeklyReportConfig,
    rules: HealthRules,
) -> list[str]:
    """Queue this week's reports of one onboarding (nothing when they are queued already):
    the keys queued."""
    onboarding = session.get(Onboarding, onboarding_id)
    if onboarding is None or _reported(session, onboarding_id, today):
        return []
    card = load_status(session, onboarding_id, today, rules)
    queued = []
    for channel, internal in _audiences(onboarding):
        report = build_report(card, today, internal=internal, next_actions=config.next_actions)
        queued += _queue(session, channel, report, now=now)
    return queued


def _audiences(onboarding: Onboarding) -> Iterable[tuple[str, bool]]:
    if onboarding.customer_channel_id:
        yield onboarding.customer_channel_id, False
    yield onboarding.internal_channel_id or onboarding.csm_user_id, True


def _audience(internal: bool) -> str:
    return "internal" if internal else "customer"


def _reported(session: Session, onboarding_id: int, today: date) -> bool:
    key = outbox_key(REPORT_KIND, onboarding_id, "internal", week_of(today).isoformat())
    return (
        session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
        is not None
    )


def _queue(session: Session, channel: str, report: WeeklyReport, *, now: datetime) -> list[str]:
    audience = _audience(report.internal)
    head = Post(
        key=outbox_key(HEAD_KIND, report.onboarding_id, audience),
        kind=HEAD_KIND,
        channel=channel,
        data=post_data(
            WeeklyReportHead(
                report.onboarding_id,
                report.company_name,
                report.week_of,
                report.overall,
                report.internal,
            )
        ),
        onboarding_id=report.onboarding_id,
        internal=report.internal,
    )
    reply = Post(
        key=outbox_key(REPORT_KIND, report.onboarding_id, audience, report.week_of.isoformat()),
        kind=REPORT_KIND,
        channel=channel,
        data=post_data(report),
        onboarding_id=report.onboarding_id,
        thread_of=head.key,
        internal=report.internal,
    )
    enqueue_update(session, head, now=now)
    return [head.key, reply.key] if enqueue(session, reply, now=now) else [head.key]
