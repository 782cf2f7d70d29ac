"""Reading and recording weekly health checks: the latest check of each onboarding with its
trend, the modal's content, and storing a submitted check once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.db import lock_row
from bot.models import HealthCheck, Milestone, Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.feedback import SENTIMENT_WINDOW, RecentSentiment, recent_sentiment
from bot.services.health.rules import AreaDef, Colour, ComponentDef, HealthRules, HealthStatus
from bot.services.health.score import (
    Assessment,
    HealthEntry,
    ProgressFacts,
    Trend,
    assess,
    colour_for,
    progress_rating,
    trend,
)
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.usage_adoption import AdoptionSummary, load_adoption

ACTIVITY_ACTION = "health_check"


@dataclass(frozen=True)
class HealthSummary:
    """The latest check of an onboarding, as the status card and the metrics show it."""

    onboarding_id: int
    check_id: int
    checked_at: datetime
    checked_by: str
    score: int
    status: HealthStatus
    status_name: str
    response: str
    no_count: int
    colour: Colour
    trend: Trend


def ranked_checks(onboarding_ids: Select | Collection[int], depth: int) -> Select:
    """The `depth` latest checks of each onboarding, newest first, ordered by onboarding id:
    one query whatever the number of onboardings (a window over the (onboarding, checked_at)
    index)."""
    rank = (
        func.row_number()
        .over(
            partition_by=HealthCheck.onboarding_id,
            order_by=(HealthCheck.checked_at.desc(), HealthCheck.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            HealthCheck.onboarding_id,
            HealthCheck.id,
            HealthCheck.checked_at,
            HealthCheck.checked_by,
            HealthCheck.score,
            HealthCheck.status,
            HealthCheck.no_count,
            rank,
        )
        .where(HealthCheck.onboarding_id.in_(onboarding_ids))
        .subquery()
    )
    return (
        select(
            ranked.c.onboarding_id,
            ranked.c.id,
            ranked.c.checked_at,
            ranked.c.checked_by,
            ranked.c.score,
            ranked.c.status,
            ranked.c.no_count,
        )
        .where(ranked.c.rank <= depth)
        .order_by(ranked.c.onboarding_id, ranked.c.rank)
    )


def latest_health(
    session: Session, onboarding_ids: Collection[int], rules: HealthRules
) -> dict[int, HealthSummary]:
    """The latest check of each onboarding that has one, with its trend: one query."""
    if not onboarding_ids:
        return {}
    by_onboarding: dict[int, list[tuple]] = {}
    for row in session.execute(ranked_checks(list(onboarding_ids), 2)):
        by_onboarding.setdefault(row.onboarding_id, []).append(row)
    return {
        oid: _summary(rows[0], rows[1] if len(rows) > 1 else None, rules)
        for oid, rows in by_onboarding.items()
    }


def _summary(row, previous, rules: HealthRules) -> HealthSummary:  # type: ignore[no-untyped-def]
    status = rules.status(row.status)
    return HealthSummary(
        onboarding_id=row.onboarding_id,
        check_id=row.id,
        checked_at=row.checked_at,
        checked_by=row.checked_by,
        score=row.score,
        status=HealthStatus(status.key),
        status_name=status.name,
        response=status.response,
        no_count=row.no_count,
        colour=colour_for(row.no_count, rules),
        trend=trend(
            row.score,
            previous.score if previous is not None else None,
            previous.checked_at if previous is not None else None,
        ),
    )


@dataclass(frozen=True)
class HealthForm:
    """Everything the health check modal shows."""

    onboarding_id: int
    company_name: str
    areas: tuple[AreaDef, ...]
    components: Mapping[str, ComponentDef]
    rating_words: Mapping[int, str]
    progress: ProgressFacts
    sentiment: RecentSentiment | None
    previous: HealthSummary | None
    weights: Mapping[str, int]
    sentiment_window_days: int = SENTIMENT_WINDOW.days
    # From the usage records, when there are any: the adoption rating it earns is prefilled.
    adoption: AdoptionSummary | None = None
    adoption_rating: int | None = None


@dataclass(frozen=True)
class HealthResult:
    onboarding_id: int
    company_name: str
    check_id: int
    assessment: Assessment
    trend: Trend
    checked_at: datetime
    red_response: str = ""


def open_health_check(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    rules: HealthRules,
    now: datetime,
    today: date,
    playbooks: PlaybookLibrary | None = None,
) -> HealthForm:
    """The modal's content; only the CSM, the AE and the admins may run the check. With usage
    records, the adoption rating is prefilled from the share of licensed users active."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    playbook = playbooks.get(onboarding.playbook) if playbooks is not None else None
    usage = load_adoption(session, onboarding.id, playbook.usage.core_features if playbook else ())
    percent = usage.percent if usage is not None else None
    return HealthForm(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        areas=rules.areas,
        components=rules.components,
        rating_words=rules.rating_words,
        progress=progress_rating(onboarding.milestones, today),
        sentiment=recent_sentiment(session, onboarding.id, now),
        previous=latest_health(session, [onboarding.id], rules).get(onboarding.id),
        weights=rules.weights,
        adoption=usage,
        adoption_rating=rules.adoption_rating(percent) if percent is not None else None,
    )


