"""Celebration messages: pure builders from a `Celebration` (no database, no Slack).

Only names, dates and durations: safe in a channel shared with the customer.
"""

from __future__ import annotations

from bot.services.celebrations import CELEBRATION_KIND, Celebration
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, day, render
from bot.slack.rendering import Rendered, renderer


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def against_plan(days_vs_plan: int) -> str:
    """How the completion compares with the planned due date, in words."""
    if days_vs_plan < 0:
        return f"{_days(-days_vs_plan)} ahead of plan"
    if days_vs_plan > 0:
        return f"{_days(days_vs_plan)} after the planned date"
    return "right on the planned date"


def against_target(days: int, target: int) -> str:
    if days < target:
        return f"{_days(target - days)} faster than the {target}-day target"
    if days > target:
        return f"{_days(days - target)} past the {target}-day target"
    return f"right on the {target}-day target"


def _timing(c: Celebration) -> Mrkdwn:
    return Mrkdwn(
        f"Done {day(c.completed_on)}, day {c.days_since_start + 1} of the onboarding: "
        f"{against_plan(c.days_vs_plan)} (planned for {day(c.due_date)})."
    )


def build_celebration_blocks(c: Celebration) -> list[bk.Block]:
    if c.first_value:
        return _first_value_blocks(c)
    return [
        bk.section(render("celebration", c=c, icon=Mrkdwn(":tada:"))),
        bk.context(_timing(c)),
    ]


def _first_value_blocks(c: Celebration) -> list[bk.Block]:
    facts = [Mrkdwn(f"*Time to first value*\n{_days(c.days_since_start)}")]
    if c.target_first_value_days is not None:
        facts.append(
            Mrkdwn(
                f"*Against target*\n{against_target(c.days_since_start, c.target_first_value_days)}"
            )
        )
    facts += [
        Mrkdwn(f"*Reached*\n{day(c.completed_on)}"),
        Mrkdwn(f"*Planned for*\n{day(c.due_date)} ({against_plan(c.days_vs_plan)})"),
    ]
    return [
        bk.header("First value reached!"),
        bk.section(render("celebration_first_value", c=c)),
        bk.fields(facts),
        bk.context("First value: the moment the results you bought us for start to show."),
    ]


def celebration_text(c: Celebration) -> str:
    if c.first_value:
        return bk.fallback_text(
            f"{c.company_name} reached first value in {_days(c.days_since_start)}"
        )
    return bk.fallback_text(f"{c.milestone_name} is done for {c.company_name}")


def build_celebration(c: Celebration) -> Rendered:
    return Rendered(celebration_text(c), build_celebration_blocks(c))


RENDERERS = {CELEBRATION_KIND: renderer(Celebration, build_celebration)}
