"""Commitments: the promises made during the sale, tracked with an owner and a due date until
they are done or dropped (with a reason). An open one past its due date is the "commitment past
due" signal (bot/services/signals.py reads only open ones)."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.models import Commitment, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import truncate

REASON_MAX = 1000
NAMED_MAX = 80


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class CommitmentField(enum.StrEnum):
    """The modals' fields; the values double as their block ids."""

    REASON = "commitment-reason"
    OWNER = "commitment-owner"
    DUE_DATE = "commitment-due-date"


class CommitmentInvalid(DomainError):
    def __init__(self, errors: dict[CommitmentField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CommitmentLine:
    commitment_id: int
    text: str
    owner_user_id: str | None
    due_date: date | None
    status: str
    closed_at: datetime | None
    closed_by: str | None
    dropped_reason: str

    @property
    def is_open(self) -> bool:
        return self.status == CommitmentStatus.OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class CommitmentList:
    onboarding_id: int
    company_name: str
    lines: list[CommitmentLine]

    @property
    def open(self) -> list[CommitmentLine]:
        return [c for c in self.lines if c.is_open]

    @property
    def closed(self) -> list[CommitmentLine]:
        return [c for c in self.lines if not c.is_open]


@dataclass(frozen=True)
class CommitmentChange:
    onboarding_id: int
    company_name: str
    text: str
    status: str
    changed: bool = True


def _line(c: Commitment) -> CommitmentLine:
    return CommitmentLine(
        c.id,
        c.text,
        c.owner_user_id,
        c.due_date,
        c.status,
        c.closed_at,
        c.closed_by,
        c.dropped_reason,
    )


def load_commitments(session: Session, onboarding_id: int) -> CommitmentList:
    """Open ones first, by due date; then the closed ones."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.commitments)
    ordered = sorted(
        onboarding.commitments,
        key=lambda c: (c.status != CommitmentStatus.OPEN, c.due_date or date.max, c.id),
    )
    return CommitmentList(onboarding.id, onboarding.company_name, [_line(c) for c in ordered])


def _changeable(
    session: Session, commitment_id: int, actor: str, admins: Collection[str]
) -> Commitment:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("That commitment no longer exists.")
    ensure_can_change(commitment.onboarding, actor, admins)
    return commitment


def open_commitment(
    session: Session, commitment_id: int, actor: str, *, admins: Collection[str]
) -> tuple[int, str, CommitmentLine]:
    """The onboarding, its company and the commitment, for a modal; NotAllowed names who can
    change it."""
    commitment = _changeable(session, commitment_id, actor, admins)
    return commitment.onboarding_id, commitment.onboarding.company_name, _line(commitment)


def _change(commitment: Commitment, changed: bool = True) -> CommitmentChange:
    onboarding = commitment.onboarding
    return CommitmentChange(
        onboarding.id, onboarding.company_name, commitment.text, commitment.status, changed
    )


def _close(
    session: Session,
    commitment_id: int,
    status: CommitmentStatus,
    actor: str,
    admins: Collection[str],
    now: datetime,
    reason: str = "",
) -> CommitmentChange:
    commitment = _changeable(session, commitment_id, actor, admins)
    if commitment.status != CommitmentStatus.OPEN:
        return _change(commitment, changed=False)
    commitment.status = status
    commitment.closed_at, commitment.closed_by = now, actor
    commitment.dropped_reason = reason
    what = truncate(commitment.text, NAMED_MAX)
    detail = (
        f"Commitment done: {what}"
        if status == CommitmentStatus.DONE
        else f"Commitment dropped: {what} (reason: {truncate(reason, 300)})"
    )
    record_activity(
        session,
        commitment.onboarding,
        actor,
        f"commitment_{status}",
        detail,
        now=now,
        data={"commitment": commitment.id},
    )
    return _change(commitment)


def complete_commitment(
    session: Session, commitment_id: int, actor: str, *, admins: Collection[str], now: datetime
) -> CommitmentChange:
    """Kept: done. A commitment already done or dropped is left as it is (changed False)."""
    return _close(session, commitment_id, CommitmentStatus.DONE, actor, admins, now)


def drop_commitment(
    session: Session,
    commitment_id: int,
    reason: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> CommitmentChange:
    """Not kept, on purpose: the reason is required and recorded."""
    reason = reason.strip()
    if not reason:
        raise CommitmentInvalid({CommitmentField.REASON: "Say why it is dropped."})
    if len(reason) > REASON_MAX:
        raise CommitmentInvalid(
            {CommitmentField.REASON: f"Keep the reason to {REASON_MAX} characters."}
        )
    return _close(session, commitment_id, CommitmentStatus.DROPPED, actor, admins, now, reason)


def edit_commitment(
    session: Session,
    commitment_id: int,
    owner_user_id: str | None,
    due_date: date | None,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> CommitmentChange:
    """A new owner or due date for an open commitment; both are required."""
    errors: dict[CommitmentField, str] = {}
    if not owner_user_id:
        errors[CommitmentField.OWNER] = "Choose who owns it."
    if due_date is None:
        errors[CommitmentField.DUE_DATE] = "Choose when it is due."
    if errors:
        raise CommitmentInvalid(errors)
    commitment = _changeable(session, commitment_id, actor, admins)
    if commitment.status != CommitmentStatus.OPEN:
        raise CommitmentInvalid(
            {CommitmentField.OWNER: f"This commitment is already {commitment.status}."}
        )
    changes = []
    if commitment.owner_user_id != owner_user_id:
        changes.append(f"owner <@{owner_user_id}>")
    if commitment.due_date != due_date:
        changes.append(f"due {due_date:%Y-%m-%d}")
    if not changes:
        return _change(commitment, changed=False)
    commitment.owner_user_id, commitment.due_date = owner_user_id, due_date
    record_activity(
        session,
        commitment.onboarding,
        actor,
        "commitment_updated",
        f"Commitment {truncate(commitment.text, NAMED_MAX)}: {', '.join(changes)}",
        now=now,
        data={"commitment": commitment.id},
    )
    return _change(commitment)
