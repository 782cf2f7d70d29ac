"""The metrics card (`/onboard metrics`), its modal (App Home) and App Home's "Book health".

Internal figures (health, NPS): these go only to an ephemeral reply, a modal or App Home.
Every figure carries the number of onboardings it rests on.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.services.metrics import (
    BadFilter,
    BookFilter,
    BookMetrics,
    Days,
    FunnelStage,
    Mean,
    Nps,
    Rate,
    Replans,
    SliceBy,
    SliceMetrics,
    cohort_bounds,
)
from bot.services.metrics_adoption import ADOPTION_DAYS
from bot.services.metrics_figures import AdoptionAt, Timing
from bot.slack import blocks as bk
from bot.slack.ids import MetricsId
from bot.slack.mrkdwn import Mrkdwn, count, day, escape, mention, truncate

# Besides the slices the card takes at most 10 blocks; the slices get the rest of 50, one each.
SLICES_MAX = 40
USAGE = Mrkdwn(
    "Usage: `/onboard metrics [segment|csm|cohort] [value] [chart]`, e.g. "
    "`/onboard metrics segment`, `/onboard metrics cohort 2026-03`, `/onboard metrics csm me`, "
    "`/onboard metrics chart` (adds a chart of time to first value and the funnel, by DM)"
)
HEALTH_LABELS = {
    "healthy": ":large_green_circle: healthy",
    "monitor": ":large_yellow_circle: monitor",
    "at_risk": ":large_orange_circle: at risk",
    "critical": ":red_circle: critical",
    "emergency": ":sos: emergency",
    "unknown": ":white_circle: unknown",
}
_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


@dataclass(frozen=True)
class MetricsRequest:
    slice_by: SliceBy | None
    book_filter: BookFilter
    chart: bool = False


def parse_metrics_args(args: str, user_id: str) -> MetricsRequest | Mrkdwn:
    """`[segment|csm|cohort] [value]`: a dimension slices the book; with a value, the card is
    that part of the book only. Returns the usage text when the words make no sense."""
    words = args.split()
    if words and words[-1].lower() == "chart":
        parsed = parse_metrics_args(" ".join(words[:-1]), user_id)
        return (
            dataclasses.replace(parsed, chart=True)
            if isinstance(parsed, MetricsRequest)
            else parsed
        )
    if not words:
        return MetricsRequest(None, BookFilter())
    try:
        slice_by = SliceBy(words[0].lower())
    except ValueError:
        return USAGE
    value = " ".join(words[1:])
    if not value:
        return MetricsRequest(slice_by, BookFilter())
    if slice_by is SliceBy.SEGMENT:
        return MetricsRequest(None, BookFilter(segment=value))
    if slice_by is SliceBy.COHORT:
        try:
            cohort_bounds(value)
        except BadFilter as exc:
            return Mrkdwn(f"{escape(str(exc))}\n{USAGE}")
        return MetricsRequest(None, BookFilter(cohort=value))
    if value.lower() in ("me", "mine"):
        return MetricsRequest(None, BookFilter(csm_user_id=user_id))
    match = _USER_REF.match(value)
    if not match:
        return Mrkdwn(f"Name the CSM as a mention or `me`.\n{USAGE}")
    return MetricsRequest(None, BookFilter(csm_user_id=match[1] or match[2]))


# ---- formatting ---------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} d" if value == int(value) else f"{value:.1f} d"


def _mark(figure: Rate | Nps) -> str:
    return {True: " :white_check_mark:", False: " :warning:", None: ""}[figure.meets_target]


def rate_text(rate: Rate, of: str) -> str:
    target = f" · target {_pct(rate.target)}" if rate.target is not None else ""
    return f"{_pct(rate.value)} ({rate.count} of {rate.n} {of}){target}{_mark(rate)}"


def baseline_text(current: Rate, baseline: Rate, of: str) -> str:
    """On time against the current plan, then against the baseline (the first plan)."""
    return (
        f"plan {rate_text(current, of)}\nbaseline {_pct(baseline.value)} "
        f"({baseline.count} of {baseline.n}){_mark(baseline)}"
    )


def replans_text(replans: Replans) -> str:
    if not replans.onboardings:
        return "— (n = 0)"
    return (
        f"{replans.per_onboarding:.1f} per onboarding ({count(replans.replans, 'replan')}; "
        f"{replans.replanned} of {count(replans.onboardings, 'onboarding')} replanned)"
    )


def adoption_text(adoption: Mapping[int, AdoptionAt]) -> str:
    """`day 14 45% (n=3) · day 30 62% (n=2) · day 60 — · day 90 —`."""
    if not adoption:
        return "no usage data"
    parts = []
    for n in ADOPTION_DAYS:
        at = adoption.get(n)
        parts.append(f"day {n} {_pct(at.share)} (n={at.onboardings})" if at else f"day {n} —")
    return " · ".join(parts)


def ttfv_text(ttfv: Days) -> str:
    if not ttfv.n:
        return "— (no onboarding has reached first value)"
    target = f" · target {ttfv.target_days} d" if ttfv.target_days is not None else ""
    within = f" · {ttfv.within_target} of {ttfv.n} within target" if ttfv.within else ""
    return f"median {_days(ttfv.median)} · p75 {_days(ttfv.p75)}{target}{within} (n = {ttfv.n})"


def days_text(days: Days) -> str:
    if not days.n:
        return "— (n = 0)"
    return f"median {_days(days.median)} · p75 {_days(days.p75)} (n = {days.n})"


def health_text(health: dict[str, int]) -> str:
    if not health:
        return "— (no open onboarding)"
    parts = [f"{HEALTH_LABELS.get(s, escape(s))} {n}" for s, n in health.items()]
    return " · ".join(parts) + f" (n = {sum(health.values())} open)"


def nps_text(nps: Nps) -> str:
    if nps.score is None:
        return "— (no survey answer yet)"
    target = f" · target {nps.target}" if nps.target is not None else ""
    return (
        f"{round(nps.score):+d}{target}{_mark(nps)} ({nps.promoters} promoters, "
        f"{nps.detractors} detractors of "
        f"{count(nps.responses, 'answer')}, {count(nps.onboardings, 'onboarding')})"
    )


def survey_text(m: SliceMetrics) -> str:
    """`satisfaction 7.5 / 10 (n = 4) · effort 2.3 / 5 (n = 4)`: the survey's means."""

    def mean(figure: Mean, of: int) -> str:
        value = "—" if figure.value is None else f"{figure.value:.1f} / {of}"
        return f"{value} (n = {figure.n})"

    def yes(figure: Mean) -> str:
        return f"{round(figure.total)} of {figure.n}" if figure.n else "—"

    return (
        f"satisfaction {mean(m.satisfaction, 10)} · effort {mean(m.effort, 5)}"
        f" · prepared for ongoing success {yes(m.prepared)} · willing references"
        f" {yes(m.references)}"
    )


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} h" if value == int(value) else f"{value:.1f} h"


