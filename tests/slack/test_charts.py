"""Charts: the plan's timeline data, PNG bytes readable at Slack's preview size (one render per
test, small figures), and `/onboard timeline` uploaded with files upload v2 where it belongs:
the internal channel it was asked in, or the asker's DM from a channel shared externally."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from bot.services.chart_data import (
    BarState,
    FunnelBar,
    MetricsChartData,
    SegmentTtfv,
    TimelineBar,
    TimelineChart,
    load_timeline,
    metrics_chart_data,
)
from bot.services.milestones import complete_named_milestone
from bot.slack.chart_images import render_metrics_chart, render_timeline_png
from tests.factories import CSM
from tests.jobs.test_plan import acme

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = date(2026, 11, 2)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_timeline_data_planned_against_actual(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    # Handoff due Tue Nov 3, done Wed Nov 4 (late); kickoff due Thu Nov 5, done on time.
    late = datetime(2026, 11, 4, 12, tzinfo=UTC)
    complete_named_milestone(session, onboarding.id, "handoff", CSM, admins=(), now=late)
    complete_named_milestone(session, onboarding.id, "kickoff", CSM, admins=(), now=late)
    chart = load_timeline(session, onboarding.id, date(2026, 11, 20))
    assert chart.company_name == "Acme Manufacturing" and chart.start == START
    handoff, kickoff, setup, first_value, *rest = chart.bars
    assert (handoff.state, handoff.done_on) == (BarState.DONE_LATE, date(2026, 11, 4))
    assert (kickoff.state, kickoff.planned_start) == (BarState.DONE, handoff.due)
    assert setup.state is BarState.OVERDUE and first_value.first_value
    assert all(bar.state is BarState.OPEN for bar in rest) and rest[-1].name.startswith(
        "Transition"
    )
    assert (chart.done, chart.overdue) == (2, 2)


def test_timeline_png_at_preview_size(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    chart = load_timeline(session, acme(session, playbooks).id, date(2026, 11, 20))
    data = render_timeline_png(replace(chart, company_name="$ave & <Co>"))
    assert png_size(data) == (1200, 675)
    assert 5_000 < len(data) < 500_000


def test_sixty_milestones_render_taller() -> None:
    bars = tuple(
        TimelineBar(
            f"Milestone {i}",
            "p",
            START + timedelta(days=i),
            START + timedelta(days=i + 1),
            None,
            BarState.OVERDUE if i < 20 else BarState.OPEN,
        )
        for i in range(60)
    )
    data = render_timeline_png(TimelineChart("Big Co", START, START + timedelta(days=21), bars))
    width, height = png_size(data)
    assert width == 1200 and height > 1200  # every row legible, not squeezed into 675 px


def test_metrics_chart_png() -> None:
    book = SimpleNamespace(
        ttfv_by_segment={
            "smb": SimpleNamespace(median=5.5, target_days=7, n=4),
            "mid_market": SimpleNamespace(median=17.0, target_days=14, n=9),
            "enterprise": SimpleNamespace(median=None, target_days=30, n=0),
        },
        total=SimpleNamespace(
            funnel=[
                SimpleNamespace(name="signed", reached=20, conversion=None),
                SimpleNamespace(
                    name="kicked off", reached=18, conversion=SimpleNamespace(value=0.9)
                ),
            ]
        ),
    )
    data = metrics_chart_data(book)  # type: ignore[arg-type]
    assert data.ttfv[0] == SegmentTtfv("enterprise", None, 30, 0)
    assert data.funnel == (FunnelBar("signed", 20, None), FunnelBar("kicked off", 18, 0.9))
    assert png_size(render_metrics_chart(data)) == (1200, 675)
    empty = MetricsChartData("Nothing yet", (), ())
    assert render_metrics_chart(empty)[:8] == PNG_SIGNATURE


def _uploaded(fake_slack) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    [entry] = complete.params["files"]
    record = fake_slack.files[entry["id"]]
    return complete.params, record["content"]


def test_timeline_uploaded_to_the_internal_channel(slack, fake_slack, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme(session, playbooks)
    slack.command("timeline acme mfg", channel_id="C0GENERAL")
    params, content = _uploaded(fake_slack)
    assert params["channel_id"] == "C0GENERAL"
    assert content[:8] == PNG_SIGNATURE
    assert "Acme Manufacturing: onboarding plan" in params["initial_comment"]
    fake_slack.wait_for_response(lambda r: "as a timeline" in str(r))


def test_timeline_from_a_shared_channel_goes_to_the_asker_by_dm(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks
) -> None:
    fake_slack.add_channel("C0ACME", "acme-onboarding", is_ext_shared=True)
    acme(session, playbooks, company_name="Acme & <Sons>")
    slack.command("timeline acme", channel_id="C0ACME", user_id="UOTHER")
    params, content = _uploaded(fake_slack)
    [opened] = fake_slack.calls_to("conversations.open")
    assert params["channel_id"] == opened.response["channel"]["id"] != "C0ACME"
    assert "Acme &amp; &lt;Sons&gt;" in params["initial_comment"]  # escaped
    assert content[:8] == PNG_SIGNATURE
    fake_slack.wait_for_response(lambda r: "shared with another organisation" in str(r))
