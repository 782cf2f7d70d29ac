"""The stakeholder map of an onboarding: who they are, their power and interest, sentiment and
last contact, and the form that adds or edits one (saving it: bot/services/stakeholder_changes.py).

Sentiment (and so who is a detractor) and notes are internal: the Slack layer shows the map only
to members of our own organisation, ephemerally, never in a channel shared with the customer.
A departed stakeholder no longer counts towards the minimum (single-threaded).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Onboarding, Stakeholder, StakeholderRole
from bot.parsing import is_email
from bot.services.errors import DomainError, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change

NAME_MAX = 200
TITLE_MAX = 200
NOTES_MAX = 2000
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


def get_stakeholder(session: Session, stakeholder_id: int) -> Stakeholder:
    stakeholder = session.get(Stakeholder, stakeholder_id)
    if stakeholder is None:
        raise NotFound("That stakeholder no longer exists.")
    return stakeholder


def onboarding_of_stakeholder(session: Session, stakeholder_id: int) -> int:
    return get_stakeholder(session, stakeholder_id).onboarding_id


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
    stakeholder = get_stakeholder(session, stakeholder_id)
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
    if email and not is_email(email):
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