def first_contact_text(timing: Timing) -> str:
    """`median 20 h · 3 of 4 within 48 h (75%) (n = 4)`."""
    contact = timing.first_contact
    if not contact.n:
        return "— (no first contact recorded)"
    within = timing.first_contact_within
    return (
        f"median {_hours(contact.median)} · {within.count} of {within.n} within 48 h "
        f"({_pct(within.value)}) (n = {contact.n})"
    )


def resolution_text(timing: Timing) -> str:
    """`P1 median 1.5 h, 2 of 3 within SLA (n = 3) · P3 median 10 h (n = 2)`, by severity."""
    if not timing.resolution:
        return "— (no hypercare issue resolved)"
    parts = []
    for severity, hours in timing.resolution.items():
        met = timing.resolution_within_sla.get(severity)
        sla = f", {met.count} of {met.n} within SLA" if met is not None else ""
        parts.append(f"{escape(severity)} median {_hours(hours.median)}{sla} (n = {hours.n})")
    return " · ".join(parts)


def funnel_text(stages: list[FunnelStage]) -> str:
    parts = [
        f"{stage.name} {stage.reached}"
        + (f" ({_pct(stage.conversion.value)})" if stage.conversion is not None else "")
        for stage in stages
    ]
    return " → ".join(parts)


def _label(slice_by: SliceBy | None, key: str) -> str:
    if slice_by is SliceBy.CSM:
        return mention(key)
    return f"*{escape(truncate(key, 80))}*"


def _title(metrics: BookMetrics) -> str:
    f = metrics.book_filter
    part = (
        f.segment
        or (f.cohort and f"cohort {f.cohort}")
        or (f.csm_user_id and "one CSM's book")
        or "the book"
    )
    by = f" by {metrics.slice_by.value}" if metrics.slice_by else ""
    return f"Onboarding metrics: {part}{by}"


def _book_fields(m: SliceMetrics) -> bk.Block:
    return bk.fields(
        [
            Mrkdwn(f"*Time to first value*\n{ttfv_text(m.ttfv)}"),
            Mrkdwn(f"*Completion*\n{rate_text(m.completion, 'started')}"),
            Mrkdwn(
                "*On-time completion*\n"
                + baseline_text(m.on_time_completion, m.on_time_completion_baseline, "completed")
            ),
            Mrkdwn(
                "*Milestones on time*\n"
                + baseline_text(m.milestone_on_time, m.milestone_on_time_baseline, "milestones")
                + f", {count(m.milestone_on_time.rests_on, 'onboarding')}"
            ),
            Mrkdwn(f"*Time to go-live*\n{days_text(m.go_live)}"),
            Mrkdwn(f"*Replans*\n{replans_text(m.replans)}"),
            Mrkdwn(f"*Onboarding NPS*\n{nps_text(m.nps)}"),
            Mrkdwn(f"*Health now*\n{health_text(m.health)}"),
            Mrkdwn(f"*Onboardings*\n{m.onboardings}"),
            Mrkdwn(f"*Adoption* (active / licensed users)\n{adoption_text(m.adoption)}"),
        ]
    )


