"""Change requests (`/onboard change <customer> <what>`): scope asked for after the handoff.

Anyone of ours may log one; it is numbered per onboarding (CR-1, CR-2...), recorded in the
activity log and sent to the CSM as a card (a `change_request` post to their DM) with Approve and
Defer. Only the CSM, the AE or an admin decides. Approving may add a milestone or a checklist
item to the plan; deferring puts the request in the parking lot, which the transition report
lists. Each decision is in the activity log and edits the card in place. Approved requests are
what the "Scope growing" signal measures against the plan made at the handoff.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.calendar import plan_date_problem
from bot.db import lock_row
from bot.models import ChangeRequest, ChangeStatus, ChecklistItem, Milestone, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue_update, outbox_key, post_data
from bot.services.permissions import ensure_can_change
from bot.text import truncate

CHANGE_CARD_KIND = "change_request"
REQUESTED_ACTION = "change_requested"
APPROVED_ACTION = "change_approved"
DEFERRED_ACTION = "change_deferred"
TEXT_MAX = 1000
MILESTONE_NAME_MAX = 120  # Milestone.name
ITEM_TEXT_MAX = 500  # ChecklistItem.text
ADDED_ITEM_OWNER = "csm"


class AddKind(enum.StrEnum):
    NOTHING = "nothing"
    MILESTONE = "milestone"
    CHECKLIST = "checklist"


ADDED_LABELS = {AddKind.MILESTONE: "milestone", AddKind.CHECKLIST: "checklist item"}


class ChangeField(enum.StrEnum):
    """The approval modal's fields; the values are its block ids."""

    ADD = "change-add"
    TEXT = "change-text"
    DUE = "change-due"
    PHASE = "change-phase"


class ChangeInvalid(Exception):
    """An approval the rules refuse; `errors` maps each field's block id to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ChangeCard:
    """One change request as its card shows it (stored in the outbox as the post's data)."""

    change_id: int
    onboarding_id: int
    company_name: str
    csm_user_id: str
    number: int
    text: str
    requested_by: str
    status: str
    decided_by: str | None = None
    added_kind: str = ""
    added_text: str = ""
    added_due: date | None = None


@dataclass(frozen=True)
class PhaseChoice:
    key: str
    name: str


@dataclass(frozen=True)
class ApprovalForm:
    """What the approval modal shows: the request, and the phases an addition may go in."""

    card: ChangeCard
    phases: list[PhaseChoice]
    current_phase: str | None


@dataclass(frozen=True)
class ApprovalRequest:
    add: AddKind = AddKind.NOTHING
    text: str = ""
    due: date | None = None
    phase_key: str | None = None


def _card(onboarding: Onboarding, change: ChangeRequest, due: date | None = None) -> ChangeCard:
    return ChangeCard(
        change.id,
        onboarding.id,
        onboarding.company_name,
        onboarding.csm_user_id,
        change.number,
        change.text,
        change.requested_by,
        change.status,
        change.decided_by,
        change.added_kind,
        change.added_text,
        due,
    )


def _queue_card(session: Session, onboarding: Onboarding, card: ChangeCard, now: datetime) -> None:
    """The CSM's card, posted once and edited in place when the request is decided."""
    post = Post(
        key=outbox_key(CHANGE_CARD_KIND, onboarding.id, subject=f"cr-{card.number}"),
        kind=CHANGE_CARD_KIND,
        channel=onboarding.csm_user_id,
        data=post_data(card),
        onboarding_id=onboarding.id,
    )
    enqueue_update(session, post, now=now)


def log_change(
    session: Session, onboarding_id: int, text: str, actor: str, *, now: datetime
) -> ChangeCard:
    """Record the request, numbered after the onboarding's last one, and queue the CSM's card."""
    text = " ".join(text.split())
    onboarding = get_onboarding(session, onboarding_id)
    if not text:
        raise Conflict("a change request needs a description", template="change_needs_text")
    lock_row(session, Onboarding, onboarding.id)  # numbers are taken in turn
    last = session.scalar(
        select(func.max(ChangeRequest.number)).where(ChangeRequest.onboarding_id == onboarding.id)
    )
    change = ChangeRequest(
        onboarding_id=onboarding.id,
        number=(last or 0) + 1,
        text=truncate(text, TEXT_MAX),
        requested_by=actor,
        requested_at=now,
        status=ChangeStatus.OPEN,
    )
    session.add(change)
    session.flush()
    record_activity(
        session,
        onboarding,
        actor,
        REQUESTED_ACTION,
        f"Change request CR-{change.number}: {change.text}",
        now=now,
        data={"number": change.number},
    )
    card = _card(onboarding, change)
    _queue_card(session, onboarding, card, now)
    return card


def _open_change(
    session: Session, change_id: int, actor: str, admins: Collection[str]
) -> tuple[Onboarding, ChangeRequest]:
    change = session.get(ChangeRequest, change_id)
    if change is None:
        raise NotFound(f"change request #{change_id} does not exist", template="change_not_found")
    onboarding = get_onboarding(
        session, change.onboarding_id, Onboarding.phases, Onboarding.milestones
    )
    ensure_can_change(onboarding, actor, admins)
    if change.status != ChangeStatus.OPEN:
        raise Conflict(
            f"CR-{change.number} is already {change.status}",
            template="change_already_decided",
            company=onboarding.company_name,
            number=change.number,
            status=change.status,
            decided_by=change.decided_by or "",
        )
    return onboarding, change


def approval_form(
    session: Session, change_id: int, actor: str, *, admins: Collection[str]
) -> ApprovalForm:
    onboarding, change = _open_change(session, change_id, actor, admins)
    return ApprovalForm(
        _card(onboarding, change),
        [PhaseChoice(p.key, p.name) for p in onboarding.phases],
        _current_phase(onboarding),
    )


def _current_phase(onboarding: Onboarding) -> str | None:
    """The phase of the open milestone due first (the status card's current phase)."""
    pending = [m for m in onboarding.milestones if not m.is_done]
    first = min(pending, key=lambda m: (m.due_date, m.position), default=None)
    return first.phase_key if first else None


def _errors(
    asked: ApprovalRequest, phases: Collection[str], holidays: Collection[date]
) -> dict[str, str]:
    if asked.add is AddKind.NOTHING:
        return {}
    errors: dict[str, str] = {}
    text = " ".join(asked.text.split())
    limit = MILESTONE_NAME_MAX if asked.add is AddKind.MILESTONE else ITEM_TEXT_MAX
    if not text:
        errors[ChangeField.TEXT] = f"Name the {asked.add.value} to add."
    elif len(text) > limit:
        errors[ChangeField.TEXT] = f"{len(text):,} characters; {limit} at most."
    if asked.add is AddKind.MILESTONE:
        if asked.due is None:
            errors[ChangeField.DUE] = "Pick the new milestone's due date."
        elif problem := plan_date_problem(asked.due, holidays):
            errors[ChangeField.DUE] = problem
    if asked.phase_key is not None and asked.phase_key not in phases:
        errors[ChangeField.PHASE] = "Pick one of the plan's phases."
    return errors


def approve_change(
    session: Session,
    change_id: int,
    asked: ApprovalRequest,
    actor: str,
    *,
    admins: Collection[str],
    holidays: Collection[date],
    now: datetime,
) -> ChangeCard:
    """Approve (ChangeInvalid, nothing changed, when the addition is refused), add what was
    asked to the plan, record the decision and edit the CSM's card."""
    onboarding, change = _open_change(session, change_id, actor, admins)
    phases = [p.key for p in onboarding.phases]
    errors = _errors(asked, phases, holidays)
    if errors:
        raise ChangeInvalid(errors)
    text = " ".join(asked.text.split())
    phase_key = asked.phase_key or _current_phase(onboarding) or (phases[-1] if phases else "")
    if asked.add is AddKind.MILESTONE and asked.due is not None:
        _add_milestone(session, onboarding, change.number, text, phase_key, asked.due)
    elif asked.add is AddKind.CHECKLIST:
        _add_item(session, onboarding, text, phase_key)
    change.status, change.decided_by, change.decided_at = ChangeStatus.APPROVED, actor, now
    change.added_kind = "" if asked.add is AddKind.NOTHING else asked.add.value
    change.added_text = text if change.added_kind else ""
    added = f"; added the {ADDED_LABELS[asked.add]} {text}" if change.added_kind else ""
    record_activity(
        session,
        onboarding,
        actor,
        APPROVED_ACTION,
        f"Change request CR-{change.number} approved: {change.text}{added}",
        now=now,
        data={"number": change.number, "added": change.added_kind, "text": change.added_text},
    )
    card = _card(onboarding, change, asked.due if asked.add is AddKind.MILESTONE else None)
    _queue_card(session, onboarding, card, now)
    return card


def _add_milestone(
    session: Session, onboarding: Onboarding, number: int, name: str, phase_key: str, due: date
) -> None:
    """In plan order: after the milestones due on or before it."""
    milestones = onboarding.milestones
    position = sum(1 for m in milestones if m.due_date <= due)
    for m in milestones:
        if m.position >= position:
            m.position += 1
    milestones.append(
        Milestone(
            position=position,
            key=f"change_{number}",
            name=name,
            phase_key=phase_key,
            due_date=due,
        )
    )
    milestones.sort(key=lambda m: m.position)


def _add_item(session: Session, onboarding: Onboarding, text: str, phase_key: str) -> None:
    last = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.onboarding_id == onboarding.id)
    )
    session.add(
        ChecklistItem(
            onboarding_id=onboarding.id,
            position=(last if last is not None else -1) + 1,
            phase_key=phase_key,
            text=text,
            owner_role=ADDED_ITEM_OWNER,
        )
    )


