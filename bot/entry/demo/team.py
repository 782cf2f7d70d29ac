"""The people of the story at work: each action is the service call a slash command makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.entry.demo.plan_changes import PlanChanges
from bot.models import (
    AlertState,
    Commitment,
    Escalation,
    IntegrationStatus,
    Onboarding,
    Stakeholder,
    TrainingSession,
)
from bot.services import (
    blockers,
    commitments,
    criteria,
    gate,
    health,
    hypercare,
    integrations,
    milestones,
    stakeholder_changes,
    training,
    transition,
)
from bot.services.alerts import acknowledge_alerts, snooze_alerts
from bot.services.conversations import ChannelMessage, record_message
from bot.services.escalations import acknowledge_escalation
from bot.services.kickoff import KickoffAgreements, record_kickoff
from bot.services.signals import load_catalog
from bot.services.user_settings import choose_alert_digest
from bot.slack.deps import Deps
from bot.slack.transition_views import not_ready_text


@dataclass
class Team(PlanChanges):
    """What the people in the story do, through the services the slash commands call."""

    deps: Deps
    ids: dict[str, int]
    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)  # set by the story's clock before use

    def _run(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        with self.deps.db.transaction() as session:
            action(session, *args, now=self.now, admins=(), **kwargs)

    def keep_handoff_timing(self, company: str, who: str) -> None:
        """`/onboard commitments`: `who` marks the handoff timing commitments they own done
        (the AE's warm intro and internal handoff meeting)."""
        with self.deps.db.transaction() as session:
            owned = session.scalars(
                select(Commitment.id).where(
                    Commitment.onboarding_id == self.ids[company],
                    Commitment.timing_key.is_not(None),
                    Commitment.owner_user_id == who,
                )
            )
            for commitment_id in list(owned):
                commitments.complete_commitment(
                    session, commitment_id, who, admins=(), now=self.now
                )

    def contact(self, company: str, who: str) -> None:
        """`/onboard stakeholders`: log a contact with the customer's first stakeholder."""
        with self.deps.db.transaction() as session:
            stakeholder_id = session.scalar(
                select(func.min(Stakeholder.id)).where(
                    Stakeholder.onboarding_id == self.ids[company]
                )
            )
            stakeholder_changes.log_contact(session, stakeholder_id, who, admins=(), now=self.now)

    def writes(self, company: str, who: str, *, outside: bool, minutes: int = 0) -> None:
        """A message in the customer's channel, as the message event listener stores it: who
        spoke when, never the text (`outside`: a user of the customer's organisation)."""
        with self.deps.db.transaction() as session:
            onboarding = session.get(Onboarding, self.ids[company])
            channel = onboarding.customer_channel_id if onboarding else None
            if channel is None:
                return
            sent = self.now + timedelta(minutes=minutes)
            message = ChannelMessage(channel, f"{sent.timestamp():.6f}", None, who, sent, outside)
            record_message(session, message)

    def done(self, company: str, milestone: str, who: str) -> None:
        self._run(milestones.complete_named_milestone, self.ids[company], milestone, who)

    def train(self, company: str, track: str, invited: int, attended: int, who: str) -> str:
        """`/onboard training`: schedule a session today, then mark it delivered."""
        today = self.now.astimezone(self.deps.settings.tz).date()
        common = {"admins": (), "playbooks": self.deps.playbooks, "now": self.now}
        with self.deps.db.transaction() as session:
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
            return not_ready_text(refused.check)
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
        with self.deps.db.transaction() as session:
            listing = criteria.load_criteria(session, self.ids[company])
            found = next((c for c in listing.lines if c.text == text), None)
        if found is None:
            self._run(criteria.add_criterion, self.ids[company], text, None, True, who)
        else:
            self._run(criteria.flag_first_value, found.criterion_id, who)
        with self.deps.db.transaction() as session:
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
        with self.deps.db.transaction() as session:
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
        with self.deps.db.transaction() as session:
            return list(
                session.scalars(
                    select(AlertState.id).where(
                        AlertState.onboarding_id == self.ids[company],
                        AlertState.cleared_at.is_(None),
                    )
                )
            )

    def alert_digest(self, who: str) -> None:
        """`/onboard settings`: `who` takes their stall alerts as one daily digest DM."""
        with self.deps.db.transaction() as session:
            choose_alert_digest(session, who, True, now=self.now)

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

    def acknowledge_escalation(self, company: str, who: str) -> str | None:
        """A leader's Acknowledge on the company's oldest open escalation."""
        with self.deps.db.transaction() as session:
            escalation_id = session.scalar(
                select(func.min(Escalation.id)).where(
                    Escalation.onboarding_id == self.ids[company],
                    Escalation.acknowledged_at.is_(None),
                )
            )
            if escalation_id is None:
                return "(no open escalation to acknowledge)"
            acknowledge_escalation(
                session,
                escalation_id,
                who,
                admins=self.deps.settings.admin_user_ids,
                default_timezone=self.deps.settings.timezone,
                now=self.now,
            )
        return None
