"""Logging a Slack message (typically the customer's, in the shared channel) on an onboarding:
as a blocker owned by the CSM who logs it, or as a hypercare issue with its SLA clock.

The use case checks the form (customer, kind, severity, text) and raises `MessageLogInvalid`
with every wrong field at once, then hands over to the existing services (`add_blocker`,
`open_issue_by_id`), which check the permission; the edge commits once. The message's permalink goes
into the activity entry's data.

A modal submitted twice (a double click, Slack retrying a slow answer) logs once: the view id
goes into `submitted_view` in the same transaction as the blocker or issue (one INSERT ... ON
CONFLICT DO NOTHING), so a second delivery, in this process or another, even at the same moment,
finds it and is told the message is already logged. A submission refused or rolled back leaves
no trace, so the corrected form can be submitted again.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import insert_unless_exists
from bot.models import Onboarding, OnboardingStatus, SubmittedView
from bot.services.blockers import BlockerChange, add_blocker
from bot.services.errors import DomainError
from bot.services.hypercare import IssueChange, IssueSeverity, open_issue_by_id
from bot.services.lookup import CustomerIndex


class LogField(enum.StrEnum):
    """The modal's fields; the values double as its block ids."""

    CUSTOMER = "message-log-customer"
    KIND = "message-log-kind"
    SEVERITY = "message-log-severity"
    TEXT = "message-log-text"


class LogKind(enum.StrEnum):
    BLOCKER = "blocker"
    ISSUE = "issue"


class AlreadyLogged(DomainError):
    """The same modal submitted again: the first submission logged the message."""


class MessageLogInvalid(DomainError):
    def __init__(self, errors: dict[LogField, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class LinkedOnboarding:
    """The open onboarding whose customer or internal channel a message was posted in."""

    onboarding_id: int
    company_name: str
    in_hypercare: bool


@dataclass(frozen=True)
class MessageLogForm:
    customer: str  # as typed (or as prefilled)
    kind: LogKind | None
    severity: IssueSeverity | None
    text: str
    # The onboarding the modal was prefilled with: used while `customer` still names it.
    linked: LinkedOnboarding | None = None


@dataclass(frozen=True)
class SourceMessage:
    channel_id: str
    ts: str
    permalink: str | None

    def activity_data(self) -> dict[str, str]:
        data = {"message_channel": self.channel_id, "message_ts": self.ts}
        return data | ({"permalink": self.permalink} if self.permalink else {})


@dataclass(frozen=True)
class MessageLogged:
    kind: LogKind
    blocker: BlockerChange | None = None
    issue: IssueChange | None = None

    @property
    def onboarding_id(self) -> int:
        change = self.blocker or self.issue
        assert change is not None
        return change.onboarding_id


def linked_onboarding(session: Session, channel_id: str | None) -> LinkedOnboarding | None:
    """The one open onboarding linked to `channel_id`; None when none is, or several are."""
    if not channel_id:
        return None
    rows = session.execute(
        select(Onboarding.id, Onboarding.company_name, Onboarding.status)
        .where(
            Onboarding.status != OnboardingStatus.CLOSED,
            or_(
                Onboarding.customer_channel_id == channel_id,
                Onboarding.internal_channel_id == channel_id,
            ),
        )
        .limit(2)
    ).all()
    if len(rows) != 1:
        return None
    row = rows[0]
    return LinkedOnboarding(row.id, row.company_name, row.status == OnboardingStatus.HYPERCARE)


def _customer(session: Session, form: MessageLogForm) -> tuple[int | None, str | None]:
    """The onboarding id the form names, or why it names none."""
    typed = " ".join(form.customer.split())
    if form.linked is not None and typed == form.linked.company_name:
        return form.linked.onboarding_id, None
    if not typed:
        return None, "Name the customer."
    lookup = CustomerIndex.load(session).find(typed)
    if lookup.one is not None:
        return lookup.one.onboarding_id, None
    if lookup.matches:
        names = ", ".join(r.company_name for r in lookup.matches)
        return None, f"“{typed}” matches several: {names}. Type more of the name."
    closest = ", ".join(r.company_name for r in lookup.closest)
    tail = f"; closest: {closest}" if closest else ""
    return None, f"No open customer matches “{typed}”{tail}."


def _hypercare_refusal(session: Session, onboarding_id: int) -> str | None:
    onboarding = session.get(Onboarding, onboarding_id)
    if onboarding is None or onboarding.status == OnboardingStatus.HYPERCARE:
        return None
    if onboarding.hypercare_exited_at is not None:
        return (
            f"{onboarding.company_name} left hypercare on "
            f"{onboarding.hypercare_exited_at:%Y-%m-%d}: log a blocker instead."
        )
    return (
        f"Hypercare starts at go-live, and {onboarding.company_name} is not live yet: "
        "log a blocker instead."
    )


def check_form(session: Session, form: MessageLogForm) -> int:
    """The onboarding id the form logs on; MessageLogInvalid names every wrong field."""
    errors: dict[LogField, str] = {}
    onboarding_id, why = _customer(session, form)
    if why:
        errors[LogField.CUSTOMER] = why
    if form.kind is None:
        errors[LogField.KIND] = "Choose Blocker or Hypercare issue."
    elif form.kind == LogKind.ISSUE:
        if form.severity is None:
            errors[LogField.SEVERITY] = "A hypercare issue needs a severity (P1 to P4)."
        refusal = _hypercare_refusal(session, onboarding_id) if onboarding_id else None
        if refusal:
            errors[LogField.KIND] = refusal
    if not form.text.strip():
        errors[LogField.TEXT] = (
            "Say what is blocking." if form.kind != LogKind.ISSUE else "Give the issue a title."
        )
    if errors or onboarding_id is None:
        raise MessageLogInvalid(errors)
    return onboarding_id


def log_from_message(
    session: Session,
    form: MessageLogForm,
    source: SourceMessage,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
    view_id: str | None = None,
) -> MessageLogged:
    """Log the message as the form says: a blocker owned by `actor`, or a hypercare issue.
    Only the CSM, the AE and admins may (the services raise NotAllowed). Stores `view_id` (the
    modal's) in the same transaction, which a second submission of the same modal finds."""
    onboarding_id = check_form(session, form)
    submitted = {"view_id": view_id, "submitted_at": now}
    if view_id and insert_unless_exists(session, SubmittedView, submitted) is None:
        raise AlreadyLogged("This message is already logged: the form was submitted twice.")
    data = source.activity_data()
    if form.kind == LogKind.ISSUE:
        assert form.severity is not None  # check_form asked for it
        issue = open_issue_by_id(
            session,
            onboarding_id,
            form.severity.value,
            form.text,
            actor,
            admins=admins,
            now=now,
            settings=settings,
            data=data,
        )
        return MessageLogged(LogKind.ISSUE, issue=issue)
    blocker = add_blocker(
        session, onboarding_id, form.text, actor, admins=admins, now=now, data=data
    )
    return MessageLogged(LogKind.BLOCKER, blocker=blocker)
