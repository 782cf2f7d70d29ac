"""The product's side of the demo: each Monday it sends the past week's usage (`POST /usage`
does the same through the same service). Acme ramps up after its technical setup and dips in
the second week of hypercare; Bluebird plateaus below its adoption target; Northwind fades
to nothing; Pico never starts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.calendar import add_business_days
from bot.entry.demo.cast import ACME, BLUEBIRD, NORTHWIND
from bot.entry.demo.story import Beat
from bot.entry.demo.team import Team
from bot.models import Onboarding
from bot.services.usage import record_batch
from bot.services.usage_adoption import load_usage_chart
from bot.slack.chart_views import usage_comment, usage_filename

LICENSED = {ACME: 40, BLUEBIRD: 25, NORTHWIND: 60}
FEATURES = ("dashboards", "alerts", "work_orders", "reports")


def active_users(company: str, day: int) -> int | None:
    """The curve of each customer: active users on calendar day `day` of the story (None: the
    product has no workspace for it yet)."""
    if company == ACME:  # technical setup on business day 9 (day 11); live on day 58
        if day < 12:
            return None
        dip = 63 <= day < 76  # hypercare: a sync problem keeps people away for two weeks
        return 18 if dip else min(36, 3 + (day - 12))
    if company == BLUEBIRD:  # quick start, then stuck at about half its seats
        return min(12, max(0, day - 4))
    if company == NORTHWIND:  # a pilot group, then nobody
        return 0 if day < 8 or day > 45 else 18 if day < 32 else 9
    return 0


def features_used(company: str, day: int) -> dict[str, int]:
    """Acme uses all four core features once live; the others two of them."""
    active = active_users(company, day) or 0
    used = FEATURES if company == ACME and day >= 58 else FEATURES[:2]
    return {name: active * (i + 1) for i, name in enumerate(used)} if active else {}


def send_week(team: Team) -> str:
    """The product's Monday batch: the 7 days before today, for every customer it serves."""
    today = team.now.date()
    records = []
    with team.deps.db.session() as session:
        rows = session.execute(select(Onboarding.company_name, Onboarding.start_date))
        starts = {name: start for name, start in rows}
    for company, licensed in LICENSED.items():
        for back in range(7, 0, -1):
            day = today - timedelta(days=back)
            number = (day - starts[company]).days
            if active_users(company, number) is None:
                continue
            records.append(
                {
                    "customer": company,
                    "date": day.isoformat(),
                    "active_users": active_users(company, number),
                    "licensed_users": licensed,
                    "features": features_used(company, number),
                }
            )
    with team.deps.db.transaction() as session:
        accepted = record_batch(session, records, today)
    return f'{{"ok": true, "accepted": {accepted}}}'


def usage_beats(start: date, days: int) -> list[Beat]:
    """A batch each Monday of the story after its first week (business days from the start)."""
    beats = []
    for business_day in range(days):
        day = add_business_days(start, business_day)
        if (day - start).days > days:
            break
        if day.weekday() == 0 and (day - start).days > 7:
            beats.append(Beat(business_day, "the product: POST /usage (last week)", send_week))
    return beats


def show_usage_chart(team: Team) -> str:
    """The status card's *Usage chart* button on Acme: the picture Onboard uploads, saved next
    to the demo's database (the terminal cannot show it)."""
    from bot.slack.chart_images import render_usage_png

    with team.deps.db.session() as session:
        chart = load_usage_chart(session, team.ids[ACME], team.now.date())
    database = Path(team.deps.settings.database_url.removeprefix("sqlite:///"))
    target = database.with_name(usage_filename(chart))
    target.write_bytes(render_usage_png(chart))
    weeks = ", ".join(str(w.active_users) for w in chart.weeks)
    return f"{usage_comment(chart)}\nWeekly active users: {weeks}. The chart is in {target}."


def chart_beat() -> Beat:
    """Casey opens Acme's usage chart in hypercare, after the dip (business day 56)."""
    return Beat(56, "casey.csm clicks Usage chart on Acme's status card", show_usage_chart)
