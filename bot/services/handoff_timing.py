"""The handoff's own timing (the playbook's `handoff_timing`): the handoff document, the AE's
warm intro, the internal handoff meeting and the first CS contact, each a dated commitment
from the moment the deal closed or the handoff was submitted.

They are ordinary commitments (with a `timing_key`), so the commitments card lists them, their
owner closes them, and one past due is the "commitment past due" signal. Two close themselves:
the handoff document when the handoff is submitted, the first contact when the CSM logs a
contact with a stakeholder or holds the kickoff.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.calendar import shift_business_days
from bot.models import Commitment, Onboarding
from bot.playbooks import HandoffTimingDef, Playbook
from bot.services.activity import record_activity
from bot.services.commitments import CommitmentStatus

HANDOFF_DOCUMENT = "handoff_document"
FIRST_CONTACT = "first_contact"


@dataclass(frozen=True)
class HandoffMoments:
    """When the deal closed and when the handoff reached Onboard (both local days)."""

    closed_on: date
    submitted_on: date


def due_day(timing: HandoffTimingDef, moments: HandoffMoments) -> date:
    """`within_hours` as whole business days from its start: 24 hours is the next business day."""
    since = moments.closed_on if timing.since == "close" else moments.submitted_on
    return shift_business_days(since, math.ceil(timing.within_hours / 24))


def timing_commitments(
    playbook: Playbook,
    moments: HandoffMoments,
    *,
    ae_user_id: str,
    csm_user_id: str,
    now: datetime,
) -> list[Commitment]:
    """The playbook's timing commitments for a handoff submitted `now` by `ae_user_id`; the
    handoff document is done already (late when submitted after its due day)."""
    rows = []
    for timing in playbook.handoff_timing:
        row = Commitment(
            text=timing.text,
            due_date=due_day(timing, moments),
            owner_user_id=ae_user_id if timing.owner == "ae" else csm_user_id,
            timing_key=timing.key,
            status=CommitmentStatus.OPEN,
        )
        if timing.key == HANDOFF_DOCUMENT:
            _close(row, ae_user_id, now)
        rows.append(row)
    return rows


def record_first_contact(
    session: Session, onboarding: Onboarding, actor: str, *, now: datetime
) -> bool:
    """The customer heard from CS (a logged contact, the kickoff): close the open first-contact
    commitment, noting in the timeline how long it took. False when there is none open."""
    row = next(
        (
            c
            for c in onboarding.commitments
            if c.timing_key == FIRST_CONTACT and c.status == CommitmentStatus.OPEN
        ),
        None,
    )
    if row is None:
        return False
    _close(row, actor, now)
    late = row.due_date is not None and now.date() > row.due_date
    record_activity(
        session,
        onboarding,
        actor,
        "first_contact",
        "First CS contact made" + (f" after its due day ({row.due_date:%Y-%m-%d})" if late else ""),
        now=now,
        data={"due": row.due_date.isoformat() if row.due_date else None, "late": late},
    )
    return True


def _close(row: Commitment, actor: str, now: datetime) -> None:
    row.status = CommitmentStatus.DONE
    row.closed_at = now
    row.closed_by = actor
