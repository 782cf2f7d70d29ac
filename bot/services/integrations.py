"""Integrations: each system named in the handoff's technical context (SAP ERP, Salesforce,
Okta SSO...) is an integration item with an owner, a status, configuration notes, the
data-migration validation result and its known limitations.

The rows are made from `Onboarding.systems` and `Onboarding.sso` when the onboarding is created
(bot/services/handoff.create_onboarding), and, for onboardings created before integrations
existed, the first time `/onboard setup` opens (bot/services/integration_rows.py
`ensure_integrations`: a name already there is never added twice, so the sync is idempotent).

The technical-setup milestone (key `technical_setup`) cannot complete until every integration
is verified end to end or waived with a reason (bot/services/onboardings.technical_setup_refusal,
beside the first-value rule). A failing integration is a stall signal (bot/services/signals.py,
`integration_failing`). `known_limitations` feeds the transition report.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Integration, IntegrationStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.integration_rows import NAME_MAX, ensure_integrations
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change

NOTES_MAX = 2000
WAIVED_REASON_MAX = 1000
STATUS_LABELS: dict[str, str] = {
    IntegrationStatus.NOT_STARTED: "Not started",
    IntegrationStatus.CONFIGURING: "Configuring",
    IntegrationStatus.VERIFIED: "Verified end to end",
    IntegrationStatus.FAILING: "Failing",
    IntegrationStatus.WAIVED: "Waived",
}
SETTLED = (IntegrationStatus.VERIFIED, IntegrationStatus.WAIVED)


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrationLine:
    integration_id: int
    name: str
    owner_user_id: str | None
    status: str
    config_notes: str
    migration_result: str
    known_limitations: str
    waived_reason: str
    updated_at: datetime | None
    updated_by: str | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class SetupCard:
    onboarding_id: int
    company_name: str
    lines: list[IntegrationLine]
    technical_setup_done: bool

    @property
    def open_names(self) -> list[str]:
        return [line.name for line in self.lines if not line.settled]


def _line(i: Integration) -> IntegrationLine:
    return IntegrationLine(
        i.id,
        i.name,
        i.owner_user_id,
        i.status,
        i.config_notes,
        i.migration_result,
        i.known_limitations,
        i.waived_reason,
        i.updated_at,
        i.updated_by,
    )


def load_setup(session: Session, onboarding_id: int) -> SetupCard:
    """The integrations of an onboarding, made from its handoff the first time if it has none
    (the edge commits them: reading the card twice adds nothing)."""
    onboarding = get_onboarding(
        session, onboarding_id, Onboarding.integrations, Onboarding.milestones
    )
    ensure_integrations(session, onboarding)
    lines = [_line(i) for i in sorted(onboarding.integrations, key=lambda i: i.id)]
    setup = next((m for m in onboarding.milestones if m.key == TECHNICAL_SETUP), None)
    return SetupCard(
        onboarding.id, onboarding.company_name, lines, setup is not None and setup.is_done
    )


def known_limitations(onboarding: Onboarding) -> list[str]:
    """For the transition report: "<integration>: <limitations>" for each integration with
    known limitations, plus each waived one with its reason, so the adoption team does not
    discover them."""
    out: list[str] = []
    for i in sorted(onboarding.integrations, key=lambda i: i.id):
        if i.known_limitations.strip():
            out.append(f"{i.name}: {' '.join(i.known_limitations.split())}")
        if i.status == IntegrationStatus.WAIVED:
            out.append(f"{i.name}: waived ({' '.join(i.waived_reason.split())})")
    return out


# ---- editing ----------------------------------------------------------------------------------

TECHNICAL_SETUP = "technical_setup"


class IntegrationField(enum.StrEnum):
    """The modal's fields; the values double as its block ids."""

    NAME = "integration-name"
    OWNER = "integration-owner"
    STATUS = "integration-status"
    NOTES = "integration-notes"
    MIGRATION = "integration-migration"
    LIMITATIONS = "integration-limitations"
    WAIVED_REASON = "integration-waived-reason"


