"""The detection rules (domain.md "Stall and warning signals"): a pure function of one
onboarding's facts at `now`, no database, no Slack.

Decisions, documented here once:
- Day thresholds count calendar days between local dates (the onboarding's time zone, else
  ONBOARD_TIMEZONE): a milestone due Friday is 3 days late on Monday. Only the kickoff
  deadline counts business days, as domain.md says ("3 business days after close").
- Milestone delayed: 1..ONBOARD_DELAYED_MAX_DAYS days past due; missed: more. Both are one
  alert per milestone whose state goes delayed -> missed. The kickoff milestone is reported by
  "no kickoff" instead (the same fact twice is noise), but it counts towards multiple delays.
- Blocked: open for more than ONBOARD_BLOCKER_MAX_DAYS days. Silence: no activity for at least
  ONBOARD_SILENCE_DAYS days, for onboardings without a customer channel (with one, "customer
  gone quiet" reads the customer's messages instead: signals/conversation.py). Champion gone:
  departed, or last contact at least ONBOARD_CHAMPION_CONTACT_DAYS days ago (a champion whose
  contact is never recorded is not alerted on: we cannot tell). Single-threaded: fewer than
  ONBOARD_MIN_STAKEHOLDERS stakeholders who have not departed. Commitment past due: open with
  a due date before today.
- Hypercare SLA breach: the clocks of bot/services/hypercare.py; an issue whose resolution is
  overdue, or that is still waiting past its response time; severity by the issue's priority.
- Health low: the latest weekly health check (bot/services/health/) is at risk or worse; the
  severity follows its status (signals.yml `severity_by_status`: at risk high, critical and
  emergency critical), and a worse status notifies again. Health check missing: no check for
  ONBOARD_HEALTH_CHECK_DAYS days (local calendar days since the last check, or since the
  contract start for the first one).
- Integration failing: an integration (bot/services/integrations.py) whose status is failing;
  one alert per integration, since its last update (when it was marked failing, or edited
  while failing).
- Training low attendance: a delivered training session whose attendance (attended / invited)
  is below its track's threshold (the playbook's `training`, bot/services/training.py), while
  the track has no delivered session at or above it; one alert per track. The query reads only
  sessions below the highest threshold of any playbook whose track has none above it; the
  detector applies the exact per-playbook, per-track threshold.
- No usage, adoption behind, usage dropping: bot/services/signals/usage.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.calendar import add_business_days
from bot.config import Settings
from bot.playbooks import TRAINING_AUDIENCE_LABELS, UsageDef
from bot.services.health import LOW_STATUSES, HealthStatus
from bot.services.hypercare import ClockStage, sla_clock
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.conversation import ConversationRules
from bot.services.signals.detected import Signal
from bot.services.signals.facts import KICKOFF_MILESTONE, Facts, TrainingRow
from bot.services.signals.kinds import SignalKind
from bot.services.signals.rules import Rules
from bot.services.signals.scope import detect_scope
from bot.services.signals.usage import detect_usage
from bot.services.training import meets

NAMES_LISTED_MAX = 5


class _Detector:
    def __init__(self, facts: Facts, rules: Rules):
        self.facts = facts
        self.o = facts.onboarding
        self.rules = rules
        self.settings = rules.settings
        self.catalog = rules.catalog
        self.now = rules.now
        self.tz, self.today, self.utc = rules.zone(self.o.timezone)
        self.signals: list[Signal] = []

    def local_date(self, moment: datetime) -> date:
        if self.utc and moment.tzinfo is UTC:
            return moment.date()  # a third of the time of astimezone, on half the book
        return moment.astimezone(self.tz).date()

    def days_since(self, moment: datetime) -> int:
        return (self.today - self.local_date(moment)).days

    def add(
        self,
        kind: SignalKind,
        subject: str,
        since: datetime,
        state: str = "",
        level: int = 1,
        severity_of: str | None = None,
        **facts: Any,
    ) -> None:
        rules = self.rules.kind(kind, self.o.playbook)
        if not rules.enabled:
            return
        severity = self.rules.severity(kind, self.o.playbook, severity_of)
        step = self.catalog.step(kind, self.o.playbook, facts) if rules.stepped else 0
        self.signals.append(
            Signal(self.o.id, kind, subject, severity, since, state, level, facts, step)
        )

    def run(self) -> list[Signal]:
        self.milestones()
        self.no_kickoff()
        self.blockers()
        self.silence()
        self.stakeholders()
        self.champions()
        self.commitments()
        self.issues()
        self.health()
        self.integrations()
        self.training()
        hours = self.rules.hours(self.tz)
        ConversationRules(self.facts, self.catalog, hours, self.now).run(self.add)
        self.usage()
        scope = self.catalog.definition(SignalKind.SCOPE_GROWING, self.o.playbook)
        detect_scope(self.add, self.facts.scope, scope.threshold_percent)
        return self.signals

    def milestones(self) -> None:
        late = [m for m in self.facts.milestones if m.due_date < self.today]
        for m in late:
            if m.key == KICKOFF_MILESTONE:
                continue
            days = (self.today - m.due_date).days
            missed = days > self.settings.delayed_max_days
            kind = SignalKind.MILESTONE_MISSED if missed else SignalKind.MILESTONE_DELAYED
            self.add(
                kind,
                f"milestone:{m.id}",
                self.rules.midnight(m.due_date + timedelta(days=1), self.tz),
                state=kind.value,
                level=2 if missed else 1,
                milestone=m.name,
                due=m.due_date,
                days_late=days,
            )
        if len(late) >= self.settings.multiple_delays:
            ordered = sorted(late, key=lambda m: (m.due_date, m.id))
            nth = ordered[self.settings.multiple_delays - 1].due_date
            self.add(
                SignalKind.MULTIPLE_DELAYS,
                "",
                self.rules.midnight(nth + timedelta(days=1), self.tz),
                state=str(len(late)),
                level=len(late),
                count=len(late),
                milestones=[m.name for m in ordered[:NAMES_LISTED_MAX]]
                + (
                    [f"{len(late) - NAMES_LISTED_MAX} more"] if len(late) > NAMES_LISTED_MAX else []
                ),
            )

    def no_kickoff(self) -> None:
        if not any(m.key == KICKOFF_MILESTONE for m in self.facts.milestones):
            return  # held (or waived), or the playbook has no kickoff milestone
        days = self.settings.kickoff_business_days
        deadline = add_business_days(self.o.start_date, days)
        if self.today > deadline:
            self.add(
                SignalKind.NO_KICKOFF,
                "",
                self.rules.midnight(deadline + timedelta(days=1), self.tz),
                deadline=deadline,
                business_days=days,
            )

    def blockers(self) -> None:
        for b in self.facts.blockers:
            days = self.days_since(b.opened_at)
            if days > self.settings.blocker_max_days:
                self.add(
                    SignalKind.BLOCKER_OPEN,
                    f"blocker:{b.id}",
                    b.opened_at,
                    reason=b.reason,
                    owner=b.owner_user_id,
                    days_open=days,
                    subject_owner=b.owner_user_id,
                )

    def silence(self) -> None:
        if self.o.customer_channel_id:
            return  # the customer's own messages say more: "customer gone quiet"
        days = self.days_since(self.o.last_activity_at)
        if days >= self.settings.silence_days:
            self.add(
                SignalKind.SILENCE,
                "",
                self.o.last_activity_at,
                days=days,
                last_activity=self.local_date(self.o.last_activity_at),
            )

    def stakeholders(self) -> None:
        count = self.facts.stakeholders
        present = count.present if count else 0
        minimum = self.settings.min_stakeholders
        if present < minimum:
            departed = count.last_departed_at if count else None
            self.add(
                SignalKind.SINGLE_THREADED,
                "",
                max(filter(None, (departed, self.o.created_at))),
                state=str(present),
                level=minimum - present,
                count=present,
                minimum=minimum,
            )

    def champions(self) -> None:
        for c in self.facts.champions:
            if c.departed_at is not None and c.departed_at <= self.now:
                self.add(
                    SignalKind.CHAMPION_GONE,
                    f"stakeholder:{c.id}",
                    c.departed_at,
                    state="departed",
                    level=2,
                    name=c.name,
                    reason="departed",
                    days=self.days_since(c.departed_at),
                )
            elif c.last_contact_at is not None:
                days = self.days_since(c.last_contact_at)
                if days >= self.settings.champion_contact_days:
                    self.add(
                        SignalKind.CHAMPION_GONE,
                        f"stakeholder:{c.id}",
                        c.last_contact_at,
                        state="no_contact",
                        level=1,
                        name=c.name,
                        reason="no_contact",
                        days=days,
                    )

    def commitments(self) -> None:
        for c in self.facts.commitments:
            if c.due_date < self.today:
                self.add(
                    SignalKind.COMMITMENT_OVERDUE,
                    f"commitment:{c.id}",
                    self.rules.midnight(c.due_date + timedelta(days=1), self.tz),
                    text=c.text,
                    due=c.due_date,
                    owner=c.owner_user_id,
                    days_late=(self.today - c.due_date).days,
                    subject_owner=c.owner_user_id,
                )

    def issues(self) -> None:
        for issue in self.facts.issues:
            clock = sla_clock(issue, self.now, self.settings, self.tz)  # type: ignore[arg-type]
            if clock.resolution_breached:
                stage, level, due = "resolution", 2, clock.resolution_due
            elif clock.stage == ClockStage.RESPONSE and clock.response_breached:
                stage, level, due = "response", 1, clock.response_due
            else:
                continue
            self.add(
                SignalKind.HYPERCARE_SLA_BREACH,
                f"issue:{issue.id}",
                due,
                state=stage,
                level=level,
                severity_of=issue.severity,
                priority=issue.severity,
                number=issue.number,
                title=issue.title,
                clock=stage,
                due=due,
            )

    def health(self) -> None:
        check = self.facts.health
        if check is not None and check.status in LOW_STATUSES:
            status = self.rules.health.status(check.status)
            self.add(
                SignalKind.HEALTH_LOW,
                "",
                check.checked_at,
                state=check.status,
                level=HealthStatus(check.status).rank,
                severity_of=check.status,
                score=check.score,
                status=status.name,
                response=status.response,
                checked=self.local_date(check.checked_at),
            )
        last = self.local_date(check.checked_at) if check is not None else None
        due = (last or self.o.start_date) + timedelta(days=self.settings.health_check_days)
        if self.today >= due:
            self.add(
                SignalKind.HEALTH_CHECK_MISSING,
                "",
                self.rules.midnight(due, self.tz),
                days=(self.today - (last or self.o.start_date)).days,
                last_check=last,
            )

    def integrations(self) -> None:
        for i in self.facts.integrations:
            since = i.updated_at or self.now
            self.add(
                SignalKind.INTEGRATION_FAILING,
                f"integration:{i.id}",
                since,
                name=i.name,
                owner=i.owner_user_id,
                failing_since=self.local_date(since),
                days=self.days_since(since),
                notes=" ".join(i.config_notes.split())[:200],
                subject_owner=i.owner_user_id,
            )

    def training(self) -> None:
        thresholds = self.rules.attendance
        by_track: dict[str, list[TrainingRow]] = {}
        for row in self.facts.training:
            by_track.setdefault(row.track, []).append(row)
        for track, rows in by_track.items():
            threshold = thresholds.get((self.o.playbook, track))
            if threshold is None or any(meets(r.attended, r.invited, threshold) for r in rows):
                continue
            last = max(rows, key=lambda r: (r.delivered_at, r.id))
            self.add(
                SignalKind.TRAINING_LOW_ATTENDANCE,
                f"training:{track}",
                last.delivered_at,
                track=TRAINING_AUDIENCE_LABELS.get(track, track),
                attended=last.attended,
                invited=last.invited,
                percent=round(last.attended * 100 / last.invited),  # an exact tie is exact
                threshold=round(threshold * 100),
                delivered=self.local_date(last.delivered_at),
            )

    def usage(self) -> None:
        rules = self.rules.usage.get(self.o.playbook) or UsageDef()
        detect_usage(
            self.add,
            self.facts.usage,
            rules,
            self.today,
            self.local_date,
            lambda day: self.rules.midnight(day, self.tz),
        )


def detect(
    facts: Facts,
    settings: Settings,
    catalog: SignalCatalog,
    now: datetime,
    *,
    rules: Rules | None = None,
) -> list[Signal]:
    """Every signal of one onboarding at `now`, worst first. A scan passes the `Rules` its
    onboardings share (made of the same settings, catalog and `now`)."""
    rules = rules or Rules(settings, catalog, now)
    signals = _Detector(facts, rules).run()
    if len(signals) > 1:
        present = {s.kind for s in signals}
        playbook = facts.onboarding.playbook
        for s in signals:
            s.covered = rules.kind(s.kind, playbook).covered_by in present
        signals.sort(key=_worst_first)
    return signals


def _worst_first(s: Signal) -> tuple[int, datetime, str, str]:
    return (-s.severity.rank, s.since, s.kind, s.subject)
