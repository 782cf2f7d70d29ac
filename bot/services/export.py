"""The book as CSV, one row per onboarding, for analysis in a spreadsheet.

One query streams the rows (milestone counts and the latest health check from each
onboarding's rollup, open blockers from a grouped subquery), written as they arrive: memory
stays flat whatever the book's size.
Nothing is escaped, except that a text cell a spreadsheet would read as a formula (starting
with = + - @, or a tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from bot.models import Blocker, Onboarding, OnboardingRollup
from bot.services.metrics import BookFilter, completed_at, days_between, is_completed

COLUMNS = (
    "company",
    "segment",
    "playbook",
    "csm",
    "ae",
    "arr",
    "start_date",
    "status",
    "target_first_value_date",
    "first_value_date",
    "ttfv_days",
    "ttfv_target_days",
    "target_go_live_date",
    "go_live_date",
    "days_to_go_live",
    "hypercare_exited_date",
    "completed",
    "plan_end",
    "completed_on_time",
    "milestones_done",
    "milestones_total",
    "milestones_completed",
    "milestones_on_time",
    "latest_health",
    "latest_health_score",
    "latest_health_date",
    "open_blockers",
    "baseline_plan_end",
    "milestones_on_time_baseline",
    "replans",
    "handoff_score",
    "deal_closed_on",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def neutralise(cell: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def may_export(session: Session, user_id: str, admins: Collection[str]) -> bool:
    """Admins, and CSMs (who own at least one onboarding, open or closed), may export."""
    if user_id in admins:
        return True
    return bool(session.scalar(select(exists().where(Onboarding.csm_user_id == user_id))))


def _day(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _export_query(book_filter: BookFilter | None) -> Select[Any]:
    """One row per onboarding with its rollup and open blockers, oldest start first."""
    r = OnboardingRollup
    blockers = (
        select(Blocker.onboarding_id, func.count().label("open"))
        .where(Blocker.resolved_at.is_(None))
        .group_by(Blocker.onboarding_id)
        .subquery("open_blockers")
    )
    o = Onboarding
    return (
        select(
            o.company_name,
            o.segment,
            o.playbook,
            o.csm_user_id,
            o.ae_user_id,
            o.arr,
            o.start_date,
            o.status,
            o.target_first_value_date,
            o.first_value_at,
            days_between(o.start_date, o.first_value_at),
            o.target_go_live_date,
            o.go_live_at,
            days_between(o.start_date, o.go_live_at),
            o.hypercare_exited_at,
            is_completed(),
            r.plan_end,
            completed_at(),
            r.milestones_done,
            r.milestones,
            r.milestones_completed,
            r.milestones_on_time,
            r.health_status,
            r.health_score,
            r.health_checked_at,
            blockers.c.open,
            r.baseline_plan_end,
            r.milestones_on_time_baseline,
            o.replan_count,
            o.handoff_score,
            o.deal_closed_on,
        )
        .outerjoin(r, r.onboarding_id == o.id)
        .outerjoin(blockers, blockers.c.onboarding_id == o.id)
        .where(*(book_filter or BookFilter()).conditions())
        .order_by(o.start_date, o.id)
        .execution_options(yield_per=BATCH)
    )


def _row(values: Sequence[Any], ttfv_targets: Mapping[str, int]) -> list[Any]:
    """One onboarding's CSV row, in COLUMNS order."""
    (
        company, segment, playbook, csm, ae, arr, start, status, target_fv, first_value, ttfv,
        target_live, go_live, to_live, exited, completed, plan_end, finished, done, total,
        ms_completed, on_time, health_status, health_score, health_at, open_blockers,
        baseline_end, on_time_baseline, replans, handoff_score, closed_on,
    ) = values  # fmt: skip
    on_schedule = (
        ""
        if not completed or finished is None or plan_end is None
        else ("yes" if finished.date() <= plan_end else "no")
    )
    return [
        company,
        segment,
        playbook,
        csm,
        ae,
        str(Decimal(arr).quantize(Decimal("0.01"))),
        start.isoformat(),
        status,
        _day(target_fv),
        _day(first_value),
        _blank(ttfv),
        _blank(ttfv_targets.get(playbook)),
        _day(target_live),
        _day(go_live),
        _blank(to_live),
        _day(exited),
        "yes" if completed else "no",
        _day(plan_end),
        on_schedule,
        done or 0,
        total or 0,
        ms_completed or 0,
        on_time or 0,
        health_status or "unknown",
        _blank(health_score),
        _day(health_at),
        open_blockers or 0,
        _day(baseline_end),
        on_time_baseline or 0,
        replans or 0,
        _blank(handoff_score),
        _day(closed_on),
    ]


def export_rows(
    session: Session, ttfv_targets: Mapping[str, int], book_filter: BookFilter | None = None
) -> Iterator[list[Any]]:
    """The header, then one row per onboarding, oldest start first (one query, streamed)."""
    yield list(COLUMNS)
    for values in session.execute(_export_query(book_filter)):
        yield _row(values, ttfv_targets)


def write_csv(
    session: Session,
    out: IO[str],
    ttfv_targets: Mapping[str, int],
    book_filter: BookFilter | None = None,
) -> int:
    """Write the book to `out` as CSV; returns how many onboardings were written."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for count, row in enumerate(export_rows(session, ttfv_targets, book_filter)):  # noqa: B007
        writer.writerow([neutralise(cell) for cell in row])
    return max(count, 0)
