"""Success criteria: what the customer said success means, each marked met with evidence.

One criterion is the customer's own first-value criterion (`is_first_value`). First value is a
value event, not "setup done": the first-value milestone cannot complete until that criterion
is flagged and met (bot/services/onboardings.first_value_refusal). The handoff does not say which
of the customer's criteria is first value, so none is flagged automatically: the CSM flags one
with the customer (the kickoff checklist's "First value defined with the customer").
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.models import Onboarding, SuccessCriterion
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import truncate

EVIDENCE_MAX = 2000
TEXT_MAX = 1000
NAMED_MAX = 80


class CriterionField(enum.StrEnum):
    """The modals' fields; the values double as their block ids."""

    EVIDENCE = "criterion-evidence"
    TEXT = "criterion-text"
    TARGET_DATE = "criterion-target-date"
    FIRST_VALUE = "criterion-first-value"


class CriterionInvalid(DomainError):
    def __init__(self, errors: dict[CriterionField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CriterionLine:
    criterion_id: int
    text: str
    target_date: date | None
    met_at: datetime | None
    met_by: str | None
    evidence: str
    is_first_value: bool

    @property
    def met(self) -> bool:
        return self.met_at is not None


@dataclass(frozen=True)
class CriteriaList:
    onboarding_id: int
    company_name: str
    lines: list[CriterionLine]
    first_value_reached: bool

    @property
    def first_value(self) -> CriterionLine | None:
        return next((c for c in self.lines if c.is_first_value), None)


@dataclass(frozen=True)
class CriterionChange:
    onboarding_id: int
    company_name: str
    text: str
    changed: bool = True
    is_first_value: bool = False


def _line(c: SuccessCriterion) -> CriterionLine:
    return CriterionLine(
        c.id, c.text, c.target_date, c.met_at, c.met_by, c.evidence, c.is_first_value
    )


def load_criteria(session: Session, onboarding_id: int) -> CriteriaList:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.success_criteria)
    return CriteriaList(
        onboarding.id,
        onboarding.company_name,
        [_line(c) for c in onboarding.success_criteria],
        onboarding.first_value_at is not None,
    )


def _changeable(
    session: Session, criterion_id: int, actor: str, admins: Collection[str]
) -> SuccessCriterion:
    criterion = session.get(SuccessCriterion, criterion_id)
    if criterion is None:
        raise NotFound("That success criterion no longer exists.")
    ensure_can_change(criterion.onboarding, actor, admins)
    return criterion


def _change(criterion: SuccessCriterion, changed: bool = True) -> CriterionChange:
    onboarding = criterion.onboarding
    return CriterionChange(
        onboarding.id, onboarding.company_name, criterion.text, changed, criterion.is_first_value
    )


def open_criterion(
    session: Session, criterion_id: int, actor: str, *, admins: Collection[str]
) -> tuple[int, str, CriterionLine]:
    """The onboarding, its company and the criterion, for the evidence modal; NotAllowed names
    who can change it."""
    criterion = _changeable(session, criterion_id, actor, admins)
    return criterion.onboarding_id, criterion.onboarding.company_name, _line(criterion)


def ensure_can_add(
    session: Session, onboarding_id: int, actor: str, *, admins: Collection[str]
) -> str:
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    return onboarding.company_name


def mark_criterion_met(
    session: Session,
    criterion_id: int,
    evidence: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> CriterionChange:
    """Met, with the evidence (required); met_at and met_by are recorded once."""
    evidence = evidence.strip()
    if not evidence:
        raise CriterionInvalid({CriterionField.EVIDENCE: "Say what shows it is met."})
    if len(evidence) > EVIDENCE_MAX:
        raise CriterionInvalid(
            {CriterionField.EVIDENCE: f"Keep the evidence to {EVIDENCE_MAX} characters."}
        )
    criterion = _changeable(session, criterion_id, actor, admins)
    if criterion.met_at is not None:
        return _change(criterion, changed=False)
    criterion.met_at, criterion.met_by, criterion.evidence = now, actor, evidence
    first = " (the customer's first-value criterion)" if criterion.is_first_value else ""
    record_activity(
        session,
        criterion.onboarding,
        actor,
        "criterion_met",
        f"Success criterion met{first}: {truncate(criterion.text, NAMED_MAX)}",
        now=now,
        data={"criterion": criterion.id, "first_value": criterion.is_first_value},
    )
    return _change(criterion)


def flag_first_value(
    session: Session, criterion_id: int, actor: str, *, admins: Collection[str], now: datetime
) -> CriterionChange:
    """Make this the customer's first-value criterion (and no other)."""
    criterion = _changeable(session, criterion_id, actor, admins)
    onboarding = criterion.onboarding
    if criterion.is_first_value:
        return _change(criterion, changed=False)
    for other in onboarding.success_criteria:
        other.is_first_value = other is criterion
    record_activity(
        session,
        onboarding,
        actor,
        "criterion_first_value",
        f"First-value criterion: {truncate(criterion.text, NAMED_MAX)}",
        now=now,
        data={"criterion": criterion.id},
    )
    return _change(criterion)


def add_criterion(
    session: Session,
    onboarding_id: int,
    text: str,
    target_date: date | None,
    first_value: bool,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> CriterionChange:
    """A new criterion, as the customer says it; `first_value` flags it (and unflags others)."""
    text = " ".join(text.split())
    if not text:
        raise CriterionInvalid({CriterionField.TEXT: "Say what success looks like."})
    if len(text) > TEXT_MAX:
        raise CriterionInvalid({CriterionField.TEXT: f"Keep it to {TEXT_MAX} characters."})
    onboarding = get_onboarding(session, onboarding_id, Onboarding.success_criteria)
    ensure_can_change(onboarding, actor, admins)
    if first_value:
        for other in onboarding.success_criteria:
            other.is_first_value = False
    criterion = SuccessCriterion(text=text, target_date=target_date, is_first_value=first_value)
    onboarding.success_criteria.append(criterion)
    session.flush()
    first = " (first value)" if first_value else ""
    record_activity(
        session,
        onboarding,
        actor,
        "criterion_added",
        f"Success criterion added{first}: {truncate(text, NAMED_MAX)}",
        now=now,
        data={"criterion": criterion.id, "first_value": first_value},
    )
    return _change(criterion)
