"""The figures the book's metrics are made of: rates against targets, distributions of day
counts (exact medians from histograms), the stage funnel and NPS. Plain data, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

COMPLETION_TARGET = 0.85
ON_TIME_COMPLETION_TARGET = 0.80
MILESTONE_ON_TIME_TARGET = 0.90

FUNNEL = ("signed", "kicked off", "configuring", "training", "piloting", "live", "adopted")
HEALTH_ORDER = ("healthy", "monitor", "at_risk", "critical", "emergency", "unknown")
UNKNOWN_HEALTH = "unknown"
# Seed 004: the customer hears from CS within 48 hours of the handoff.
FIRST_CONTACT_WITHIN = timedelta(hours=48)


@dataclass(frozen=True)
class AdoptionAt:
    """The mean share of licensed users active on one day of the onboardings, and how many."""

    onboardings: int = 0
    share: float | None = None


@dataclass(frozen=True)
class Rate:
    """`count` of `n`, against a target share; `onboardings` is how many it rests on."""

    count: int
    n: int
    target: float | None = None
    onboardings: int | None = None

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def rests_on(self) -> int:
        return self.n if self.onboardings is None else self.onboardings

    @property
    def meets_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


Histogram = dict[int, int]  # days -> how many onboardings


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile of the values a histogram counts, linearly interpolated (percentile_cont)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    items = sorted(histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for value, count in items:
            seen += count
            if seen > index:
                return value
        return items[-1][0]

    rank = (n - 1) * q
    below = int(rank)
    low, high = nth(below), nth(min(below + 1, n - 1))
    return low + (high - low) * (rank - below)


@dataclass(frozen=True)
class Days:
    """A distribution of day counts (TTFV, time to go-live)."""

    histogram: Histogram
    within_target: int | None = None
    target_days: int | None = None  # when every onboarding of the slice has the same target

    @property
    def n(self) -> int:
        return sum(self.histogram.values())

    @property
    def median(self) -> float | None:
        return quantile(self.histogram, 0.5)

    @property
    def p75(self) -> float | None:
        return quantile(self.histogram, 0.75)

    @property
    def within(self) -> Rate | None:
        return None if self.within_target is None else Rate(self.within_target, self.n)


@dataclass(frozen=True)
class FunnelStage:
    name: str
    reached: int
    conversion: Rate | None  # from the stage before; None for "signed"


@dataclass(frozen=True)
class Nps:
    responses: int
    promoters: int
    detractors: int
    onboardings: int
    target: int | None = None  # the playbooks' `target_nps`, when the slice's agree

    @property
    def meets_target(self) -> bool | None:
        if self.score is None or self.target is None:
            return None
        return self.score >= self.target

    @property
    def score(self) -> float | None:
        if not self.responses:
            return None
        return 100 * (self.promoters - self.detractors) / self.responses


@dataclass(frozen=True)
class Mean:
    """The mean of `n` survey scores that add up to `total`."""

    total: int = 0
    n: int = 0

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass(frozen=True)
class Replans:
    """How often the plans of `onboardings` were replanned (`/onboard replan`)."""

    replans: int
    replanned: int  # onboardings replanned at least once
    onboardings: int

    @property
    def per_onboarding(self) -> float | None:
        return self.replans / self.onboardings if self.onboardings else None


@dataclass(frozen=True)
class Hours:
    """A distribution of durations, counted in whole minutes, shown in hours."""

    minutes: Histogram = field(default_factory=dict)

    @property
    def n(self) -> int:
        return sum(self.minutes.values())

    @property
    def median(self) -> float | None:
        value = quantile(self.minutes, 0.5)
        return None if value is None else value / 60

    def within(self, span: timedelta) -> Rate:
        limit = span.total_seconds() / 60
        return Rate(sum(c for m, c in self.minutes.items() if m <= limit), self.n)


@dataclass(frozen=True)
class Timing:
    """One slice's resolution times by severity (P1..P4, those with a resolved issue), how many
    of the P1/P2 resolutions were within their SLA, and the time to first CS contact."""

    resolution: Mapping[str, Hours] = field(default_factory=dict)
    resolution_within_sla: Mapping[str, Rate] = field(default_factory=dict)
    first_contact: Hours = field(default_factory=Hours)

    @property
    def first_contact_within(self) -> Rate:
        return self.first_contact.within(FIRST_CONTACT_WITHIN)


@dataclass(frozen=True)
class SliceMetrics:
    key: str  # "" for the whole book; the segment, CSM user id or "YYYY-MM"
    onboardings: int
    ttfv: Days
    completion: Rate
    on_time_completion: Rate  # against the current plan
    milestone_on_time: Rate
    go_live: Days
    funnel: list[FunnelStage]
    health: dict[str, int]
    nps: Nps
    # Against the baseline, the first plan's dates (a plan never replanned is its own baseline).
    on_time_completion_baseline: Rate
    milestone_on_time_baseline: Rate
    replans: Replans
    satisfaction: Mean = field(default_factory=Mean)  # survey, 1-10
    effort: Mean = field(default_factory=Mean)  # survey, 1-5, lower is better
    prepared: Mean = field(default_factory=Mean)  # share of yes: prepared for ongoing success
    references: Mean = field(default_factory=Mean)  # share of yes: willing to be a reference
    # Hypercare resolution times and time to first CS contact (bot/services/metrics_timing.py).
    timing: Timing = field(default_factory=Timing)
    # Day (14, 30, 60, 90 after the start) -> the share of licensed users active that day.
    adoption: Mapping[int, AdoptionAt] = field(default_factory=dict)

    @property
    def health_n(self) -> int:
        return sum(self.health.values())
