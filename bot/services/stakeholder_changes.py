"""Changing the stakeholder map: adding and editing a stakeholder, logging a contact, and a
departure.

When the champion (role `champion`, the project lead) is marked departed, the playbook's
`champion_loss:` protocol is added to the onboarding's checklist, in its own `champion_loss`
phase, once: not again while any of its items is still open. The critical "champion gone"
signal needs nothing more: bot/services/signals.py reads `departed_at` on the next stall-alert
pass.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.models import ChecklistItem, Onboarding, Stakeholder, StakeholderRole
from bot.playbooks import CHAMPION_LOSS_WHEN_LABELS, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.errors import Conflict, NotFound
from bot.services.handoff_timing import record_first_contact
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.stakeholders import StakeholderForm, get_stakeholder, validate_stakeholder_form

CHAMPION_LOSS_PHASE = "champion_loss"


@dataclass(frozen=True)
class StakeholderChange:
    onboarding_id: int
    company_name: str
    name: str
    changed: bool = True
    added: bool = False
    was_champion: bool = False
    checklist_added: list[str] = field(default_factory=list)


FIELD_NAMES = {
    "name": "name",
    "title": "title",
    "role": "role",
    "power": "power",
    "interest": "interest",
    "sentiment": "sentiment",
    "slack_user_id": "Slack user",
    "email": "email",
    "notes": "notes",
}


def save_stakeholder(
    session: Session,
    onboarding_id: int,
    stakeholder_id: int | None,
    form: StakeholderForm,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> StakeholderChange:
    """Add a stakeholder (`stakeholder_id` None) or update one; one activity entry.
    The activity names the fields changed, never their values (sentiment is internal)."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    ensure_can_change(onboarding, actor, admins)
    clean = validate_stakeholder_form(form)
    values = {
        "name": clean.name,
        "title": clean.title,
        "role": clean.role,
        "power": clean.power,
        "interest": clean.interest,
        "sentiment": clean.sentiment,
        "slack_user_id": clean.slack_user_id,
        "email": clean.email or None,
        "notes": clean.notes,
    }
    if stakeholder_id is None:
        stakeholder = Stakeholder(**values)
        onboarding.stakeholders.append(stakeholder)
        session.flush()
        record_activity(
            session,
            onboarding,
            actor,
            "stakeholder_added",
            f"Stakeholder added: {clean.name} ({StakeholderRole(clean.role).label})",
            now=now,
            data={"stakeholder": stakeholder.id},
        )
        return StakeholderChange(onboarding.id, onboarding.company_name, clean.name, added=True)
    stakeholder = get_stakeholder(session, stakeholder_id)
    if stakeholder.onboarding_id != onboarding.id:
        raise NotFound("That stakeholder belongs to another onboarding.")
    changed = [key for key, value in values.items() if getattr(stakeholder, key) != value]
    if not changed:
        return StakeholderChange(onboarding.id, onboarding.company_name, clean.name, changed=False)
    for key in changed:
        setattr(stakeholder, key, values[key])
    record_activity(
        session,
        onboarding,
        actor,
        "stakeholder_updated",
        f"Stakeholder {clean.name} updated: {', '.join(FIELD_NAMES[k] for k in changed)}",
        now=now,
        data={"stakeholder": stakeholder.id, "fields": changed},
    )
    return StakeholderChange(onboarding.id, onboarding.company_name, clean.name)


def _changeable(
    session: Session, stakeholder_id: int, actor: str, admins: Collection[str]
) -> tuple[Stakeholder, Onboarding]:
    stakeholder = get_stakeholder(session, stakeholder_id)
    onboarding = stakeholder.onboarding
    ensure_can_change(onboarding, actor, admins)
    return stakeholder, onboarding


def log_contact(
    session: Session,
    stakeholder_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> StakeholderChange:
    """We spoke with them: last contact is now (and the onboarding is not silent)."""
    stakeholder, onboarding = _changeable(session, stakeholder_id, actor, admins)
    if stakeholder.departed_at is not None:
        raise Conflict(
            "the stakeholder has left",
            template="stakeholder_has_left",
            person=stakeholder.name,
            company=onboarding.company_name,
        )
    stakeholder.last_contact_at = now
    record_first_contact(session, onboarding, actor, now=now)
    record_activity(
        session,
        onboarding,
        actor,
        "stakeholder_contacted",
        f"Contact with {stakeholder.name} logged",
        now=now,
        data={"stakeholder": stakeholder.id},
    )
    return StakeholderChange(onboarding.id, onboarding.company_name, stakeholder.name)


def champion_loss_items(onboarding: Onboarding, playbooks: PlaybookLibrary) -> list[ChecklistItem]:
    """The playbook's champion-loss protocol as new checklist items (not yet added)."""
    playbook = playbooks.get(onboarding.playbook) or playbooks.for_arr(onboarding.arr)
    position = max((c.position for c in onboarding.checklist_items), default=-1) + 1
    return [
        ChecklistItem(
            position=position + i,
            phase_key=CHAMPION_LOSS_PHASE,
            text=f"[{CHAMPION_LOSS_WHEN_LABELS[step.when]}] {step.text}",
            owner_role=step.owner,
        )
        for i, step in enumerate(playbook.champion_loss)
    ]


def add_champion_loss_checklist(
    onboarding: Onboarding, playbooks: PlaybookLibrary
) -> list[ChecklistItem]:
    """Add the protocol unless some of it is still open."""
    if any(
        c.phase_key == CHAMPION_LOSS_PHASE and c.done_at is None for c in onboarding.checklist_items
    ):
        return []
    items = champion_loss_items(onboarding, playbooks)
    onboarding.checklist_items.extend(items)
    return items


def mark_departed(
    session: Session,
    stakeholder_id: int,
    actor: str,
    *,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
    now: datetime,
) -> StakeholderChange:
    """They left the customer. The champion leaving adds the champion-loss checklist. Marking
    twice changes nothing: the conditional update lets one of two concurrent clicks win."""
    stakeholder, onboarding = _changeable(session, stakeholder_id, actor, admins)
    name, company = stakeholder.name, onboarding.company_name
    won = session.execute(
        update(Stakeholder)
        .where(Stakeholder.id == stakeholder.id, Stakeholder.departed_at.is_(None))
        .values(departed_at=now)
    ).rowcount
    if not won:
        return StakeholderChange(onboarding.id, company, name, changed=False)
    champion = stakeholder.role == StakeholderRole.CHAMPION
    added = add_champion_loss_checklist(onboarding, playbooks) if champion else []
    session.flush()
    detail = f"{name} ({StakeholderRole(stakeholder.role).label}) marked departed"
    if added:
        detail += f"; champion-loss checklist added ({len(added)} items)"
    record_activity(
        session,
        onboarding,
        actor,
        "stakeholder_departed",
        detail,
        now=now,
        data={"stakeholder": stakeholder.id, "checklist_added": [c.id for c in added]},
    )
    return StakeholderChange(
        onboarding.id,
        company,
        name,
        was_champion=champion,
        checklist_added=[c.text for c in added],
    )
