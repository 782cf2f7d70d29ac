"""Words around the charts: the file's name, its comment and the asker's confirmation.

Pure functions; company names are escaped (a name is data, never markup)."""

from __future__ import annotations

from bot.services.chart_data import TimelineChart
from bot.slack.client import channel_slug
from bot.slack.mrkdwn import Mrkdwn, escape


def timeline_filename(chart: TimelineChart) -> str:
    return f"timeline-{channel_slug(chart.company_name)[:60] or 'customer'}-{chart.today}.png"


def timeline_comment(chart: TimelineChart) -> str:
    overdue = f", {chart.overdue} overdue" if chart.overdue else ""
    return escape(
        f"{chart.company_name}: onboarding plan as of {chart.today:%b} {chart.today.day}. "
        f"{chart.done} of {len(chart.bars)} milestones done{overdue}."
    )


def timeline_sent_text(chart: TimelineChart, *, dm: bool, shared: bool) -> Mrkdwn:
    company = escape(chart.company_name)
    if not dm:
        return Mrkdwn(f"Here is the plan of *{company}* as a timeline.")
    why = (
        "This channel is shared with another organisation, so"
        if shared
        else "I can't post files in this channel, so"
    )
    return Mrkdwn(f"{why} I sent you the timeline of *{company}* by direct message.")
