"""`onboard demo`: Onboard at work on the embedded SQLite default, without a Slack workspace.

Seeds the Acme Manufacturing example of the playbooks and onboardings in other segments through
the real services, then lives 90 days: each business day the team does what the story says (the
same service calls the slash commands make) and the real jobs run at 09:00 and 17:00 through the
real outbox and sender. Only the transport differs: posts are printed, not sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import jobs
from bot.calendar import add_business_days, is_business_day
from bot.config import Settings, load_settings
from bot.db import Database
from bot.deps import Deps
from bot.jobs import JobContext
from bot.models import (
    AlertState,
    IntegrationStatus,
    Onboarding,
    OutboxMessage,
    OutboxStatus,
    TrainingSession,
)
from bot.parsing import company_key
from bot.playbooks import PlaybookLibrary
from bot.runner import run_jobs
from bot.services import (
    blockers,
    criteria,
    gate,
    health,
    hypercare,
    integrations,
    milestones,
    training,
    transition,
)
from bot.services.alerts import acknowledge_alerts, snooze_alerts
from bot.services.handoff import (
    HandoffForm,
    create_onboarding,
    validate_handoff,
)
from bot.services.kickoff import KickoffAgreements, record_kickoff
from bot.services.metrics import SliceBy, book_metrics, ttfv_targets
from bot.services.onboardings import acknowledge_handoff
from bot.services.signals import load_catalog
from bot.slack.announce import announce_handoff
from bot.slack.client import UserDirectory
from bot.slack.metrics_views import build_metrics_blocks
from bot.slack.sender import OutboxSender
from bot.slack.terminal import TerminalSlack, blocks_to_text

DAYS = 90
UCSM1 = "UCSM1"
NAMES = {
    "UAE1": "sam.ae",
    "UCSM1": "casey.csm",
    "UCSM2": "robin.csm",
    "CACME": "acme-manufacturing",
    "CEXTNORTH": "northwind-shared",
    "UDANA": "dana.reyes",
    "UVPCS": "alex.vp-cs",
}
# The VP of Customer Success: an Onboard admin, so the leaders' Monday digest reaches someone.
LEADER = "UVPCS"
# Shared with the customer's organisation (Slack Connect): nothing internal may go there.
SHARED_CHANNELS = frozenset({"CEXTNORTH"})
ACME = "Acme Manufacturing"
NORTHWIND = "Northwind Traders"
BLUEBIRD = "Bluebird Dental"
PICO = "Pico Labs"


def demo_handoffs(start: date) -> list[tuple[HandoffForm, str]]:
    """The Acme Manufacturing example of the playbooks, and three others in other segments."""
    acme = HandoffForm(
        company_name=ACME,
        website="https://acme.example",
        industry="Manufacturing",
        company_size="1,200 employees",
        arr="$95K",
        contract_term="12 months",
        start_date=start,
        csm_user_id="UCSM1",
        customer_channel_id="CACME",
        create_internal_channel=True,
        stakeholders="\n".join(
            [
                "Dana Reyes | VP Operations | executive sponsor | <@UDANA>",
                "Lee Park | IT Director | technical lead | lee.park@acme.example",
                "Maria Lopez | Plant Manager, Dayton | champion | maria.lopez@acme.example",
                "Tom Baker | Plant Manager, Toledo | end-user champion | tom.baker@acme.example",
                "Ana Silva | Plant Manager, Akron | end-user champion | ana.silva@acme.example",
            ]
        ),
        why_bought="Real-time supply chain visibility across all 3 plants",
        alternatives="Spreadsheets plus the SAP reporting module",
        success_criteria="\n".join(
            [
                "Real-time supply chain visibility across all 3 plants within 60 days",
                "5+ users active and 1 dashboard built by day 30",
            ]
        ),
        systems="SAP ERP, Salesforce",
        sso="Okta",
        data_migration="Supplier master data from SAP",
        promises="SAP connector live before go-live\nWeekly status report to the VP Operations",
        out_of_scope="Custom ERP modules",
        risks="high: IT team stretched by an ERP upgrade",
        go_live_target=start + timedelta(days=60),
    )
    northwind = HandoffForm(
        company_name=NORTHWIND,
        arr="$240K",
        start_date=start,
        csm_user_id="UCSM2",
        customer_channel_id="CEXTNORTH",
        stakeholders="Ivy Chen | COO | sponsor | ivy@northwind.example",
        success_criteria="Order-to-cash cycle under 5 days",
        systems="NetSuite",
    )
    bluebird = HandoffForm(
        company_name=BLUEBIRD, arr="12,000", start_date=start, csm_user_id="UCSM1"
    )
    pico = HandoffForm(company_name=PICO, arr="3k", start_date=start, csm_user_id="UCSM2")
    return [(acme, "UAE1"), (northwind, "UAE1"), (bluebird, "UAE1"), (pico, "UAE1")]


@dataclass
class Team:
    """What the people in the story do, through the services the slash commands call."""

    deps: Deps
    ids: dict[str, int]
    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)  # set by the story's clock before use

    def _run(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        with self.deps.db.transaction() as session:
            action(session, *args, now=self.now, admins=(), **kwargs)

    def done(self, company: str, milestone: str, who: str) -> None:
        self._run(milestones.complete_named_milestone, self.ids[company], milestone, who)

    def train(self, company: str, track: str, invited: int, attended: int, who: str) -> str:
        """`/onboard training`: schedule a session today, then mark it delivered."""
        today = self.now.astimezone(self.deps.settings.tz).date()
        common = {"admins": (), "playbooks": self.deps.playbooks, "now": self.now}
        with self.deps.db.session() as session:
            training.schedule_session(
                session,
                self.ids[company],
                training.ScheduleEntry(track, today, who, str(invited)),
                who,
                today=today,
                **common,
            )
            session_id = session.scalar(
                select(func.max(TrainingSession.id)).where(
                    TrainingSession.onboarding_id == self.ids[company]
                )
            )
            change = training.mark_delivered(
                session,
                session_id,
                training.DeliveryEntry(str(attended), True, ""),
                who,
                **common,
            )
        if change.completed_milestone_id is not None:
            done = change.completed_milestone_name
            return f"Every required track is delivered: *{done}* is complete."
        return "" if change.attendance_met else "Attendance is below the playbook's threshold."

    def close(self, company: str, lessons: str, ongoing_csm: str, who: str) -> str:
        """`/onboard close`: the report and the handover, or why it cannot close yet."""
        try:
            self._run(
                transition.close_onboarding,
                self.ids[company],
                who,
                lessons=lessons,
                ongoing_csm=ongoing_csm,
                playbooks=self.deps.playbooks,
                today=self.now.astimezone(self.deps.settings.tz).date(),
            )
        except transition.NotReady as refused:
            return str(refused)
        return ""

    def integrations_verified(self, company: str, who: str, result: str) -> None:
        """`/onboard setup`: each integration still open edited to verified end to end, with
        the data-migration validation result."""
        with self.deps.db.transaction() as session:
            setup = integrations.load_setup(session, self.ids[company])
            forms = [
                (
                    line.integration_id,
                    integrations.open_integration_form(
                        session, self.ids[company], line.integration_id, who, admins=()
                    )[1],
                )
                for line in setup.lines
                if not line.settled
            ]
        for integration_id, form in forms:
            form.status, form.owner_user_id = IntegrationStatus.VERIFIED, form.owner_user_id or who
            form.migration_result = form.migration_result or result
            self._run(integrations.save_integration, self.ids[company], integration_id, form, who)

    def kickoff(self, company: str, first_value: str, cadence: str, who: str) -> None:
        """`/onboard done <customer> kickoff`: the modal's agreements, then the milestone."""
        agreed = KickoffAgreements(first_value, cadence, "Project lead, then sponsor")
        self._run(record_kickoff, self.ids[company], who, agreed)

    def first_value_met(self, company: str, text: str, evidence: str, who: str) -> None:
        """`/onboard criteria`: the customer's first-value criterion (added and flagged when
        the handoff did not list it) marked met with its evidence."""
        with self.deps.db.session() as session:
            listing = criteria.load_criteria(session, self.ids[company])
            found = next((c for c in listing.lines if c.text == text), None)
        if found is None:
            self._run(criteria.add_criterion, self.ids[company], text, None, True, who)
        else:
            self._run(criteria.flag_first_value, found.criterion_id, who)
        with self.deps.db.session() as session:
            listing = criteria.load_criteria(session, self.ids[company])
            criterion_id = next(c.criterion_id for c in listing.lines if c.text == text)
        self._run(criteria.mark_criterion_met, criterion_id, evidence, who)

    def block(self, company: str, reason: str, who: str) -> None:
        self._run(blockers.add_blocker, self.ids[company], reason, who)

    def unblock(self, company: str, who: str) -> None:
        self._run(blockers.resolve_blocker, self.ids[company], None, who)

    def go_live(self, company: str, who: str) -> None:
        """`/onboard golive`: the readiness gate, every item YES, then go-live (and its post)."""
        where = {"playbooks": self.deps.playbooks, "tz": self.deps.settings.tz}
        with self.deps.db.session() as session:
            form = gate.open_gate(session, self.ids[company], who, admins=(), **where)
        self._run(gate.decide_gate_by_id, self.ids[company], gate.all_yes(form), who, **where)

    def issue(self, company: str, severity: str, title: str, who: str) -> None:
        self._run(
            hypercare.open_issue_by_id,
            self.ids[company],
            severity,
            title,
            who,
            settings=self.deps.settings,
        )

    def respond(self, company: str, number: int, who: str) -> None:
        self._run(
            hypercare.respond_to_issue_by_id,
            self.ids[company],
            number,
            who,
            settings=self.deps.settings,
        )

    def resolve(self, company: str, number: int, who: str) -> None:
        self._run(
            hypercare.resolve_issue_by_id,
            self.ids[company],
            number,
            who,
            settings=self.deps.settings,
        )

    def end_hypercare(self, company: str, who: str) -> None:
        self._run(
            hypercare.end_hypercare_by_id, self.ids[company], who, settings=self.deps.settings
        )

    def _open_alerts(self, company: str) -> list[int]:
        with self.deps.db.session() as session:
            return list(
                session.scalars(
                    select(AlertState.id).where(
                        AlertState.onboarding_id == self.ids[company],
                        AlertState.cleared_at.is_(None),
                    )
                )
            )

    def acknowledge(self, company: str, who: str) -> None:
        self._run(
            acknowledge_alerts,
            self.ids[company],
            self._open_alerts(company),
            who,
            catalog=load_catalog(self.deps.settings.templates_dir),
        )

    def health(self, company: str, rating: int, no_answers: int, who: str) -> None:
        """`/onboard health`: the same rating for every asked component, `no_answers` NOs."""
        rules = health.health_rules(self.deps.settings)
        questions = [(area.key, i) for area in rules.areas for i in range(len(area.questions))]
        yes: dict[str, list[int]] = {}
        for area, i in questions[no_answers:]:
            yes.setdefault(area, []).append(i)
        entry = health.HealthEntry(yes=yes, ratings=dict.fromkeys(health.ASKED, rating))
        self._run(
            health.record_health_check,
            self.ids[company],
            who,
            health.HealthEntry(yes=entry.yes, ratings=entry.ratings),
            rules=rules,
            today=self.now.astimezone(self.deps.settings.tz).date(),
        )

    def snooze(self, company: str, days: int, who: str) -> None:
        self._run(
            snooze_alerts,
            self.ids[company],
            self._open_alerts(company),
            days,
            who,
            catalog=load_catalog(self.deps.settings.templates_dir),
            default_timezone=self.deps.settings.timezone,
        )


