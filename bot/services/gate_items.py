"""The go-live gate's items: which checklist items are gate items, their groups and owners,
the blocker a NO answer opens and the YES answers' ticks (bot/services/gate.py decides).

The gate items are the onboarding's checklist items with `is_gate=True`, created from the
playbook's `gate:` list. `instantiate_playbook` stores each one's group in its text, as
`"[technical] Core configuration complete and tested"`; `gate_items` reads the group back from
that prefix, and for an item without one, from the playbook item of the same text (else
"other"). No schema change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Blocker, ChecklistItem, Onboarding
from bot.playbooks import Playbook
from bot.services.activity import record_activity
from bot.services.blockers import REASON_MAX
from bot.text import truncate

GROUPS = ("technical", "operational", "business", "support")
OTHER_GROUP = "other"
BLOCKER_PREFIX = "Go-live gate: "
_GROUP_PREFIX = re.compile(r"^\[([a-z_]+)\]\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class GateItem:
    item_id: int
    group: str
    text: str
    owner_role: str
    # The answer of the latest review, to start from when the gate is opened again.
    previous: bool | None = None
    previous_note: str = ""


@dataclass(frozen=True)
class GateCheck:
    """An automatic gate check (bot/services/gate_checks.py)."""

    key: str  # pilot_done | no_open_blockers
    text: str  # what the gate asks, e.g. "No open blocker"
    passed: bool
    reasons: list[str] = field(default_factory=list)  # why it failed, one line each


@dataclass(frozen=True)
class GateForm:
    """What the readiness modal shows."""

    onboarding_id: int
    company_name: str
    items: list[GateItem]
    can_override: bool
    last_outcome: str | None = None
    checks: list[GateCheck] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[GateCheck]:
        return [c for c in self.checks if not c.passed]

    def by_group(self) -> list[tuple[str, list[GateItem]]]:
        order = [*GROUPS, *sorted({i.group for i in self.items} - set(GROUPS))]
        return [(g, [i for i in self.items if i.group == g]) for g in order if self.has(g)]

    def has(self, group: str) -> bool:
        return any(i.group == group for i in self.items)


@dataclass(frozen=True)
class GateAnswer:
    item_id: int
    yes: bool | None  # None: not answered
    note: str = ""


@dataclass(frozen=True)
class GateBlocker:
    item_text: str
    reason: str
    owner_user_id: str
    new: bool  # False: an open blocker for this item already existed


def split_group(text: str) -> tuple[str | None, str]:
    """`"[technical] SSO working"` -> ("technical", "SSO working"); no prefix -> (None, text)."""
    match = _GROUP_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), match.group(2)


def gate_items(onboarding: Onboarding, playbook: Playbook | None = None) -> list[GateItem]:
    """The onboarding's gate items in playbook order, each with its group (see module doc)."""
    from_playbook = {g.text: g.group for g in playbook.gate} if playbook else {}
    previous = _previous_answers(onboarding)
    items: list[GateItem] = []
    for item in sorted(
        (c for c in onboarding.checklist_items if c.is_gate), key=lambda c: (c.position, c.id)
    ):
        group, text = split_group(item.text)
        if group is None:
            group = from_playbook.get(text, OTHER_GROUP)
        answer = previous.get(item.id, {})
        yes = answer.get("yes")
        items.append(
            GateItem(
                item.id,
                group,
                text,
                item.owner_role,
                yes if isinstance(yes, bool) else None,
                str(answer.get("note") or ""),
            )
        )
    return items


def _previous_answers(onboarding: Onboarding) -> dict[int, dict[str, object]]:
    latest = onboarding.gate_reviews[-1] if onboarding.gate_reviews else None
    if latest is None:
        return {}
    return {a["item_id"]: a for a in latest.answers if isinstance(a, dict) and "item_id" in a}


def owner_for(onboarding: Onboarding, owner_role: str) -> str:
    """The person who owns a gate item's blocker: the AE for AE items, else the CSM."""
    return onboarding.ae_user_id if owner_role == "ae" else onboarding.csm_user_id


def blocker_reason(item: GateItem, note: str) -> str:
    reason = f"{BLOCKER_PREFIX}{item.text} ({item.group})"
    if note:
        reason += f" — {note}"
    return truncate(reason, REASON_MAX)


def is_item_blocker(blocker: Blocker, item: GateItem) -> bool:
    """An open blocker a refusal opened for this item."""
    return blocker.resolved_at is None and blocker.reason.startswith(
        f"{BLOCKER_PREFIX}{item.text} ("
    )


def open_item_blocker(
    session: Session,
    onboarding: Onboarding,
    item: GateItem,
    answer: GateAnswer,
    actor: str,
    now: datetime,
) -> GateBlocker:
    """The blocker a NO answer opens, unless one for the item is open already."""
    existing = next((b for b in onboarding.blockers if is_item_blocker(b, item)), None)
    if existing is not None:
        return GateBlocker(item.text, existing.reason, existing.owner_user_id, new=False)
    blocker = Blocker(
        reason=blocker_reason(item, answer.note),
        owner_user_id=owner_for(onboarding, item.owner_role),
        opened_at=now,
        opened_by=actor,
    )
    onboarding.blockers.append(blocker)
    record_activity(
        session, onboarding, actor, "blocker_added", f"Blocked: {blocker.reason}", now=now
    )
    return GateBlocker(item.text, blocker.reason, blocker.owner_user_id, new=True)


def tick_and_unblock(
    session: Session, onboarding: Onboarding, items: list[GateItem], actor: str, now: datetime
) -> None:
    """YES items are done on the checklist, and their blockers from a refusal are resolved."""
    ids = {item.item_id for item in items}
    rows: dict[int, ChecklistItem] = {c.id: c for c in onboarding.checklist_items}
    for item_id in ids:
        row = rows.get(item_id)
        if row is not None and row.done_at is None:
            row.done_at, row.done_by = now, actor
    for item in items:
        for blocker in onboarding.blockers:
            if is_item_blocker(blocker, item):
                blocker.resolved_at, blocker.resolved_by = now, actor
                record_activity(
                    session,
                    onboarding,
                    actor,
                    "blocker_resolved",
                    f"Unblocked: {blocker.reason}",
                    now=now,
                )