class IntegrationInvalid(DomainError):
    """The form cannot be saved; `errors` maps each wrong field to what is wrong with it."""

    def __init__(self, errors: dict[IntegrationField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class IntegrationForm:
    """What the user typed or picked, as given (empty strings for nothing chosen)."""

    name: str = ""
    owner_user_id: str | None = None
    status: str = IntegrationStatus.NOT_STARTED
    config_notes: str = ""
    migration_result: str = ""
    known_limitations: str = ""
    waived_reason: str = ""


@dataclass(frozen=True)
class IntegrationChange:
    onboarding_id: int
    company_name: str
    name: str
    status: str
    added: bool = False
    changed: bool = True


def _integration(session: Session, integration_id: int) -> Integration:
    integration = session.get(Integration, integration_id)
    if integration is None:
        raise NotFound("That integration no longer exists.")
    return integration


def onboarding_of_integration(session: Session, integration_id: int) -> int:
    return _integration(session, integration_id).onboarding_id


def open_integration_form(
    session: Session,
    onboarding_id: int,
    integration_id: int | None,
    actor: str,
    *,
    admins: Collection[str],
) -> tuple[str, IntegrationForm]:
    """The company name and the form (empty for a new integration), for someone who may change
    the onboarding; NotAllowed names who can."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    if integration_id is None:
        return onboarding.company_name, IntegrationForm()
    i = _integration(session, integration_id)
    if i.onboarding_id != onboarding.id:
        raise NotFound("That integration belongs to another onboarding.")
    return onboarding.company_name, IntegrationForm(
        i.name,
        i.owner_user_id,
        i.status,
        i.config_notes,
        i.migration_result,
        i.known_limitations,
        i.waived_reason,
    )


def validate_integration_form(
    form: IntegrationForm, *, taken: Collection[str] = ()
) -> IntegrationForm:
    """The form cleaned up; IntegrationInvalid lists every wrong field at once. `taken`: the
    other integrations' names (any case)."""
    errors: dict[IntegrationField, str] = {}
    name = " ".join(form.name.split())
    if not name:
        errors[IntegrationField.NAME] = "Name the system (SAP ERP, Okta SSO…)."
    elif len(name) > NAME_MAX:
        errors[IntegrationField.NAME] = f"Keep the name to {NAME_MAX} characters."
    elif name.casefold() in {t.casefold() for t in taken}:
        errors[IntegrationField.NAME] = f"This onboarding already has an integration “{name}”."
    if form.status not in set(IntegrationStatus):
        errors[IntegrationField.STATUS] = "Choose a status."
    texts = {
        IntegrationField.NOTES: form.config_notes.strip(),
        IntegrationField.MIGRATION: form.migration_result.strip(),
        IntegrationField.LIMITATIONS: form.known_limitations.strip(),
    }
    for key, text in texts.items():
        if len(text) > NOTES_MAX:
            errors[key] = f"Keep this to {NOTES_MAX} characters."
    reason = form.waived_reason.strip()
    if form.status == IntegrationStatus.WAIVED and not reason:
        errors[IntegrationField.WAIVED_REASON] = (
            "A waived integration needs a reason (why it is not needed for go-live)."
        )
    elif len(reason) > WAIVED_REASON_MAX:
        errors[IntegrationField.WAIVED_REASON] = (
            f"Keep the reason to {WAIVED_REASON_MAX} characters."
        )
    if errors:
        raise IntegrationInvalid(errors)
    return IntegrationForm(
        name,
        form.owner_user_id or None,
        form.status,
        texts[IntegrationField.NOTES],
        texts[IntegrationField.MIGRATION],
        texts[IntegrationField.LIMITATIONS],
        reason if form.status == IntegrationStatus.WAIVED else "",
    )


def save_integration(
    session: Session,
    onboarding_id: int,
    integration_id: int | None,
    form: IntegrationForm,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> IntegrationChange:
    """Add an integration (`integration_id` None) or update one; one activity entry (a status
    change names the statuses)."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.integrations)
    ensure_can_change(onboarding, actor, admins)
    existing = None
    if integration_id is not None:
        existing = _integration(session, integration_id)
        if existing.onboarding_id != onboarding.id:
            raise NotFound("That integration belongs to another onboarding.")
    taken = [i.name for i in onboarding.integrations if i is not existing]
    clean = validate_integration_form(form, taken=taken)
    values = {
        "name": clean.name,
        "owner_user_id": clean.owner_user_id,
        "status": clean.status,
        "config_notes": clean.config_notes,
        "migration_result": clean.migration_result,
        "known_limitations": clean.known_limitations,
        "waived_reason": clean.waived_reason,
    }
    if existing is None:
        integration = Integration(**values, updated_at=now, updated_by=actor)
        onboarding.integrations.append(integration)
        session.flush()
        label = STATUS_LABELS[clean.status]
        kind, summary = "integration_added", f"Integration added: {clean.name} ({label})"
    else:
        integration = existing
        summary = _update(integration, values, clean, actor, now)
        if summary is None:
            return IntegrationChange(
                onboarding.id, onboarding.company_name, clean.name, clean.status, changed=False
            )
        kind = "integration_updated"
    record_activity(
        session,
        onboarding,
        actor,
        kind,
        summary,
        now=now,
        data={"integration": integration.id, "status": clean.status},
    )
    return IntegrationChange(
        onboarding.id, onboarding.company_name, clean.name, clean.status, added=existing is None
    )


def _update(
    integration: Integration,
    values: dict[str, str | None],
    clean: IntegrationForm,
    actor: str,
    now: datetime,
) -> str | None:
    """Apply `values`; the activity summary, or None when nothing changed."""
    changed = [k for k, v in values.items() if getattr(integration, k) != v]
    if not changed:
        return None
    before_status = integration.status
    for key in changed:
        setattr(integration, key, values[key])
    integration.updated_at, integration.updated_by = now, actor
    if before_status == clean.status:
        return f"Integration {clean.name} updated ({', '.join(changed).replace('_', ' ')})"
    was = STATUS_LABELS.get(before_status, before_status)
    summary = f"Integration {clean.name}: {was} → {STATUS_LABELS[clean.status]}"
    if clean.status == IntegrationStatus.WAIVED:
        summary += f" ({clean.waived_reason[:200]})"
    return summary
