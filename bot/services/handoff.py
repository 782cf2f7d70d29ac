"""The sales-to-CS handoff: validate what the AE typed, then build the onboarding."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import (
    Commitment,
    Onboarding,
    OnboardingStatus,
    Risk,
    StakeholderRole,
    SuccessCriterion,
)
from bot.models import Stakeholder as StakeholderRow
from bot.parsing import (
    DatedLine,
    LineError,
    RiskLine,
    StakeholderLine,
    company_key,
    is_measurable,
    parse_dated_lines,
    parse_money,
    parse_risks,
    parse_stakeholders,
)
from bot.playbooks import Playbook, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.handoff_timing import HandoffMoments, timing_commitments
from bot.services.integration_rows import integrations_from_handoff
from bot.services.playbook_rows import instantiate_playbook

COMPANY_NAME_MAX = 200
ARR_LIMIT = Decimal(10) ** 12  # onboarding.arr is NUMERIC(14, 2)


class HandoffField(enum.StrEnum):
    """The handoff's fields; the values double as the modal's block ids."""

    COMPANY_NAME = "company-name"
    WEBSITE = "website"
    INDUSTRY = "industry"
    COMPANY_SIZE = "company-size"
    ARR = "arr"
    CONTRACT_TERM = "contract-term"
    CLOSED_ON = "closed-on"
    START_DATE = "start-date"
    CSM = "csm"
    CUSTOMER_CHANNEL = "customer-channel"
    SEGMENT = "segment"
    OPTIONS = "options"
    STAKEHOLDERS = "stakeholders"
    WHY_BOUGHT = "why-bought"
    ALTERNATIVES = "alternatives"
    SUCCESS_CRITERIA = "success-criteria"
    SYSTEMS = "systems"
    SSO = "sso"
    DATA_MIGRATION = "data-migration"
    CONSTRAINTS = "constraints"
    PROMISES = "promises"
    OUT_OF_SCOPE = "out-of-scope"
    RISKS = "risks"
    HARD_DEADLINES = "hard-deadlines"
    GO_LIVE_TARGET = "go-live-target"


@dataclass
class HandoffForm:
    """What the AE typed, as typed. Text fields are raw strings."""

    company_name: str = ""
    website: str = ""
    industry: str = ""
    company_size: str = ""
    arr: str = ""
    contract_term: str = ""
    closed_on: date | None = None  # when the deal closed; empty means the day of the handoff
    start_date: date | None = None
    csm_user_id: str | None = None
    customer_channel_id: str | None = None
    segment: str | None = None
    create_internal_channel: bool = False
    stakeholders: str = ""
    why_bought: str = ""
    alternatives: str = ""
    success_criteria: str = ""
    systems: str = ""
    sso: str = ""
    data_migration: str = ""
    constraints: str = ""
    promises: str = ""
    out_of_scope: str = ""
    risks: str = ""
    hard_deadlines: str = ""
    go_live_target: date | None = None


@dataclass
class HandoffPlan:
    """A handoff that passed validation: everything needed to write the onboarding."""

    form: HandoffForm
    arr: Decimal
    start_date: date
    csm_user_id: str
    playbook: Playbook
    stakeholders: list[StakeholderLine]
    criteria: list[DatedLine]
    promises: list[DatedLine]
    risks: list[RiskLine]
    quality_score: int = 0
    missing: list[str] = field(default_factory=list)
    moments: HandoffMoments | None = None  # when the deal closed and the handoff came in


class HandoffInvalid(Exception):
    """Validation failed; `errors` maps each field to a message for the modal."""

    def __init__(self, errors: dict[HandoffField, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def find_open_onboarding(session: Session, name: str) -> Onboarding | None:
    return session.scalar(
        select(Onboarding).where(
            Onboarding.company_key == company_key(name),
            Onboarding.status != OnboardingStatus.CLOSED,
        )
    )


def validate_handoff(
    session: Session,
    form: HandoffForm,
    *,
    today: date,
    library: PlaybookLibrary,
    max_future_days: int,
    min_stakeholders: int,
    user_name: Callable[[str], str] = lambda user_id: user_id,
) -> HandoffPlan:
    """Check every field and collect all errors at once, so the AE fixes them in one pass."""
    errors: dict[HandoffField, str] = {}
    name = form.company_name.strip()
    if not name:
        errors[HandoffField.COMPANY_NAME] = "Enter the customer's company name."
    elif len(name) > COMPANY_NAME_MAX:
        errors[HandoffField.COMPANY_NAME] = (
            f"That name is {len(name):,} characters; {COMPANY_NAME_MAX} at most."
        )
    elif existing := find_open_onboarding(session, name):
        errors[HandoffField.COMPANY_NAME] = (
            f"{existing.company_name} already has an open onboarding (#{existing.id}, "
            f"started {existing.start_date:%Y-%m-%d}, owned by {user_name(existing.csm_user_id)})."
        )
    arr = parse_money(form.arr)
    if arr is None or arr <= 0:
        errors[HandoffField.ARR] = "Enter a positive amount, like $95K, 95,000 or 1.2M."
    elif arr >= ARR_LIMIT:
        errors[HandoffField.ARR] = f"That is more than {ARR_LIMIT:,.0f}: check the amount."
    _check_dates(form, today, max_future_days, errors)
    if not form.csm_user_id:
        errors[HandoffField.CSM] = "Pick the CSM who receives this customer."
    playbook = None
    if form.segment:
        playbook = library.get(form.segment)
        if playbook is None:
            errors[HandoffField.SEGMENT] = f"No playbook named {form.segment!r}."
    parsed = _parse_lines(form, errors)
    if errors:
        raise HandoffInvalid(errors)
    assert arr is not None and form.start_date and form.csm_user_id
    plan = HandoffPlan(
        form=form,
        arr=arr,
        start_date=form.start_date,
        csm_user_id=form.csm_user_id,
        playbook=playbook or library.for_arr(arr),
        moments=HandoffMoments(closed_on=form.closed_on or today, submitted_on=today),
        **parsed,
    )
    plan.quality_score, plan.missing = handoff_quality(plan, min_stakeholders)
    return plan


def _check_dates(
    form: HandoffForm, today: date, max_days: int, errors: dict[HandoffField, str]
) -> None:
    if form.start_date is None:
        errors[HandoffField.START_DATE] = "Pick the contract start date."
    elif abs((form.start_date - today).days) > max_days:
        errors[HandoffField.START_DATE] = (
            f"The start date must be within {max_days} days of today ({today:%Y-%m-%d})."
        )
    if form.closed_on is not None and form.closed_on > today:
        errors[HandoffField.CLOSED_ON] = (
            f"The deal cannot close in the future: pick today ({today:%Y-%m-%d}) or earlier."
        )
    elif form.closed_on is not None and (today - form.closed_on).days > max_days:
        errors[HandoffField.CLOSED_ON] = (
            f"The close date must be within {max_days} days of today ({today:%Y-%m-%d})."
        )
    if form.go_live_target and form.start_date and form.go_live_target <= form.start_date:
        errors[HandoffField.GO_LIVE_TARGET] = "The go-live target must come after the start date."


def _parse_lines(form: HandoffForm, errors: dict[HandoffField, str]) -> dict:
    parsers: list[tuple[str, HandoffField, Callable[[str], list]]] = [
        ("stakeholders", HandoffField.STAKEHOLDERS, parse_stakeholders),
        ("criteria", HandoffField.SUCCESS_CRITERIA, parse_dated_lines),
        ("promises", HandoffField.PROMISES, parse_dated_lines),
        ("risks", HandoffField.RISKS, parse_risks),
    ]
    source = {
        HandoffField.STAKEHOLDERS: form.stakeholders,
        HandoffField.SUCCESS_CRITERIA: form.success_criteria,
        HandoffField.PROMISES: form.promises,
        HandoffField.RISKS: form.risks,
    }
    parsed: dict[str, list] = {}
    for name, block, parser in parsers:
        try:
            parsed[name] = parser(source[block])
        except LineError as exc:
            errors[block] = str(exc)
            parsed[name] = []
    return parsed


def handoff_quality(plan: HandoffPlan, min_stakeholders: int) -> tuple[int, list[str]]:
    """The handoff checklist of domain.md as a 0-100 score and the list of what is missing."""
    roles = {s.role for s in plan.stakeholders}
    form = plan.form
    checks = [
        (StakeholderRole.EXECUTIVE_SPONSOR in roles, "Executive sponsor not identified"),
        (StakeholderRole.CHAMPION in roles, "Project lead (champion) not identified"),
        (StakeholderRole.TECHNICAL_LEAD in roles, "Technical lead not identified"),
        (
            len(plan.stakeholders) >= min_stakeholders,
            f"Fewer than {min_stakeholders} stakeholders: the onboarding is single-threaded",
        ),
        (bool(plan.criteria), "No success criteria documented"),
        (
            all(is_measurable(c.text) for c in plan.criteria),
            "Some success criteria have no measurable target",
        ),
        (
            any(s.strip() for s in (form.systems, form.sso, form.data_migration)),
            "Technical context not captured",
        ),
        (bool(plan.promises), "Promises made during the sale not listed"),
        (bool(form.why_bought.strip()), "Why they bought not recorded"),
        (bool(form.out_of_scope.strip()), "Out of scope not stated"),
    ]
    missing = [message for passed, message in checks if not passed]
    score = round(100 * (len(checks) - len(missing)) / len(checks))
    return score, missing


@dataclass(frozen=True)
class ExistingHandoff:
    """The open onboarding a handoff collided with."""

    id: int
    company_name: str
    csm_user_id: str
    handoff_view_id: str | None


class DuplicateHandoff(Exception):
    """The same handoff was already submitted (double click, retry), or the company already has
    an open onboarding: nothing new was written."""

    def __init__(self, onboarding: Onboarding | None) -> None:
        super().__init__("handoff already submitted")
        self.onboarding = onboarding and ExistingHandoff(
            onboarding.id,
            onboarding.company_name,
            onboarding.csm_user_id,
            onboarding.handoff_view_id,
        )


def create_onboarding(
    session: Session,
    plan: HandoffPlan,
    *,
    actor: str,
    now: datetime,
    view_id: str | None,
) -> Onboarding:
    """Add the onboarding and its plan to the session; DuplicateHandoff, with nothing added,
    when the same view or company got there first."""
    if view_id and (
        previous := session.scalar(select(Onboarding).where(Onboarding.handoff_view_id == view_id))
    ):
        raise DuplicateHandoff(previous)
    onboarding = _new_onboarding(plan, actor=actor, now=now, view_id=view_id)
    instantiate_playbook(onboarding, plan.playbook, plan.form.go_live_target)
    _add_handoff_details(onboarding, plan)
    onboarding.integrations = integrations_from_handoff(onboarding)
    try:
        with session.begin_nested():  # a savepoint: a lost race leaves the transaction usable
            session.add(onboarding)
    except IntegrityError:
        # A concurrent submission of the same view or company won the race.
        previous = session.scalar(select(Onboarding).where(Onboarding.handoff_view_id == view_id))
        raise DuplicateHandoff(
            previous or find_open_onboarding(session, plan.form.company_name)
        ) from None
    record_activity(
        session,
        onboarding,
        actor,
        "handoff_submitted",
        f"Handoff submitted ({plan.playbook.segment}, score {plan.quality_score}/100)",
        now=now,
    )
    return onboarding


def _new_onboarding(
    plan: HandoffPlan, *, actor: str, now: datetime, view_id: str | None
) -> Onboarding:
    form = plan.form
    return Onboarding(
        company_name=form.company_name.strip(),
        company_key=company_key(form.company_name),
        website=form.website.strip()[:300],
        industry=form.industry.strip()[:200],
        company_size=form.company_size.strip()[:100],
        arr=plan.arr,
        contract_term=form.contract_term.strip()[:100],
        start_date=plan.start_date,
        deal_closed_on=plan.moments.closed_on if plan.moments else None,
        segment=plan.playbook.segment,
        playbook=plan.playbook.key,
        status=OnboardingStatus.ACTIVE,
        csm_user_id=plan.csm_user_id,
        ae_user_id=actor,
        customer_channel_id=form.customer_channel_id,
        why_bought=form.why_bought.strip(),
        alternatives=form.alternatives.strip(),
        systems=form.systems.strip(),
        sso=form.sso.strip(),
        data_migration=form.data_migration.strip(),
        constraints=form.constraints.strip(),
        out_of_scope=form.out_of_scope.strip(),
        hard_deadlines=form.hard_deadlines.strip(),
        handoff_score=plan.quality_score,
        handoff_missing=plan.missing,
        handoff_view_id=view_id,
        created_by=actor,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )


def _add_handoff_details(onboarding: Onboarding, plan: HandoffPlan) -> None:
    onboarding.stakeholders = [
        StakeholderRow(
            name=s.name[:200],
            title=s.title[:200],
            role=s.role,
            slack_user_id=s.slack_user_id,
            email=s.email,
        )
        for s in plan.stakeholders
    ]
    onboarding.success_criteria = [
        SuccessCriterion(text=c.text, target_date=c.due) for c in plan.criteria
    ]
    default_due = onboarding.target_go_live_date or plan.start_date + timedelta(days=30)
    onboarding.commitments = [
        Commitment(text=p.text, due_date=p.due or default_due, owner_user_id=plan.csm_user_id)
        for p in plan.promises
    ]
    if plan.moments is not None:
        onboarding.commitments += timing_commitments(
            plan.playbook,
            plan.moments,
            ae_user_id=onboarding.ae_user_id,
            csm_user_id=plan.csm_user_id,
            now=onboarding.created_at,
        )
    onboarding.risks = [Risk(text=r.text, severity=r.severity) for r in plan.risks]