def _by_segment(metrics: BookMetrics) -> list[bk.Block]:
    if not metrics.ttfv_by_segment and not metrics.go_live_by_segment:
        return []
    segments = sorted(set(metrics.ttfv_by_segment) | set(metrics.go_live_by_segment))
    none = Days({})
    lines = [
        f"*{escape(truncate(s, 80))}*: first value "
        f"{ttfv_text(metrics.ttfv_by_segment.get(s, none))} · go-live "
        f"{days_text(metrics.go_live_by_segment.get(s, none))}"
        for s in segments[:SLICES_MAX]
    ]
    return [bk.section(Mrkdwn("*By segment*\n" + "\n".join(lines)))]


def _slice_line(slice_by: SliceBy | None, m: SliceMetrics) -> Mrkdwn:
    return Mrkdwn(
        f"{_label(slice_by, m.key)} · {count(m.onboardings, 'onboarding')}\n"
        f"First value: {ttfv_text(m.ttfv)}\n"
        f"Completion {rate_text(m.completion, 'started')} · on time "
        f"{rate_text(m.on_time_completion, 'completed')}, baseline "
        f"{_pct(m.on_time_completion_baseline.value)}\n"
        f"Milestones on time {rate_text(m.milestone_on_time, 'milestones')}, baseline "
        f"{_pct(m.milestone_on_time_baseline.value)} · go-live {days_text(m.go_live)}\n"
        f"Replans: {replans_text(m.replans)}\n"
        f"Health: {health_text(m.health)} · NPS {nps_text(m.nps)}\n"
        f"Survey: {survey_text(m)}\n"
        f"First CS contact: {first_contact_text(m.timing)}\n"
        f"Hypercare resolution: {resolution_text(m.timing)}\n"
        f"Adoption: {adoption_text(m.adoption)}\n"
        f"Funnel: {funnel_text(m.funnel)}"
    )


def build_metrics_blocks(metrics: BookMetrics, *, slices_max: int = SLICES_MAX) -> list[bk.Block]:
    """The whole card: the book's figures, by segment, the funnel, then one block per slice
    (largest first, at most `slices_max`; the CSV export has them all)."""
    total = metrics.total
    blocks: list[bk.Block] = [bk.header(_title(metrics)), _book_fields(total)]
    blocks.append(
        bk.section(
            Mrkdwn(f"*Post-onboarding survey* (effort: lower is better)\n{survey_text(total)}")
        )
    )
    blocks.append(
        bk.section(
            Mrkdwn(
                "*Time to first CS contact* (from the handoff)\n"
                f"{first_contact_text(total.timing)}\n"
                "*Hypercare resolution time* (opened to resolved; SLA counted for P1 and P2, "
                f"whose clocks run around the clock)\n{resolution_text(total.timing)}"
            )
        )
    )
    blocks += _by_segment(metrics)
    blocks.append(
        bk.section(
            Mrkdwn(f"*Funnel* (conversion from the stage before)\n{funnel_text(total.funnel)}")
        )
    )
    if metrics.slice_by is not None:
        blocks += [bk.divider(), bk.header(f"By {metrics.slice_by.value}")]
        if not metrics.slices:
            blocks.append(bk.section("No onboardings here yet."))
        blocks += [
            bk.section(_slice_line(metrics.slice_by, s)) for s in metrics.slices[:slices_max]
        ]
        if len(metrics.slices) > slices_max:
            blocks.append(
                bk.context(
                    f"…and {len(metrics.slices) - slices_max} more (smaller ones). "
                    "`/onboard export` has every onboarding."
                )
            )
    blocks.append(
        bk.context(
            Mrkdwn(
                f"As of {day(metrics.today)} · n = how many onboardings (or milestones) a figure "
                "rests on · internal: health and NPS stay out of customer channels"
            )
        )
    )
    return bk.fit_message(blocks)


def build_metrics_modal(metrics: BookMetrics) -> dict[str, Any]:
    """The card in a modal, for App Home's button."""
    return {
        "type": "modal",
        "title": bk.plain("Book metrics", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": build_metrics_blocks(metrics),
    }


def build_book_health_blocks(metrics: BookMetrics) -> list[bk.Block]:
    """App Home for leaders: the headline figures and a button to the full metrics (4 blocks)."""
    m = metrics.total
    ttfv = m.ttfv
    within = (
        f"{ttfv.within_target} of {ttfv.n} within their segment's target"
        if ttfv.n
        else "no first value yet"
    )
    return [
        bk.header("Book health"),
        bk.fields(
            [
                Mrkdwn(
                    f"*Time to first value*\nmedian {_days(ttfv.median)} · {within} (n = {ttfv.n})"
                ),
                Mrkdwn(f"*Completion*\n{rate_text(m.completion, 'started')}"),
                Mrkdwn(f"*On-time completion*\n{rate_text(m.on_time_completion, 'completed')}"),
                Mrkdwn(f"*Health now*\n{health_text(m.health)}"),
            ]
        ),
        bk.actions(bk.button("Open full metrics", MetricsId.OPEN, "segment")),
        bk.divider(),
    ]
