"""The stakeholder map of an onboarding: who they are, their power and interest, sentiment and
last contact; adding and editing them, logging a contact, and a departure.

Sentiment (and so who is a detractor) and notes are internal: the Slack layer shows the map only
to members of our own organisation, ephemerally, never in a channel shared with the customer.

When the champion (role `champion`, the project lead) is marked departed, the playbook's
`champion_loss:` protocol is added to the onboarding's checklist, in its own `champion_loss`
phase, once: not again while any of its items is still open. The critical "champion gone"
signal needs nothing more: bot/services/signals.py reads `departed_at` on the next stall-alert
pass. A departed stakeholder no longer counts towards the minimum (single-threaded).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.models import ChecklistItem, Onboarding, Stakeholder, StakeholderRole
from bot.parsing import is_email
from bot.playbooks import CHAMPION_LOSS_WHEN_LABELS, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.errors import Conflict, DomainError, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change

CHAMPION_LOSS_PHASE = "champion_loss"
NAME_MAX = 200
TITLE_MAX = 200
NOTES_MAX = 2000
EMAIL_MAX = 320
ROLE_ORDER = list(StakeholderRole)


class Level(enum.StrEnum):
    HIGH = "high"
    LOW = "low"


class Sentiment(enum.StrEnum):
    CHAMPION = "champion"
    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    SKEPTIC = "skeptic"
    DETRACTOR = "detractor"


# The power/interest grid: what to do with someone in each quadrant.
QUADRANTS = {
    (Level.HIGH, Level.HIGH): "manage closely",
    (Level.HIGH, Level.LOW): "keep satisfied",
    (Level.LOW, Level.HIGH): "keep informed",
    (Level.LOW, Level.LOW): "monitor",
}


class StakeholderField(enum.StrEnum):
    """The stakeholder form's fields; the values double as the modal's block ids."""

    NAME = "stakeholder-name"
    TITLE = "stakeholder-title"
    ROLE = "stakeholder-role"
    POWER = "stakeholder-power"
    INTEREST = "stakeholder-interest"
    SENTIMENT = "stakeholder-sentiment"
    SLACK_USER = "stakeholder-slack-user"
    EMAIL = "stakeholder-email"
    NOTES = "stakeholder-notes"


class StakeholderInvalid(DomainError):
    """The form cannot be saved; `errors` maps each wrong field to what is wrong with it."""

    def __init__(self, errors: dict[StakeholderField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class StakeholderForm:
    """What the user typed or picked, as given (empty strings for nothing chosen)."""

    name: str = ""
    title: str = ""
    role: str = ""
    power: str = ""
    interest: str = ""
    sentiment: str = ""
    slack_user_id: str | None = None
    email: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Person:
    stakeholder_id: int
    name: str
    title: str
    role: str
    power: str
    interest: str
    sentiment: str
    notes: str
    slack_user_id: str | None
    email: str | None
    last_contact_at: datetime | None
    departed_at: datetime | None

    @property
    def role_label(self) -> str:
        return StakeholderRole(self.role).label if self.role in set(StakeholderRole) else self.role

    @property
    def is_champion(self) -> bool:
        return self.role == StakeholderRole.CHAMPION

    @property
    def departed(self) -> bool:
        return self.departed_at is not None

    @property
    def quadrant(self) -> str:
        if self.power in set(Level) and self.interest in set(Level):
            return QUADRANTS[(Level(self.power), Level(self.interest))]
        return ""


@dataclass(frozen=True)
class StakeholderMap:
    onboarding_id: int
    company_name: str
    people: list[Person]
    minimum: int

    @property
    def present(self) -> list[Person]:
        return [p for p in self.people if not p.departed]

    @property
    def single_threaded(self) -> bool:
        return len(self.present) < self.minimum


@dataclass(frozen=True)
class StakeholderChange:
    onboarding_id: int
    company_name: str
    name: str
    changed: bool = True
    added: bool = False
    was_champion: bool = False
    checklist_added: list[str] = field(default_factory=list)


def _person(s: Stakeholder) -> Person:
    return Person(
        s.id,
        s.name,
        s.title,
        s.role,
        s.power,
        s.interest,
        s.sentiment,
        s.notes,
        s.slack_user_id,
        s.email,
        s.last_contact_at,
        s.departed_at,
    )


def _order(s: Stakeholder) -> tuple[bool, int, int]:
    role = ROLE_ORDER.index(StakeholderRole(s.role)) if s.role in set(StakeholderRole) else 99
    return (s.departed_at is not None, role, s.id)


def people_of(onboarding: Onboarding) -> list[Person]:
    """The onboarding's loaded stakeholders, present people first, by role (no query of its
    own: the status card reads them from the relationship it loads anyway)."""
    return [_person(s) for s in sorted(onboarding.stakeholders, key=_order)]


def load_stakeholder_map(session: Session, onboarding_id: int, *, minimum: int) -> StakeholderMap:
    """The map as any member of our organisation may read it: present people first, by role."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    return StakeholderMap(onboarding.id, onboarding.company_name, people_of(onboarding), minimum)


