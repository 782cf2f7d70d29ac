"""Recording the kickoff (`done <customer> kickoff` from Slack opens a modal): the agreed
first-value definition (required), meeting cadence and escalation path are stored and the
kickoff milestone completes together (`record_kickoff`). First value cannot complete before it
is defined (bot/services/onboardings.first_value_refusal)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Milestone, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.handoff_timing import record_first_contact
from bot.services.milestones import MilestoneChange, match_milestone
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change

KICKOFF_MILESTONE = "kickoff"
AGREEMENT_MAX = 2000


@dataclass(frozen=True)
class KickoffAgreements:
    first_value_definition: str
    meeting_cadence: str = ""
    escalation_path: str = ""


class KickoffField:
    FIRST_VALUE = "kickoff-first-value"
    CADENCE = "kickoff-cadence"
    ESCALATION = "kickoff-escalation"


class KickoffInvalid(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors  # KickoffField -> message


@dataclass(frozen=True)
class KickoffForm:
    """The modal `done <customer> kickoff` opens, prefilled with what is stored."""

    onboarding_id: int
    milestone_id: int
    company_name: str
    agreements: KickoffAgreements


def is_kickoff(milestone: Milestone) -> bool:
    return milestone.key == KICKOFF_MILESTONE


def kickoff_form_for(
    session: Session,
    onboarding_id: int | None,
    *,
    query: str = "",
    milestone_id: int | None = None,
    actor: str,
    admins: Collection[str],
) -> KickoffForm | None:
    """When `done` names the kickoff milestone (by `query`, or `milestone_id` from the status
    card) and it is not done yet: the form to ask for the agreements. None for any other
    milestone (the caller completes it as usual). NotAllowed for outsiders."""
    if milestone_id is not None:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None:
            raise NotFound("That milestone no longer exists.")
        onboarding = milestone.onboarding
        ensure_can_change(onboarding, actor, admins)
    else:
        assert onboarding_id is not None
        onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
        ensure_can_change(onboarding, actor, admins)
        milestone = match_milestone(onboarding.milestones, query)
    if not is_kickoff(milestone) or milestone.is_done:
        return None
    return KickoffForm(
        onboarding.id,
        milestone.id,
        onboarding.company_name,
        KickoffAgreements(
            onboarding.first_value_definition,
            onboarding.meeting_cadence,
            onboarding.escalation_path,
        ),
    )


def check_agreements(agreements: KickoffAgreements) -> KickoffAgreements:
    cleaned = KickoffAgreements(
        agreements.first_value_definition.strip(),
        agreements.meeting_cadence.strip(),
        agreements.escalation_path.strip(),
    )
    errors: dict[str, str] = {}
    if not cleaned.first_value_definition:
        errors[KickoffField.FIRST_VALUE] = (
            "Say what first value is for this customer, in measurable terms: "
            "first value cannot be marked done before it is defined."
        )
    for key, value in (
        (KickoffField.FIRST_VALUE, cleaned.first_value_definition),
        (KickoffField.CADENCE, cleaned.meeting_cadence),
        (KickoffField.ESCALATION, cleaned.escalation_path),
    ):
        if len(value) > AGREEMENT_MAX:
            errors.setdefault(key, f"At most {AGREEMENT_MAX} characters, please.")
    if errors:
        raise KickoffInvalid(errors)
    return cleaned


def record_kickoff(
    session: Session,
    onboarding_id: int,
    actor: str,
    agreements: KickoffAgreements,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """The kickoff was held: store the agreed first-value definition, meeting cadence and
    escalation path, and complete the kickoff milestone. KickoffInvalid (by field) when the
    first-value definition is missing."""
    cleaned = check_agreements(agreements)
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    milestone = next((m for m in onboarding.milestones if is_kickoff(m)), None)
    if milestone is None:
        raise NotFound(f"{onboarding.company_name}'s plan has no kickoff milestone.")
    onboarding.first_value_definition = cleaned.first_value_definition
    onboarding.meeting_cadence = cleaned.meeting_cadence
    onboarding.escalation_path = cleaned.escalation_path
    record_activity(
        session,
        onboarding,
        actor,
        "kickoff_agreed",
        "kickoff agreements recorded: first value, meeting cadence, escalation path",
        now=now,
        data={
            "first_value_definition": cleaned.first_value_definition,
            "meeting_cadence": cleaned.meeting_cadence,
            "escalation_path": cleaned.escalation_path,
        },
    )
    changed = complete_milestone(session, milestone, actor, now=now)
    record_first_contact(session, onboarding, actor, now=now)  # the kickoff is a contact
    return MilestoneChange(
        onboarding.id,
        onboarding.company_name,
        milestone.id,
        milestone.name,
        changed,
        milestone.is_first_value,
    )
