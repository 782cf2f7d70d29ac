"""`onboard demo`: Onboard at work on the embedded SQLite default, without a Slack workspace.

Seeds the Acme Manufacturing example of the playbooks and onboardings in other segments through
the real services, then lives 90 days: each business day the team does what the story says (the
same service calls the slash commands make) and the real jobs run at 09:00 and 17:00 through the
real outbox and sender. Only the transport differs: posts are printed, not sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import add_business_days, is_business_day
from bot.config import Settings, load_settings
from bot.db import Database
from bot.entry.demo.cast import DAYS, LEADER, NAMES, SHARED_CHANNELS, demo_handoffs
from bot.entry.demo.story import Beat, story
from bot.entry.demo.summary import leaders_view, summary
from bot.entry.demo.team import Team
from bot.entry.demo.usage_feed import chart_beat, usage_beats
from bot.entry.runner import run_jobs
from bot.models import Onboarding
from bot.parsing import company_key
from bot.playbooks import PlaybookLibrary
from bot.services.handoff import create_onboarding, validate_handoff
from bot.services.onboardings import acknowledge_handoff
from bot.slack.announce import announce_handoff
from bot.slack.client import UserDirectory
from bot.slack.deps import Deps
from bot.slack.sender import OutboxSender
from bot.slack.terminal import TerminalSlack
from jobs.context import JobContext

Out = Callable[[str], object]  # where the story is printed (print, or a test's list.append)


def run_demo(
    database_url: str, out: Out = print, days: int = DAYS, start: date | None = None
) -> int:
    """The story from `start` (default today): the day the deals close."""
    settings = replace(
        load_settings(require_slack=False),
        database_url=database_url,
        admin_user_ids=frozenset({LEADER}),
    )
    db = Database(database_url)
    db.upgrade()
    library = PlaybookLibrary.load(settings.templates_dir)
    slack = TerminalSlack(dict(NAMES), out=out, shared_channels=SHARED_CHANNELS)
    deps = Deps(settings=settings, db=db, playbooks=library, users=UserDirectory(slack))
    start = start or datetime.now(UTC).date()
    out(
        f"Onboard demo on {Path(database_url.removeprefix('sqlite:///')).name}: "
        f"{days} days of what Onboard would post, when and where.\n"
    )
    team = Team(deps, ids={})
    clock = Clock(start, settings, slack)
    created = _seed(deps, slack, clock, team, out)
    if not created:
        out("The demo database already holds this story; remove it to run the story again.")
        return 0
    sender = OutboxSender(db, slack, settings, owner="demo")
    sender.client = slack  # print, don't send (the sender would build an HTTP client)
    beats = [*story(), *usage_beats(start, days), chart_beat()]
    clock.at(start, time(11))  # the handoff day's beats (no jobs ran yet: they start tomorrow)
    _act([b for b in beats if b.business_day == 0], clock, team, slack, out)
    for day in range(1, days + 1):
        today = start + timedelta(days=day)
        if not is_business_day(today):
            continue
        for_today = [
            b for b in beats if b.business_day and add_business_days(start, b.business_day) == today
        ]
        clock.at(today, time(9))
        _tick(deps, sender, clock.now)
        clock.at(today, time(11))
        _act(for_today, clock, team, slack, out)
        clock.at(today, time(17))
        _tick(deps, sender, clock.now)
    out(slack.readable(summary(deps, team.ids, start)))
    out(leaders_view(deps, slack, start + timedelta(days=days)))
    return 0


def _act(beats: list[Beat], clock: Clock, team: Team, slack: TerminalSlack, out: Out) -> None:
    for beat in beats:
        out(f"{clock.label()}  {beat.says}")
        team.now = clock.now
        said = beat.act(team)
        if said:
            out("    " + slack.readable(said).replace("\n", "\n    "))


class Clock:
    """The story's clock: what every service, job and the sender are told it is."""

    def __init__(self, start: date, settings: Settings, slack: TerminalSlack) -> None:
        self.start = start
        self.tz = settings.tz
        self.now = datetime.combine(start, time(9), tzinfo=self.tz).astimezone(UTC)
        slack.clock_label = self.label

    def at(self, day: date, moment: time) -> None:
        self.now = datetime.combine(day, moment, tzinfo=self.tz).astimezone(UTC)

    def label(self) -> str:
        local = self.now.astimezone(self.tz)
        day = (local.date() - self.start).days
        return f"[day {day:>2} {local:%a %d %b %H:%M}]"


def _seed(deps: Deps, slack: TerminalSlack, clock: Clock, team: Team, out: Out) -> list[int]:
    created: list[int] = []
    for form, ae in demo_handoffs(clock.start):
        with deps.db.transaction() as session:
            if _in_story(session, form.company_name):
                continue
            plan = validate_handoff(
                session,
                form,
                today=clock.start,
                library=deps.playbooks,
                max_future_days=365,
                min_stakeholders=deps.settings.min_stakeholders,
            )
            onboarding = create_onboarding(session, plan, actor=ae, now=clock.now, view_id=None)
        out(
            f"\n{clock.label()}  sam.ae submits the handoff for {form.company_name} "
            f"({plan.playbook.segment}, handoff score {plan.quality_score}/100)"
        )
        announce_handoff(slack, deps, onboarding.id, create_channel=form.create_internal_channel)
        team.ids[form.company_name] = onboarding.id
        created.append(onboarding.id)
    for onboarding_id in created:
        with deps.db.transaction() as session:
            acknowledge_handoff(session, onboarding_id, _csm(deps, onboarding_id), now=clock.now)
    return created


def _in_story(session: Session, company_name: str) -> bool:
    """Whether an earlier run seeded this customer (open, or closed by the story)."""
    key = company_key(company_name)
    return session.scalar(select(Onboarding.id).where(Onboarding.company_key == key)) is not None


def _csm(deps: Deps, onboarding_id: int) -> str:
    with deps.db.transaction() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding is not None
        return onboarding.csm_user_id


def _tick(deps: Deps, sender: OutboxSender, now: datetime) -> None:
    ctx = JobContext(
        settings=deps.settings, db=deps.db, playbooks=deps.playbooks, now=now, slack=sender.client
    )
    run_jobs("all", ctx, owner="demo")
    sender.deliver_due(now=now)
