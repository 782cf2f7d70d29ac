"""Escalations to CS leadership: who is told, what is stored, and the leader's acknowledgement.

CS leadership is the escalation channel (ONBOARD_ESCALATION_CHANNEL) when one is set, else the
Onboard admins (ONBOARD_ADMINS, each by DM), never the CSM the escalation is about. A cause
(bot/services/escalation_triggers.py) is stored once per onboarding and cause key with who was
told, and its posts (`escalation`, one per recipient) are queued in the same transaction. Only
an admin may acknowledge; the acknowledgement edits every post of the escalation in place, and
a second click changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.config import Settings
from bot.db import insert_unless_exists, lock_row
from bot.models import Escalation, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotAllowed, NotFound
from bot.services.escalation_triggers import Cause, CauseFacts, EscalationRules, Found
from bot.services.health.rules import health_rules
from bot.services.outbox import Post, enqueue, enqueue_update, fact_of, outbox_key, post_data

ESCALATION_KIND = "escalation"
ACKNOWLEDGED_ACTION = "escalation_acknowledged"
CAUSE_NAMES = {
    Cause.HEALTH_RED: "Health check red",
    Cause.CHAMPION_GONE: "Champion gone, no successor",
    Cause.UNACKNOWLEDGED: "Signal unacknowledged",
    Cause.GO_LIVE_SLIP: "Go-live slipped",
}


def escalation_rules(settings: Settings) -> EscalationRules:
    return EscalationRules(
        red_from=health_rules(settings).colour.red_from,
        champion_business_days=settings.escalate_champion_business_days,
        unacknowledged_business_days=settings.escalate_unacknowledged_business_days,
        go_live_slip_percent=settings.escalate_go_live_slip_percent,
        default_timezone=settings.timezone,
    )


@dataclass(frozen=True)
class Leaders:
    """CS leadership as configured: the escalation channel, else the admins."""

    channel_id: str = ""
    admin_user_ids: Sequence[str] = ()

    def told_about(self, csm_user_id: str) -> list[str]:
        """Where an escalation about `csm_user_id`'s onboarding goes: never to that CSM."""
        if self.channel_id:
            return [self.channel_id]
        return sorted({a for a in self.admin_user_ids if a != csm_user_id})


@dataclass(frozen=True)
class EscalationNotice:
    """The data of an `escalation` post, the same for every recipient."""

    escalation_id: int
    onboarding_id: int
    company_name: str
    csm_user_id: str
    timezone: ZoneInfo
    cause: Cause
    facts: CauseFacts
    escalated_at: datetime
    told: list[str]
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def cause_name(self) -> str:
        return CAUSE_NAMES[self.cause]


def _notice(
    escalation: Escalation, onboarding: Onboarding, default_timezone: str
) -> EscalationNotice:
    zone = time_zone(onboarding.timezone, default_timezone)
    return EscalationNotice(
        escalation_id=escalation.id,
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        csm_user_id=onboarding.csm_user_id,
        timezone=zone if isinstance(zone, ZoneInfo) else ZoneInfo(default_timezone),
        cause=Cause(escalation.cause),
        facts=fact_of(CauseFacts, escalation.facts),
        escalated_at=escalation.escalated_at,
        told=list(escalation.told),
        acknowledged_by=escalation.acknowledged_by,
        acknowledged_at=escalation.acknowledged_at,
    )


def _post(notice: EscalationNotice, recipient: str) -> Post:
    return Post(
        key=outbox_key(ESCALATION_KIND, notice.onboarding_id, recipient, str(notice.escalation_id)),
        kind=ESCALATION_KIND,
        channel=recipient,  # the escalation channel, or an admin's DM
        data=post_data(notice),
        onboarding_id=notice.onboarding_id,
        internal=True,  # health and risk: the sender re-checks the channel is not shared
    )


def escalate(
    session: Session, found: Found, leaders: Leaders, *, default_timezone: str, now: datetime
) -> EscalationNotice | None:
    """Store `found` and queue its posts; None when nobody can be told (no admin but the CSM,
    no channel: it is not stored, so it is told once someone can be) or another process
    stored it first."""
    onboarding = session.get(Onboarding, found.onboarding_id)
    if onboarding is None:
        return None
    told = leaders.told_about(onboarding.csm_user_id)
    if not told:
        return None
    values = {
        "onboarding_id": onboarding.id,
        "cause": found.cause.value,
        "cause_key": found.cause_key,
        "facts": post_data(found.facts),
        "escalated_at": now,
        "told": told,
    }
    escalation_id = insert_unless_exists(session, Escalation, values)
    if escalation_id is None:
        return None
    escalation = session.get(Escalation, escalation_id)
    assert escalation is not None
    notice = _notice(escalation, onboarding, default_timezone)
    for recipient in told:
        enqueue(session, _post(notice, recipient), now=now)
    return notice


def acknowledge_escalation(
    session: Session,
    escalation_id: int,
    actor: str,
    *,
    admins: Collection[str],
    default_timezone: str,
    now: datetime,
) -> EscalationNotice:
    """The leader has it: record who and when, and edit every post of it in place. Only an
    admin may; an escalation acknowledged before is refused (Conflict) and left as it was."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound("this escalation no longer exists", template="escalation_gone")
    onboarding = session.get(Onboarding, escalation.onboarding_id)
    assert onboarding is not None  # the foreign key cascades
    if actor not in admins:
        raise NotAllowed(
            f"only an admin may acknowledge an escalation about {onboarding.company_name}",
            template="refusal_escalation_not_admin",
            company=onboarding.company_name,
        )
    lock_row(session, Escalation, escalation.id)  # two leaders clicking at once: one wins
    session.refresh(escalation)
    if escalation.acknowledged_at is not None:
        raise Conflict(
            "escalation already acknowledged",
            template="escalation_already_acknowledged",
            by=escalation.acknowledged_by,
            at=escalation.acknowledged_at.astimezone(
                time_zone(onboarding.timezone, default_timezone)
            ),
        )
    escalation.acknowledged_at, escalation.acknowledged_by = now, actor
    notice = _notice(escalation, onboarding, default_timezone)
    for recipient in notice.told:
        enqueue_update(session, _post(notice, recipient), now=now)
    _record(session, onboarding, actor, notice, now)
    return notice


def _record(
    session: Session, onboarding: Onboarding, actor: str, notice: EscalationNotice, now: datetime
) -> None:
    # A leader's acknowledgement is not work on the onboarding: it must not end the silence.
    last_activity = onboarding.last_activity_at
    record_activity(
        session,
        onboarding,
        actor,
        ACKNOWLEDGED_ACTION,
        f"Acknowledged the escalation: {notice.cause_name}",
        now=now,
        data={"escalation": notice.escalation_id, "cause": notice.cause.value},
    )
    onboarding.last_activity_at = last_activity
