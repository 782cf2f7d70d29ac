"""What the charts show, as plain data: the plan's timeline (planned against actual dates per
milestone) and the metrics chart (time to first value by segment, the stage funnel).

Pure functions of the model and of the metrics (bot/services/metrics.py);
bot/slack/chart_images.py draws them. Nothing internal goes into the timeline: names and dates
only, so it may be shown to the customer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.models import MilestoneStatus, Onboarding
from bot.services.metrics import BookMetrics
from bot.services.onboardings import get_onboarding


class BarState(enum.StrEnum):
    DONE = "done"  # complete, on or before its due date
    DONE_LATE = "done_late"  # complete, after its due date
    OVERDUE = "overdue"  # open and past its due date
    OPEN = "open"  # open, not due yet
    WAIVED = "waived"


@dataclass(frozen=True)
class TimelineBar:
    name: str
    phase: str
    planned_start: date  # the previous milestone's due date (the start date for the first)
    due: date
    done_on: date | None
    state: BarState
    first_value: bool = False
    go_live: bool = False


@dataclass(frozen=True)
class TimelineChart:
    company_name: str
    start: date
    today: date
    bars: tuple[TimelineBar, ...]

    @property
    def first_day(self) -> date:
        return min([self.start, self.today, *(b.due for b in self.bars)])

    @property
    def last_day(self) -> date:
        dates = [
            self.today,
            *(b.due for b in self.bars),
            *(b.done_on for b in self.bars if b.done_on),
        ]
        return max(dates)

    @property
    def overdue(self) -> int:
        return sum(1 for bar in self.bars if bar.state is BarState.OVERDUE)

    @property
    def done(self) -> int:
        return sum(1 for bar in self.bars if bar.state in (BarState.DONE, BarState.DONE_LATE))


def _state(status: str, due: date, done_on: date | None, today: date) -> BarState:
    if status == MilestoneStatus.WAIVED:
        return BarState.WAIVED
    if status == MilestoneStatus.COMPLETE:
        return BarState.DONE_LATE if done_on is not None and done_on > due else BarState.DONE
    return BarState.OVERDUE if due < today else BarState.OPEN


def timeline_chart(onboarding: Onboarding, today: date) -> TimelineChart:
    """The plan of one onboarding, milestone by milestone, in plan order."""
    phases = {phase.key: phase.name for phase in onboarding.phases}
    bars: list[TimelineBar] = []
    previous = onboarding.start_date
    for milestone in onboarding.milestones:
        done_on = milestone.completed_on if milestone.status == MilestoneStatus.COMPLETE else None
        bars.append(
            TimelineBar(
                name=milestone.name,
                phase=phases.get(milestone.phase_key, milestone.phase_key),
                planned_start=min(previous, milestone.due_date),
                due=milestone.due_date,
                done_on=done_on,
                state=_state(milestone.status, milestone.due_date, done_on, today),
                first_value=milestone.is_first_value,
                go_live=milestone.is_go_live,
            )
        )
        previous = max(previous, milestone.due_date)
    return TimelineChart(onboarding.company_name, onboarding.start_date, today, tuple(bars))


def load_timeline(session: Session, onboarding_id: int, today: date) -> TimelineChart:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones, Onboarding.phases)
    return timeline_chart(onboarding, today)


# ---- the metrics chart -----------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentTtfv:
    """Median time to first value of one segment, its target and how many it rests on."""

    segment: str
    median_days: float | None
    target_days: int | None
    n: int


@dataclass(frozen=True)
class FunnelBar:
    stage: str
    reached: int
    conversion: float | None  # from the stage before; None for the first


@dataclass(frozen=True)
class MetricsChartData:
    title: str
    ttfv: tuple[SegmentTtfv, ...]
    funnel: tuple[FunnelBar, ...]


def metrics_chart_data(book: BookMetrics, title: str = "Onboarding metrics") -> MetricsChartData:
    """The chart's input from `book_metrics(...)`: TTFV by segment and the whole book's funnel."""
    ttfv = tuple(
        SegmentTtfv(segment, days.median, days.target_days, days.n)
        for segment, days in sorted(book.ttfv_by_segment.items())
    )
    funnel = tuple(
        FunnelBar(
            stage.name,
            stage.reached,
            None if stage.conversion is None else stage.conversion.value,
        )
        for stage in book.total.funnel
    )
    return MetricsChartData(title, ttfv, funnel)