def defer_change(
    session: Session, change_id: int, actor: str, *, admins: Collection[str], now: datetime
) -> ChangeCard:
    """To the parking lot: recorded, kept for the transition report, the card edited."""
    onboarding, change = _open_change(session, change_id, actor, admins)
    change.status, change.decided_by, change.decided_at = ChangeStatus.DEFERRED, actor, now
    record_activity(
        session,
        onboarding,
        actor,
        DEFERRED_ACTION,
        f"Change request CR-{change.number} deferred to the parking lot: {change.text}",
        now=now,
        data={"number": change.number},
    )
    card = _card(onboarding, change)
    _queue_card(session, onboarding, card, now)
    return card


def open_change_count(onboarding: Onboarding) -> int:
    """Requests logged and not yet decided, read from the loaded activity log (no query)."""
    numbers: dict[int, bool] = {}
    for entry in onboarding.activity:
        number = entry.data.get("number") if isinstance(entry.data, dict) else None
        if not isinstance(number, int):
            continue
        if entry.action == REQUESTED_ACTION:
            numbers.setdefault(number, True)
        elif entry.action in (APPROVED_ACTION, DEFERRED_ACTION):
            numbers[number] = False
    return sum(1 for is_open in numbers.values() if is_open)


def parking_lot(session: Session, onboarding_id: int) -> list[str]:
    """The deferred requests, oldest first ("CR-2: SSO for the contractors' portal")."""
    rows = session.scalars(
        select(ChangeRequest)
        .where(
            ChangeRequest.onboarding_id == onboarding_id,
            ChangeRequest.status == ChangeStatus.DEFERRED,
        )
        .order_by(ChangeRequest.number)
    )
    return [f"CR-{c.number}: {c.text}" for c in rows]
