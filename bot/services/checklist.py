"""The checklist of an onboarding's phase: reading it, ticking and unticking, adding items."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import ChecklistItem, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.status import next_pending
from bot.text import truncate

ITEM_TEXT_MAX = 300
ADD_ITEMS_MAX = 50
NAMED_IN_ACTIVITY_MAX = 3


class ChecklistInvalid(DomainError):
    """The submitted checklist cannot be saved; `message` goes next to the add-items field."""


@dataclass(frozen=True)
class PhaseRef:
    key: str
    name: str


@dataclass(frozen=True)
class ChecklistLine:
    item_id: int
    text: str
    owner_role: str
    done_by: str | None
    done_at: datetime | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class Checklist:
    """One phase's items, with the phases to switch to; `current_key` is where the work is."""

    onboarding_id: int
    company_name: str
    phase: PhaseRef
    current_key: str
    phases: list[PhaseRef]
    items: list[ChecklistLine]

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.done)


@dataclass(frozen=True)
class ChecklistEdit:
    """What the user saw (`shown_ids`, of which `done_at_open` were ticked) and what they saved.

    Only the boxes they changed are applied, so a tick someone else made meanwhile survives."""

    onboarding_id: int
    phase_key: str
    shown_ids: frozenset[int]
    done_at_open: frozenset[int]
    checked_ids: frozenset[int]
    new_items_text: str = ""


@dataclass(frozen=True)
class ChecklistChange:
    onboarding_id: int
    company_name: str
    phase_name: str
    checked: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.checked or self.unchecked or self.added)

    def summary(self) -> str:
        """`2 checked, 1 added`, or `no changes`."""
        parts = [
            f"{len(names)} {verb}"
            for names, verb in (
                (self.checked, "checked"),
                (self.unchecked, "unchecked"),
                (self.added, "added"),
            )
            if names
        ]
        return ", ".join(parts) or "no changes"


def current_phase_key(onboarding: Onboarding) -> str:
    """The phase of the next milestone due; the last phase once every milestone is done."""
    nxt = next_pending(onboarding)
    if nxt is not None:
        return nxt.phase_key
    return onboarding.phases[-1].key if onboarding.phases else ""


def _phases(onboarding: Onboarding) -> list[PhaseRef]:
    phases = [PhaseRef(p.key, p.name) for p in onboarding.phases]
    known = {p.key for p in phases}
    for item in onboarding.checklist_items:
        if item.phase_key not in known:
            known.add(item.phase_key)
            phases.append(PhaseRef(item.phase_key, item.phase_key.replace("_", " ").title()))
    return phases


def _line(item: ChecklistItem) -> ChecklistLine:
    return ChecklistLine(item.id, item.text, item.owner_role, item.done_by, item.done_at)


def build_checklist(onboarding: Onboarding, phase_key: str | None = None) -> Checklist:
    """The checklist of `phase_key` (the current phase when None or unknown); no queries."""
    phases = _phases(onboarding)
    current = current_phase_key(onboarding)
    by_key = {p.key: p for p in phases}
    chosen = by_key.get(phase_key or "") or by_key.get(current) or PhaseRef(current, current)
    return Checklist(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        phase=chosen,
        current_key=current,
        phases=phases,
        items=[_line(c) for c in onboarding.checklist_items if c.phase_key == chosen.key],
    )


def _load(session: Session, onboarding_id: int) -> Onboarding:
    return get_onboarding(
        session,
        onboarding_id,
        Onboarding.phases,
        Onboarding.milestones,
        Onboarding.checklist_items,
    )


def open_checklist(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    phase_key: str | None = None,
) -> Checklist:
    """The checklist for someone who may change it; NotAllowed names who can."""
    onboarding = _load(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    return build_checklist(onboarding, phase_key)


def parse_new_items(text: str) -> list[str]:
    """One item per non-blank line; ChecklistInvalid names the first line that is too long."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    items = [line for line in lines if line]
    for number, line in enumerate(lines, start=1):
        if len(line) > ITEM_TEXT_MAX:
            raise ChecklistInvalid(
                f"Line {number} is {len(line)} characters long; "
                f"keep each item to {ITEM_TEXT_MAX} at most."
            )
    if len(items) > ADD_ITEMS_MAX:
        raise ChecklistInvalid(f"Add at most {ADD_ITEMS_MAX} items at a time ({len(items)} given).")
    return items


def _apply_ticks(
    onboarding: Onboarding, edit: ChecklistEdit, actor: str, now: datetime
) -> tuple[list[ChecklistItem], list[ChecklistItem]]:
    checked: list[ChecklistItem] = []
    unchecked: list[ChecklistItem] = []
    for item in onboarding.checklist_items:
        if item.id not in edit.shown_ids:
            continue
        wanted, was = item.id in edit.checked_ids, item.id in edit.done_at_open
        if wanted and not was and item.done_at is None:
            item.done_at, item.done_by = now, actor
            checked.append(item)
        elif was and not wanted and item.done_at is not None:
            item.done_at = item.done_by = None
            unchecked.append(item)
    return checked, unchecked


def _add_items(
    onboarding: Onboarding, phase_key: str, texts: list[str], actor: str
) -> list[ChecklistItem]:
    position = max((c.position for c in onboarding.checklist_items), default=-1) + 1
    role = "ae" if actor == onboarding.ae_user_id else "csm"
    added = [
        ChecklistItem(position=position + i, phase_key=phase_key, text=text, owner_role=role)
        for i, text in enumerate(texts)
    ]
    onboarding.checklist_items.extend(added)
    return added


def _named(verb: str, items: list[ChecklistItem]) -> str:
    names = [f"“{truncate(item.text, 60)}”" for item in items[:NAMED_IN_ACTIVITY_MAX]]
    more = f" and {len(items) - len(names)} more" if len(items) > len(names) else ""
    return f"{verb} {', '.join(names)}{more}"


def _activity_detail(
    phase_name: str,
    checked: list[ChecklistItem],
    unchecked: list[ChecklistItem],
    added: list[ChecklistItem],
) -> str:
    parts = [
        _named(verb, items)
        for verb, items in (("checked", checked), ("unchecked", unchecked), ("added", added))
        if items
    ]
    return f"Checklist ({phase_name}): " + "; ".join(parts)


def save_checklist(
    session: Session,
    edit: ChecklistEdit,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> ChecklistChange:
    """Apply the ticks the user changed and add their new items, as one activity entry;
    nothing is written when nothing changed."""
    onboarding = _load(session, edit.onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    texts = parse_new_items(edit.new_items_text)
    phase = build_checklist(onboarding, edit.phase_key).phase
    checked, unchecked = _apply_ticks(onboarding, edit, actor, now)
    added = _add_items(onboarding, phase.key, texts, actor)
    change = ChecklistChange(
        onboarding.id,
        onboarding.company_name,
        phase.name,
        [c.text for c in checked],
        [c.text for c in unchecked],
        [c.text for c in added],
    )
    if not change.changed:
        return change
    session.flush()
    record_activity(
        session,
        onboarding,
        actor,
        "checklist_updated",
        _activity_detail(phase.name, checked, unchecked, added),
        now=now,
        data={
            "phase": phase.key,
            "checked": [c.id for c in checked],
            "unchecked": [c.id for c in unchecked],
            "added": [c.id for c in added],
        },
    )
    return change
