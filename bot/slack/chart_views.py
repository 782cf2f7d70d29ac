"""Words around the charts: the file's name, its comment and the asker's confirmation.

Pure functions; company names are escaped (a name is data, never markup)."""

from __future__ import annotations

from bot.services.chart_data import TimelineChart
from bot.services.usage_adoption import UsageChart
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


def usage_filename(chart: UsageChart) -> str:
    return f"usage-{channel_slug(chart.company_name)[:60] or 'customer'}-{chart.today}.png"


def usage_comment(chart: UsageChart) -> str:
    if not chart.weeks:
        return escape(f"{chart.company_name}: no usage records in the last 12 weeks.")
    last = chart.weeks[-1]
    return escape(
        f"{chart.company_name}: weekly active users, {len(chart.weeks)} weeks to the week of "
        f"{last.starts:%b} {last.starts.day} ({last.active_users} of {last.licensed_users} "
        "licensed). Internal: usage figures."
    )


def usage_sent_text(chart: UsageChart, *, dm: bool, shared: bool) -> Mrkdwn:
    company = escape(chart.company_name)
    if not dm:
        return Mrkdwn(f"Here are the weekly active users of *{company}*.")
    why = (
        "Usage is internal and this channel is shared with another organisation, so"
        if shared
        else "I can't post files in this channel, so"
    )
    return Mrkdwn(f"{why} I sent you the usage chart of *{company}* by direct message.")