@dataclass(frozen=True)
class Beat:
    """Something a person does on a business day of the story (counted from the start)."""

    business_day: int
    says: str
    act: Callable[[Team], str | None]  # what Onboard answers the person, when worth showing


def weekly_health_checks() -> list[Beat]:
    """Casey checks Acme and Bluebird every week; Robin checks Northwind, which slides to at
    risk; nobody checks Pico (the missing check is itself a signal)."""
    beats = []
    for week, business_day in enumerate(range(4, 60, 5)):
        beats.append(
            Beat(
                business_day,
                "casey.csm: /onboard health acme (4/5 across the board)",
                lambda t: t.health(ACME, 4, 1, UCSM1),
            )
        )
        beats.append(
            Beat(
                business_day,
                "casey.csm: /onboard health bluebird (5/5)",
                lambda t: t.health(BLUEBIRD, 5, 0, UCSM1),
            )
        )
        rating, nos = (3, 2) if week < 2 else (2, 5)
        beats.append(
            Beat(
                business_day,
                f"robin.csm: /onboard health northwind ({rating}/5, {nos} NO)",
                lambda t, r=rating, n=nos: t.health(NORTHWIND, r, n, "UCSM2"),
            )
        )
    return beats


def story() -> list[Beat]:
    """Acme goes live after a blocked SAP connector; Northwind (shared channel) stalls;
    Bluebird moves fast; Pico never answers. Days count business days from the start."""
    return [
        *weekly_health_checks(),
        Beat(
            2,
            "casey.csm: /onboard done acme kickoff (first value: 5+ users, 1 dashboard)",
            lambda t: t.kickoff(
                ACME, "5+ users on their own dashboard", "Weekly status, Tuesdays", UCSM1
            ),
        ),
        Beat(
            4,
            "casey.csm: /onboard block acme waiting on SAP test credentials from IT",
            lambda t: t.block(ACME, "Waiting on SAP test credentials from IT", "UCSM1"),
        ),
        Beat(
            1,
            "casey.csm: /onboard done bluebird kickoff (first value: first invoice sent)",
            lambda t: t.kickoff(
                BLUEBIRD, "First invoice sent from their own workflow", "Weekly call", "UCSM1"
            ),
        ),
        Beat(
            3,
            "casey.csm: /onboard criteria bluebird: first invoice sent from Bluebird's own"
            " workflow, met (evidence: invoice #1001)",
            lambda t: t.first_value_met(
                BLUEBIRD,
                "First invoice sent from the customer's own workflow",
                "Invoice #1001 sent by Bluebird's finance team",
                "UCSM1",
            ),
        ),
        Beat(
            3,
            "casey.csm: /onboard done bluebird first value",
            lambda t: t.done(BLUEBIRD, "first value", "UCSM1"),
        ),
        Beat(
            6,
            "robin.csm acknowledges Northwind's alerts",
            lambda t: t.acknowledge(NORTHWIND, "UCSM2"),
        ),
        Beat(8, "casey.csm: /onboard unblock acme", lambda t: t.unblock(ACME, "UCSM1")),
        Beat(
            9,
            "casey.csm: /onboard setup acme: SAP ERP, Salesforce and Okta SSO verified end to end",
            lambda t: t.integrations_verified(
                ACME, "UCSM1", "Supplier master data reconciled: 4,812 of 4,812 records"
            ),
        ),
        Beat(
            9,
            "casey.csm: /onboard done acme technical setup",
            lambda t: t.done(ACME, "technical setup", "UCSM1"),
        ),
        Beat(
            10,
            "robin.csm snoozes Pico Labs' alerts for 3 days",
            lambda t: t.snooze(PICO, 3, "UCSM2"),
        ),
        Beat(
            11,
            "casey.csm: /onboard criteria acme: first value (5+ users, 1 dashboard) met",
            lambda t: t.first_value_met(
                ACME,
                "5+ users active and 1 dashboard built by day 30",
                "7 users active; the plant dashboard is in daily use",
                "UCSM1",
            ),
        ),
        Beat(
            11,
            "casey.csm: /onboard done acme first value",
            lambda t: t.done(ACME, "first value", "UCSM1"),
        ),
        Beat(
            12,
            "casey.csm: /onboard done bluebird training",
            lambda t: t.done(BLUEBIRD, "training", "UCSM1"),
        ),
        Beat(
            24,
            "casey.csm: /onboard training acme: admin workshop delivered, 8 of 8",
            lambda t: t.train(ACME, "admins", 8, 8, UCSM1),
        ),
        Beat(
            24,
            "casey.csm: /onboard training acme: power-user workshop delivered, 12 of 14",
            lambda t: t.train(ACME, "power_users", 14, 12, UCSM1),
        ),
        Beat(
            25,
            "casey.csm: /onboard training acme: end-user training delivered, 40 of 55",
            lambda t: t.train(ACME, "end_users", 55, 40, UCSM1),
        ),
        Beat(
            27,
            "casey.csm: /onboard training acme: end-user make-up session, 52 of 55",
            lambda t: t.train(ACME, "end_users", 55, 52, UCSM1),
        ),
        Beat(33, "casey.csm: /onboard done acme pilot", lambda t: t.done(ACME, "pilot", "UCSM1")),
        Beat(42, "casey.csm: /onboard golive acme", lambda t: t.go_live(ACME, "UCSM1")),
        Beat(
            43,
            "casey.csm: /onboard issue acme P2 Toledo plant data not syncing",
            lambda t: t.issue(ACME, "P2", "Toledo plant data not syncing", "UCSM1"),
        ),
        Beat(43, "casey.csm responds to issue 1", lambda t: t.respond(ACME, 1, "UCSM1")),
        Beat(44, "casey.csm: /onboard resolve acme 1", lambda t: t.resolve(ACME, 1, "UCSM1")),
        Beat(
            45,
            "casey.csm: /onboard issue acme P4 How do I export a dashboard?",
            lambda t: t.issue(ACME, "P4", "How do I export a dashboard?", "UCSM1"),
        ),
        Beat(46, "casey.csm: /onboard resolve acme 2", lambda t: t.resolve(ACME, 2, "UCSM1")),
        Beat(57, "casey.csm clicks End hypercare", lambda t: t.end_hypercare(ACME, "UCSM1")),
        Beat(
            59,
            "casey.csm: /onboard close acme (lessons learned, robin.csm carries the account on)",
            lambda t: t.close(
                ACME,
                "Ask for SAP test credentials at kickoff: waiting on them cost a week.",
                "UCSM2",
                "UCSM1",
            ),
        ),
        Beat(
            59,
            "robin.csm: /onboard close northwind",
            lambda t: t.close(NORTHWIND, "Too early.", "UCSM2", "UCSM2"),
        ),
    ]