def record_health_check(
    session: Session,
    onboarding_id: int,
    actor: str,
    entry: HealthEntry,
    *,
    admins: Collection[str],
    rules: HealthRules,
    now: datetime,
    today: date,
    view_id: str | None = None,
) -> HealthResult:
    """Store the check with an activity entry; the trend is against the check before it.
    Progress is computed now, from the milestones as they are. A modal submitted again
    (`view_id` already stored: Slack delivering it twice) stores nothing and gets the stored
    check's result."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    # The same view delivered twice at once: the second waits here, then finds the first's.
    lock_row(session, Onboarding, onboarding.id)
    if view_id and (stored := _stored_check(session, view_id)) is not None:
        return _stored_result(session, stored, rules, today)
    milestones: Sequence[Milestone] = onboarding.milestones
    assessment = assess(entry, progress_rating(milestones, today), rules)
    previous = latest_health(session, [onboarding.id], rules).get(onboarding.id)
    check = HealthCheck(
        onboarding_id=onboarding.id,
        checked_at=now,
        checked_by=actor,
        answers=assessment.answers,
        ratings=assessment.ratings,
        no_count=assessment.no_count,
        score=assessment.score,
        status=assessment.status.key.value,
        note=entry.note.strip(),
        view_id=view_id,
    )
    session.add(check)
    session.flush()
    result_trend = trend(
        assessment.score,
        previous.score if previous else None,
        previous.checked_at if previous else None,
    )
    _record(session, onboarding, actor, check, assessment, result_trend, now)
    return _result(onboarding, check, assessment, result_trend, rules)


def _record(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    check: HealthCheck,
    assessment: Assessment,
    result_trend: Trend,
    now: datetime,
) -> None:
    record_activity(
        session,
        onboarding,
        actor,
        ACTIVITY_ACTION,
        f"ran the health check: {assessment.score}/100, {assessment.status.name.lower()}",
        now=now,
        data={
            "health_check_id": check.id,
            "score": assessment.score,
            "status": assessment.status.key.value,
            "no_count": assessment.no_count,
            "trend": result_trend.points,
        },
    )


def _result(
    onboarding: Onboarding,
    check: HealthCheck,
    assessment: Assessment,
    result_trend: Trend,
    rules: HealthRules,
) -> HealthResult:
    return HealthResult(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        check_id=check.id,
        assessment=assessment,
        trend=result_trend,
        checked_at=check.checked_at,
        red_response=rules.colour.red_response if assessment.colour == Colour.RED else "",
    )


def _stored_check(session: Session, view_id: str) -> HealthCheck | None:
    return session.scalar(select(HealthCheck).where(HealthCheck.view_id == view_id))


def _stored_result(
    session: Session, check: HealthCheck, rules: HealthRules, today: date
) -> HealthResult:
    """The result `record_health_check` gave when it stored `check`, read back from it (the
    progress counts as the plan reads today: the check keeps its rating, not the counts)."""
    onboarding = check.onboarding
    previous = session.scalar(
        select(HealthCheck)
        .where(
            HealthCheck.onboarding_id == check.onboarding_id,
            or_(
                HealthCheck.checked_at < check.checked_at,
                and_(HealthCheck.checked_at == check.checked_at, HealthCheck.id < check.id),
            ),
        )
        .order_by(HealthCheck.checked_at.desc(), HealthCheck.id.desc())
        .limit(1)
    )
    assessment = Assessment(
        check.answers,
        check.ratings,
        check.no_count,
        check.score,
        rules.status(check.status),
        colour_for(check.no_count, rules),
        progress_rating(onboarding.milestones, today),
    )
    result_trend = trend(
        check.score,
        previous.score if previous else None,
        previous.checked_at if previous else None,
    )
    return _result(onboarding, check, assessment, result_trend, rules)
