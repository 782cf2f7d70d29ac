"""Reading and changing an onboarding: lookup, acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from bot.models import Milestone, MilestoneStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotAllowed, NotFound
from bot.slack.mrkdwn import escape

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


def first_value_refusal(onboarding: Onboarding) -> str | None:
    """Why first value cannot be recorded yet, or None: it needs the customer's own
    first-value criterion (a success criterion flagged is_first_value) met, not "setup done".
    No criterion flagged counts as not met: someone has to flag one with the customer. And
    first value must have been defined (Onboarding.first_value_definition, agreed at the
    kickoff: bot/services/kickoff.record_kickoff)."""
    criteria = onboarding.success_criteria
    how = f"`/onboard criteria {escape(onboarding.company_name)}`"
    flagged = next((c for c in criteria if c.is_first_value), None)
    if flagged is None:
        return (
            f"First value needs the customer's own first-value criterion, and none of "
            f"*{escape(onboarding.company_name)}*'s success criteria is flagged as it yet. "
            f"Flag one (or add it) and mark the customer's first-value criterion met first: "
            f"{how}"
        )
    if flagged.met_at is None:
        return (
            "First value is the customer's own value event, not setup done: "
            f"mark the customer's first-value criterion met first: {how} "
            f"(“{escape(flagged.text[:200])}”, with its evidence)."
        )
    if not onboarding.first_value_definition.strip():
        return (
            f"First value cannot be marked done before it is defined: record what first value "
            f"means for *{escape(onboarding.company_name)}* when you complete the kickoff "
            f"(`/onboard done {escape(onboarding.company_name)} kickoff` asks for it)."
        )
    return None


TECHNICAL_SETUP_MILESTONE = "technical_setup"
OPEN_NAMED_MAX = 10


def technical_setup_refusal(session: Session, onboarding: Onboarding) -> str | None:
    """Why technical setup cannot complete yet, or None: every integration (the systems of the
    handoff's technical context, bot/services/integrations.py) must be verified end to end or
    waived with a reason. An onboarding created before integrations existed gets its rows here
    first (the caller commits; a refusal rolls them back and the setup card makes them again)."""
    from bot.models import IntegrationStatus
    from bot.services.integrations import ensure_integrations

    ensure_integrations(session, onboarding)
    settled = (IntegrationStatus.VERIFIED, IntegrationStatus.WAIVED)
    open_ = [
        i for i in sorted(onboarding.integrations, key=lambda i: i.id) if i.status not in settled
    ]
    if not open_:
        return None
    names = ", ".join(f"*{escape(i.name)}*" for i in open_[:OPEN_NAMED_MAX])
    more = f" and {len(open_) - OPEN_NAMED_MAX} more" if len(open_) > OPEN_NAMED_MAX else ""
    return (
        f"Technical setup cannot complete until every integration is verified end to end or "
        f"waived with a reason. Still open: {names}{more}. Update them with "
        f"`/onboard setup {escape(onboarding.company_name)}`."
    )


def complete_milestone(
    session: Session, milestone: Milestone, actor: str, *, now: datetime, on_date=None
) -> bool:
    """Mark a milestone complete (the caller commits). False when it already was. The
    first-value milestone is refused (Conflict) until first_value_refusal has nothing to say."""
    if milestone.is_done:
        return False
    if milestone.is_first_value:
        refusal = first_value_refusal(milestone.onboarding)
        if refusal is not None:
            raise Conflict(refusal)
    if milestone.key == TECHNICAL_SETUP_MILESTONE:
        refusal = technical_setup_refusal(session, milestone.onboarding)
        if refusal is not None:
            raise Conflict(refusal)
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


def acknowledge_handoff(
    session: Session, onboarding_id: int, actor: str, *, now: datetime
) -> tuple[Onboarding, bool]:
    """The receiving CSM acknowledges: the handoff milestone completes. Returns (onboarding,
    whether this call acknowledged it; False when it already was)."""
    onboarding = get_onboarding(session, onboarding_id)
    if actor != onboarding.csm_user_id:
        raise NotAllowed(
            f"Only the receiving CSM (<@{onboarding.csm_user_id}>) can acknowledge this handoff."
        )
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
    session.commit()
    return onboarding, True


def set_internal_channel(
    session: Session, onboarding: Onboarding, channel_id: str, actor: str, *, now: datetime
) -> None:
    onboarding.internal_channel_id = channel_id
    record_activity(
        session,
        onboarding,
        actor,
        "internal_channel_created",
        f"Internal channel <#{channel_id}> created",
        now=now,
    )
    session.commit()


def find_by_company_key(session: Session, key: str) -> list[Onboarding]:
    return list(session.scalars(select(Onboarding).where(Onboarding.company_key == key)))
