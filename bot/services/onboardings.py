"""Reading and changing an onboarding: lookup, acknowledgement."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from bot.models import IntegrationStatus, Milestone, MilestoneStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotAllowed, NotFound
from bot.services.integration_rows import ensure_integrations

HANDOFF_MILESTONE = "handoff"


def get_onboarding(
    session: Session, onboarding_id: int, *eager: QueryableAttribute[Any]
) -> Onboarding:
    """The onboarding, with the `eager` relationships loaded in one query each; NotFound if gone."""
    if eager:
        onboarding = session.scalar(
            select(Onboarding)
            .where(Onboarding.id == onboarding_id)
            .options(*(selectinload(relationship) for relationship in eager))
        )
    else:
        onboarding = session.get(Onboarding, onboarding_id)
    if onboarding is None:
        raise NotFound(f"Onboarding #{onboarding_id} does not exist (it may have been removed).")
    return onboarding


class Refusal(enum.StrEnum):
    """Why a milestone cannot complete yet; bot/slack/refusals.py words each for the user."""

    NO_FIRST_VALUE_CRITERION = "no_first_value_criterion"
    FIRST_VALUE_NOT_MET = "first_value_not_met"
    FIRST_VALUE_UNDEFINED = "first_value_undefined"
    INTEGRATIONS_OPEN = "integrations_open"


# The gist of each refusal, for logs; the user reads the template (bot/slack/refusals.py).
GISTS = {
    Refusal.NO_FIRST_VALUE_CRITERION: "no success criterion is flagged as first value",
    Refusal.FIRST_VALUE_NOT_MET: "mark the customer's first-value criterion met first",
    Refusal.FIRST_VALUE_UNDEFINED: "first value cannot be marked done before it is defined",
    Refusal.INTEGRATIONS_OPEN: "technical setup waits for integrations still open",
}


class MilestoneRefused(Conflict):
    """A milestone that cannot complete yet, and the facts the reply names."""

    def __init__(
        self,
        reason: Refusal,
        company_name: str,
        *,
        criterion: str = "",
        open_integrations: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{company_name}: {GISTS[reason]}")
        self.reason = reason
        self.company_name = company_name
        self.criterion = criterion
        self.open_integrations = list(open_integrations)


def first_value_refusal(onboarding: Onboarding) -> MilestoneRefused | None:
    """Why first value cannot be recorded yet, or None: it needs the customer's own
    first-value criterion (a success criterion flagged is_first_value) met, not "setup done".
    No criterion flagged counts as not met: someone has to flag one with the customer. And
    first value must have been defined (Onboarding.first_value_definition, agreed at the
    kickoff: bot/services/kickoff.record_kickoff)."""
    company = onboarding.company_name
    flagged = next((c for c in onboarding.success_criteria if c.is_first_value), None)
    if flagged is None:
        return MilestoneRefused(Refusal.NO_FIRST_VALUE_CRITERION, company)
    if flagged.met_at is None:
        return MilestoneRefused(Refusal.FIRST_VALUE_NOT_MET, company, criterion=flagged.text)
    if not onboarding.first_value_definition.strip():
        return MilestoneRefused(Refusal.FIRST_VALUE_UNDEFINED, company)
    return None


TECHNICAL_SETUP_MILESTONE = "technical_setup"


def technical_setup_refusal(session: Session, onboarding: Onboarding) -> MilestoneRefused | None:
    """Why technical setup cannot complete yet, or None: every integration (the systems of the
    handoff's technical context, bot/services/integrations.py) must be verified end to end or
    waived with a reason. An onboarding created before integrations existed gets its rows here
    first (a refusal rolls them back and the setup card makes them again)."""
    ensure_integrations(session, onboarding)
    settled = (IntegrationStatus.VERIFIED, IntegrationStatus.WAIVED)
    open_ = [
        i.name
        for i in sorted(onboarding.integrations, key=lambda i: i.id)
        if i.status not in settled
    ]
    if not open_:
        return None
    return MilestoneRefused(
        Refusal.INTEGRATIONS_OPEN, onboarding.company_name, open_integrations=open_
    )


def complete_milestone(
    session: Session, milestone: Milestone, actor: str, *, now: datetime, on_date=None
) -> bool:
    """Mark a milestone complete. False when it already was. The
    first-value milestone is refused (MilestoneRefused) until first_value_refusal has nothing to
    say."""
    if milestone.is_done:
        return False
    if milestone.is_first_value:
        refusal = first_value_refusal(milestone.onboarding)
        if refusal is not None:
            raise refusal
    if milestone.key == TECHNICAL_SETUP_MILESTONE:
        refusal = technical_setup_refusal(session, milestone.onboarding)
        if refusal is not None:
            raise refusal
    milestone.status = MilestoneStatus.COMPLETE
    milestone.completed_at = now
    milestone.completed_on = on_date or now.date()
    milestone.completed_by = actor
    onboarding = milestone.onboarding
    if milestone.is_first_value and onboarding.first_value_at is None:
        onboarding.first_value_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "milestone_completed",
        f"{milestone.name} complete",
        now=now,
        data={"milestone": milestone.key},
    )
    return True


class NotTheReceivingCsm(NotAllowed):
    """Only the receiving CSM acknowledges a handoff; the reply names them."""

    def __init__(self, csm_user_id: str) -> None:
        super().__init__("only the receiving CSM can acknowledge this handoff")
        self.csm_user_id = csm_user_id


def acknowledge_handoff(
    session: Session, onboarding_id: int, actor: str, *, now: datetime
) -> tuple[Onboarding, bool]:
    """The receiving CSM acknowledges: the handoff milestone completes. Returns (onboarding,
    whether this call acknowledged it; False when it already was)."""
    onboarding = get_onboarding(session, onboarding_id)
    if actor != onboarding.csm_user_id:
        raise NotTheReceivingCsm(onboarding.csm_user_id)
    if onboarding.acknowledged_at is not None:
        return onboarding, False
    onboarding.acknowledged_at = now
    onboarding.acknowledged_by = actor
    record_activity(
        session, onboarding, actor, "handoff_acknowledged", "Handoff acknowledged", now=now
    )
    handoff = next((m for m in onboarding.milestones if m.key == HANDOFF_MILESTONE), None)
    if handoff is not None:
        complete_milestone(session, handoff, actor, now=now)
    return onboarding, True


def set_internal_channel(
    session: Session, onboarding_id: int, channel_id: str, actor: str, *, now: datetime
) -> None:
    """The private channel the handoff opened for the team (bot/slack/announce.py)."""
    onboarding = get_onboarding(session, onboarding_id)
    onboarding.internal_channel_id = channel_id
    record_activity(
        session,
        onboarding,
        actor,
        "internal_channel_created",
        f"Internal channel <#{channel_id}> created",
        now=now,
    )


def find_by_company_key(session: Session, key: str) -> list[Onboarding]:
    return list(session.scalars(select(Onboarding).where(Onboarding.company_key == key)))