def run_demo(  # type: ignore[no-untyped-def]
    database_url: str, out=print, days: int = DAYS, start: date | None = None
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
    jobs.load()
    sender = OutboxSender(db, slack, settings, owner="demo")
    sender.client = slack  # print, don't send (the sender would build an HTTP client)
    beats = story()
    for day in range(1, days + 1):
        today = start + timedelta(days=day)
        if not is_business_day(today):
            continue
        for_today = [b for b in beats if add_business_days(start, b.business_day) == today]
        clock.at(today, time(9))
        _tick(deps, sender, clock.now)
        clock.at(today, time(11))
        for beat in for_today:
            out(f"{clock.label()}  {beat.says}")
            team.now = clock.now
            said = beat.act(team)
            if said:
                out("    " + slack.readable(said).replace("\n", "\n    "))
        clock.at(today, time(17))
        _tick(deps, sender, clock.now)
    out(slack.readable(_summary(deps, team.ids, start)))
    out(_leaders_view(deps, slack, start + timedelta(days=days)))
    return 0


def _leaders_view(deps: Deps, slack: TerminalSlack, today: date) -> str:
    """The book as a leader sees it with `/onboard metrics segment`, from the same builder."""
    with deps.db.session() as session:
        metrics = book_metrics(
            session,
            today=today,
            ttfv_targets=ttfv_targets(deps.playbooks),
            slice_by=SliceBy.SEGMENT,
        )
    card = blocks_to_text(build_metrics_blocks(metrics), slack.readable_name)
    return "\nWhat leaders see (/onboard metrics segment):\n    " + card.replace("\n", "\n    ")


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


def _seed(deps: Deps, slack: TerminalSlack, clock: Clock, team: Team, out) -> list[int]:  # type: ignore[no-untyped-def]
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
    with deps.db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding is not None
        return onboarding.csm_user_id


def _tick(deps: Deps, sender: OutboxSender, now: datetime) -> None:
    ctx = JobContext(
        settings=deps.settings, db=deps.db, playbooks=deps.playbooks, now=now, slack=sender.client
    )
    run_jobs("all", ctx, owner="demo")
    sender.deliver_due(now=now)


def _summary(deps: Deps, ids: dict[str, int], start: date) -> str:
    with deps.db.session() as session:
        alerts = Counter(
            dict(
                session.execute(
                    select(AlertState.signal, func.sum(AlertState.notify_count)).group_by(
                        AlertState.signal
                    )
                ).all()
            )
        )
        sent = Counter(
            dict(
                session.execute(
                    select(OutboxMessage.kind, func.count())
                    .where(OutboxMessage.status == OutboxStatus.SENT)
                    .group_by(OutboxMessage.kind)
                ).all()
            )
        )
        onboardings = [session.get(Onboarding, i) for i in ids.values()]
        lines = ["", "=" * 72, "Summary", "=" * 72]
        lines.append("Alerts told, by signal:")
        lines += [f"  {signal:<24} {count}" for signal, count in alerts.most_common()] or ["  none"]
        lines.append(f"Celebrations posted: {sent.get('celebration', 0)}")
        lines.append("Posts by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(sent.items())))
        lines.append("Time to first value:")
        for onboarding in onboardings:
            assert onboarding is not None
            if onboarding.first_value_at is None:
                ttfv = "not reached"
            else:
                ttfv = f"{(onboarding.first_value_at.date() - onboarding.start_date).days} days"
            lines.append(f"  {onboarding.company_name:<24} {ttfv}")
        lines.append("Hypercare:")
        for onboarding in onboardings:
            assert onboarding is not None
            if onboarding.go_live_at is None:
                continue
            issues = onboarding.hypercare_issues
            exited = (
                f"exited on day {(onboarding.hypercare_exited_at.date() - start).days}"
                if onboarding.hypercare_exited_at
                else "still in hypercare"
            )
            lines.append(
                f"  {onboarding.company_name}: live on day "
                f"{(onboarding.go_live_at.date() - start).days}, {len(issues)} issues "
                f"({sum(1 for i in issues if i.resolved_at)} resolved), {exited}"
            )
        lines.append("Transition:")
        for onboarding in onboardings:
            assert onboarding is not None
            state = (
                f"closed on day {(onboarding.closed_at.date() - start).days}, handed to "
                f"<@{onboarding.ongoing_csm_user_id}>"
                if onboarding.closed_at
                else f"open ({onboarding.status})"
            )
            lines.append(f"  {onboarding.company_name:<24} {state}")
    return "\n".join(lines)
