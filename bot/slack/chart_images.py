"""Charts as PNG bytes, drawn server-side with matplotlib (Agg, no display).

Pure functions of the data in bot/services/chart_data.py -> PNG bytes, sized for Slack's preview
(1200 x 675 pixels; a timeline of many milestones grows taller) with large type. matplotlib is
imported on first use, so the app starts as fast without it. Text is never parsed as math: a
company called "$ave" is drawn as written.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.services.chart_data import BarState, MetricsChartData, TimelineChart
from bot.services.usage_adoption import UsageChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 6.75, 100  # 1200 x 675 px
ROW_IN = 0.32  # height per milestone row once the plan no longer fits the standard height
LABEL_MAX = 32
LEFT_IN = 3.6  # room for a label of LABEL_MAX characters at 13 pt

GREEN, RED, GREY, BLUE, AMBER = "#2e7d32", "#c62828", "#9e9e9e", "#1565c0", "#ef6c00"
PLANNED = "#cfd8dc"

STYLE = {
    "font.size": 14,
    "axes.titlesize": 20,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "text.parse_math": False,
    "svg.fonttype": "none",
}

# pyplot is not thread-safe; the object API on its own Figure is, but the font cache and
# rcParams are shared: one drawing at a time per process.
_LOCK = threading.Lock()


@contextmanager
def _figure(height_in: float = HEIGHT_IN, *, constrained: bool = True) -> Iterator[Figure]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    layout = "constrained" if constrained else None
    with _LOCK, matplotlib.rc_context(STYLE):
        yield Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout=layout)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- the timeline ----------------------------------------------------------------------------


def render_timeline_png(chart: TimelineChart) -> bytes:
    """A Gantt-style picture of the plan: per milestone its planned window (grey bar) ending at
    the due date (◇), the actual completion (● green; a late one joined to its due date in
    amber), an overdue one in red up to today with how late it is, and today as a vertical
    line. Each kind of mark is drawn in one call, so 60 milestones cost what 6 do."""
    import matplotlib.dates as mdates

    rows = max(len(chart.bars), 1)
    height = max(HEIGHT_IN, ROW_IN * rows + 2.2)
    # Fixed margins in inches (labels are cut to LABEL_MAX characters): a constrained layout
    # measures every label several times, which is most of the cost of a long plan.
    with _figure(height, constrained=False) as figure:
        figure.subplots_adjust(
            left=LEFT_IN / WIDTH_IN,
            right=1 - 0.9 / WIDTH_IN,
            top=1 - 0.75 / height,
            bottom=1.35 / height,
        )
        ax = figure.add_subplot()
        _draw_bars(ax, chart)
        ax.axvline(chart.today, color=BLUE, linestyle="--", linewidth=2, zorder=1)
        ax.annotate(
            "today",
            xy=(chart.today, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            color=BLUE,
            fontsize=12,
        )
        ax.set_yticks(range(len(chart.bars)), [_short(b.name) for b in chart.bars])
        ax.set_ylim(rows - 0.5, -0.5)  # the first milestone on top
        ax.set_xlim(chart.first_day - timedelta(days=2), chart.last_day + timedelta(days=4))
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", color="#eeeeee", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(_short(f"{chart.company_name}: onboarding plan", 70), loc="left")
        figure.legend(
            handles=_legend_handles(),
            loc="lower left",
            ncols=5,
            frameon=False,
            bbox_to_anchor=(LEFT_IN / WIDTH_IN - 0.01, 0.08 / height),
        )
        return _png(figure)


def _draw_bars(ax: Any, chart: TimelineChart) -> None:
    bars, today = chart.bars, chart.today
    if not bars:
        return
    ys = range(len(bars))
    ax.barh(
        ys,
        [max((b.due - b.planned_start).days, 0.6) for b in bars],
        left=[b.planned_start for b in bars],
        height=0.5,
        color=PLANNED,
        zorder=2,
    )
    overdue = [(y, b) for y, b in zip(ys, bars, strict=True) if b.state is BarState.OVERDUE]
    done = [(y, b) for y, b in zip(ys, bars, strict=True) if b.done_on is not None]
    late = [(y, b) for y, b in done if b.state is BarState.DONE_LATE]
    open_ = [(y, b) for y, b in zip(ys, bars, strict=True) if b.state is BarState.OPEN]
    waived = [(y, b) for y, b in zip(ys, bars, strict=True) if b.state is BarState.WAIVED]
    if overdue:
        ax.barh(
            [y for y, _ in overdue],
            [(today - b.due).days for _, b in overdue],
            left=[b.due for _, b in overdue],
            height=0.5,
            color=RED,
            alpha=0.85,
            zorder=3,
        )
        _marks(ax, overdue, color=RED)
        for y, b in overdue:
            ax.text(
                today, y, f"  {(today - b.due).days} d late", va="center", color=RED, fontsize=12
            )
    if late:
        ax.hlines(
            [y for y, _ in late],
            [b.due for _, b in late],
            [b.done_on for _, b in late],
            colors=AMBER,
            linewidth=3,
            zorder=3,
        )
    _marks(ax, done + open_, facecolor="white", edgecolor="#546e7a")
    _marks(ax, waived, color=GREY)
    if done:
        ax.scatter(
            [b.done_on for _, b in done],
            [y for y, _ in done],
            marker="o",
            s=120,
            color=GREEN,
            zorder=5,
        )


def _marks(
    ax: Any,
    rows: list[tuple[int, Any]],
    *,
    color: str | None = None,
    facecolor: str | None = None,
    edgecolor: str | None = None,
) -> None:
    """Due-date diamonds for `rows`."""
    if not rows:
        return
    ax.scatter(
        [b.due for _, b in rows],
        [y for y, _ in rows],
        marker="D",
        s=90,
        c=color or facecolor,
        edgecolors=color or edgecolor,
        linewidths=2,
        zorder=4,
    )


def _legend_handles() -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Patch(color=PLANNED, label="planned"),
        Line2D(
            [],
            [],
            marker="D",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#546e7a",
            markersize=9,
            label="due",
        ),
        Line2D([], [], marker="o", linestyle="", color=GREEN, markersize=9, label="done"),
        Line2D([], [], color=AMBER, linewidth=3, label="done late"),
        Patch(color=RED, label="overdue"),
    ]


# ---- the metrics chart -----------------------------------------------------------------------


def render_metrics_chart(data: MetricsChartData) -> bytes:
    """Two panels: median time to first value by segment (bars, the target as a red tick,
    n under each) and the stage funnel (how many reached each stage, conversion from the one
    before)."""
    with _figure() as figure:
        left, right = figure.subplots(1, 2, width_ratios=(1, 1.25))
        _ttfv_panel(left, data)
        _funnel_panel(right, data)
        figure.suptitle(_short(data.title, 70), fontsize=20, x=0.01, ha="left")
        return _png(figure)


def _ttfv_panel(ax: Any, data: MetricsChartData) -> None:
    ax.set_title("Time to first value (median days)", loc="left", fontsize=15)
    ax.spines[["top", "right"]].set_visible(False)
    if not data.ttfv:
        ax.text(
            0.5,
            0.5,
            "No onboarding reached first value yet",
            ha="center",
            transform=ax.transAxes,
            color=GREY,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    xs = list(range(len(data.ttfv)))
    medians = [s.median_days or 0 for s in data.ttfv]
    colors = [
        RED
        if s.target_days is not None and s.median_days is not None and s.median_days > s.target_days
        else GREEN
        for s in data.ttfv
    ]
    ax.bar(xs, medians, color=colors, width=0.6, zorder=2)
    for x, segment in zip(xs, data.ttfv, strict=True):
        if segment.target_days is not None:
            ax.hlines(
                segment.target_days,
                x - 0.4,
                x + 0.4,
                colors=RED,
                linestyles="--",
                linewidth=2.5,
                zorder=3,
            )
        label = "—" if segment.median_days is None else f"{segment.median_days:g}"
        ax.annotate(
            label,
            xy=(x, segment.median_days or 0),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=13,
        )
    ax.set_xticks(xs, [f"{_short(s.segment.replace('_', ' '), 14)}\nn={s.n}" for s in data.ttfv])
    targets = [s.target_days for s in data.ttfv if s.target_days is not None]
    ax.set_ylim(0, max([*medians, *targets, 1]) * 1.3)
    ax.plot([], [], color=RED, linestyle="--", linewidth=2.5, label="target")
    ax.legend(loc="upper right", frameon=False)
    ax.grid(axis="y", color="#eeeeee", zorder=0)
    ax.set_ylabel("days")


def _funnel_panel(ax: Any, data: MetricsChartData) -> None:
    ax.set_title("Funnel by stage", loc="left", fontsize=15)
    ax.spines[["top", "right"]].set_visible(False)
    if not data.funnel:
        ax.set_xticks([])
        ax.set_yticks([])
        return
    ys = list(range(len(data.funnel)))
    reached = [stage.reached for stage in data.funnel]
    ax.barh(ys, reached, color=BLUE, height=0.6, zorder=2)
    top = max(reached) or 1
    for y, stage in zip(ys, data.funnel, strict=True):
        share = "" if stage.conversion is None else f"  ({stage.conversion:.0%})"
        ax.annotate(
            f"{stage.reached}{share}",
            xy=(stage.reached, y),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=13,
        )
    ax.set_yticks(ys, [_short(stage.stage, 16) for stage in data.funnel])
    ax.set_ylim(len(ys) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel("onboardings (conversion from the stage before)")
    ax.grid(axis="x", color="#eeeeee", zorder=0)


# ---- weekly active users ---------------------------------------------------------------------


def render_usage_png(chart: UsageChart) -> bytes:
    """Weekly active users (the highest daily count of each week) as bars, the licensed users
    as a line above them; a week without a record is a gap, not a zero."""
    with _figure() as figure:
        ax = figure.add_subplot()
        starts = [w.starts for w in chart.weeks]
        ax.bar(starts, [w.active_users for w in chart.weeks], width=5, color=BLUE, zorder=2)
        ax.step(
            starts,
            [w.licensed_users for w in chart.weeks],
            where="mid",
            color=GREY,
            linestyle="--",
            linewidth=2,
            label="licensed users",
            zorder=3,
        )
        ax.set_ylim(0, max([1, *(w.licensed_users for w in chart.weeks)]) * 1.1)
        ax.set_xticks(starts, [f"{d:%b} {d.day}" for d in starts])
        ax.set_ylabel("weekly active users")
        ax.grid(axis="y", color="#eeeeee", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(_short(f"{chart.company_name}: weekly active users", 70), loc="left")
        ax.legend(loc="upper left", frameon=False)
        return _png(figure)