def _stakeholder(session: Session, stakeholder_id: int) -> Stakeholder:
    stakeholder = session.get(Stakeholder, stakeholder_id)
    if stakeholder is None:
        raise NotFound("That stakeholder no longer exists.")
    return stakeholder


def onboarding_of_stakeholder(session: Session, stakeholder_id: int) -> int:
    return _stakeholder(session, stakeholder_id).onboarding_id


def form_of(stakeholder: Stakeholder) -> StakeholderForm:
    return StakeholderForm(
        name=stakeholder.name,
        title=stakeholder.title,
        role=stakeholder.role,
        power=stakeholder.power,
        interest=stakeholder.interest,
        sentiment=stakeholder.sentiment,
        slack_user_id=stakeholder.slack_user_id,
        email=stakeholder.email or "",
        notes=stakeholder.notes,
    )


def open_stakeholder_form(
    session: Session,
    onboarding_id: int,
    stakeholder_id: int | None,
    actor: str,
    *,
    admins: Collection[str],
) -> tuple[str, StakeholderForm]:
    """The company name and the form to edit (empty for a new stakeholder), for someone who may
    change the onboarding; NotAllowed names who can."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    if stakeholder_id is None:
        return onboarding.company_name, StakeholderForm()
    stakeholder = _stakeholder(session, stakeholder_id)
    if stakeholder.onboarding_id != onboarding.id:
        raise NotFound("That stakeholder belongs to another onboarding.")
    return onboarding.company_name, form_of(stakeholder)


def validate_stakeholder_form(form: StakeholderForm) -> StakeholderForm:
    """The form cleaned up; StakeholderInvalid lists every wrong field at once."""
    errors: dict[StakeholderField, str] = {}
    name, title = " ".join(form.name.split()), " ".join(form.title.split())
    email, notes = form.email.strip(), form.notes.strip()
    if not name:
        errors[StakeholderField.NAME] = "Give the stakeholder's name."
    elif len(name) > NAME_MAX:
        errors[StakeholderField.NAME] = f"Keep the name to {NAME_MAX} characters."
    if len(title) > TITLE_MAX:
        errors[StakeholderField.TITLE] = f"Keep the title to {TITLE_MAX} characters."
    if form.role not in set(StakeholderRole):
        errors[StakeholderField.ROLE] = "Choose a role."
    if form.power not in ("", *Level):
        errors[StakeholderField.POWER] = "Choose high or low."
    if form.interest not in ("", *Level):
        errors[StakeholderField.INTEREST] = "Choose high or low."
    if form.sentiment not in ("", *Sentiment):
        errors[StakeholderField.SENTIMENT] = "Choose a sentiment."
    if email and (len(email) > EMAIL_MAX or not is_email(email)):
        errors[StakeholderField.EMAIL] = "That is not an email address (name@company.com)."
    elif not email and not form.slack_user_id:
        errors[StakeholderField.EMAIL] = "Give an email, or pick the Slack user above."
    if len(notes) > NOTES_MAX:
        errors[StakeholderField.NOTES] = f"Keep the notes to {NOTES_MAX} characters."
    if errors:
        raise StakeholderInvalid(errors)
    return StakeholderForm(
        name=name,
        title=title,
        role=form.role,
        power=form.power,
        interest=form.interest,
        sentiment=form.sentiment,
        slack_user_id=form.slack_user_id or None,
        email=email,
        notes=notes,
    )


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
    """Add a stakeholder (`stakeholder_id` None) or update one; one activity entry, one commit.
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
        session.commit()
        return StakeholderChange(onboarding.id, onboarding.company_name, clean.name, added=True)
    stakeholder = _stakeholder(session, stakeholder_id)
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
    session.commit()
    return StakeholderChange(onboarding.id, onboarding.company_name, clean.name)


def _changeable(
    session: Session, stakeholder_id: int, actor: str, admins: Collection[str]
) -> tuple[Stakeholder, Onboarding]:
    stakeholder = _stakeholder(session, stakeholder_id)
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
        raise Conflict(f"{stakeholder.name} has left {onboarding.company_name}.")
    stakeholder.last_contact_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "stakeholder_contacted",
        f"Contact with {stakeholder.name} logged",
        now=now,
        data={"stakeholder": stakeholder.id},
    )
    session.commit()
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
    """Add the protocol unless some of it is still open (the caller commits)."""
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
        session.rollback()
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
    session.commit()
    return StakeholderChange(
        onboarding.id,
        company,
        name,
        was_champion=champion,
        checklist_added=[c.text for c in added],
    )
