"""Hypercare issues: opening one (numbered per onboarding), its first response, resolving it.

The domain functions change a loaded onboarding; the `*_by_id` use cases load it, check the
permission and call one of them (the edge commits). Resolving an issue that had no recorded
response records the response at the same moment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.config import Settings
from bot.db import lock_row
from bot.models import HypercareIssue, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import DomainError, NotFound
from bot.services.hypercare.lifecycle import ensure_in_hypercare, ensure_open, load_to_change
from bot.services.hypercare.sla import IssueSeverity, SlaClock, sla_clock
from bot.text import truncate

TITLE_MAX = 300


class UnknownSeverity(DomainError):
    pass


class EmptyTitle(DomainError):
    pass


class UnknownIssue(NotFound):
    pass


@dataclass(frozen=True)
class IssueChange:
    onboarding_id: int
    company_name: str
    number: int
    severity: IssueSeverity
    title: str
    changed: bool
    clock: SlaClock
    open_count: int
    zone: tzinfo


def parse_severity(text: str) -> IssueSeverity:
    value = text.strip().upper()
    if value not in IssueSeverity.__members__:
        raise UnknownSeverity(
            "That is not a severity: use P1, P2, P3 or P4.",
            template="hypercare_unknown_severity",
            text=text.strip(),
        )
    return IssueSeverity(value)


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise EmptyTitle(
            "Give the issue a title, like `/onboard issue acme P2 SAP sync fails for Dayton`."
        )
    return truncate(cleaned, TITLE_MAX)


# ---- domain functions ---------------------------------------------------------------------


def open_issue(
    session: Session,
    onboarding: Onboarding,
    severity: str,
    title: str,
    actor: str,
    now: datetime,
    *,
    data: dict[str, Any] | None = None,
) -> HypercareIssue:
    """Open an issue numbered 1, 2, 3... per onboarding; `data` goes into its activity entry."""
    level = parse_severity(severity)
    cleaned = clean_title(title)
    ensure_in_hypercare(onboarding)
    number = max((i.number for i in onboarding.hypercare_issues), default=0) + 1
    issue = HypercareIssue(
        number=number, severity=level.value, title=cleaned, opened_at=now, opened_by=actor
    )
    onboarding.hypercare_issues.append(issue)
    record_activity(
        session,
        onboarding,
        actor,
        "hypercare_issue_opened",
        f"Hypercare issue #{number} ({level.value}) opened: {cleaned}",
        now=now,
        data={**(data or {}), "number": number, "severity": level.value},
    )
    return issue


def find_issue(onboarding: Onboarding, number: int) -> HypercareIssue:
    """Issue `number`. Issues stay workable after hypercare ends (a P3 may still be open), but
    not on a closed onboarding nor one that never went live."""
    ensure_open(onboarding)
    if onboarding.go_live_at is None:
        ensure_in_hypercare(onboarding)
    issue = next((i for i in onboarding.hypercare_issues if i.number == number), None)
    if issue is None:
        raise UnknownIssue(
            f"This onboarding has no issue #{number}.",
            template="hypercare_unknown_issue",
            company=onboarding.company_name,
            number=number,
            count=len(onboarding.hypercare_issues),
        )
    return issue


def respond_to_issue(
    session: Session, onboarding: Onboarding, number: int, actor: str, now: datetime
) -> tuple[HypercareIssue, bool]:
    """Record the first response (stops the response clock). False when already recorded."""
    issue = find_issue(onboarding, number)
    if issue.first_response_at is not None or issue.resolved_at is not None:
        return issue, False
    issue.first_response_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "hypercare_issue_responded",
        f"First response on hypercare issue #{number}",
        now=now,
        data={"number": number},
    )
    return issue, True


def resolve_issue(
    session: Session, onboarding: Onboarding, number: int, actor: str, now: datetime
) -> tuple[HypercareIssue, bool]:
    """Resolve issue `number`; False when it was already resolved."""
    issue = find_issue(onboarding, number)
    if issue.resolved_at is not None:
        return issue, False
    issue.resolved_at = now
    issue.resolved_by = actor
    if issue.first_response_at is None:
        issue.first_response_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "hypercare_issue_resolved",
        f"Hypercare issue #{number} resolved: {issue.title}",
        now=now,
        data={"number": number},
    )
    return issue, True


# ---- use cases: load, check permission, change (the edge commits) ---------------------------


def _issue_change(
    onboarding: Onboarding,
    issue: HypercareIssue,
    changed: bool,
    now: datetime,
    settings: Settings,
) -> IssueChange:
    zone = time_zone(onboarding.timezone, settings.tz)
    return IssueChange(
        onboarding.id,
        onboarding.company_name,
        issue.number,
        IssueSeverity(issue.severity),
        issue.title,
        changed,
        sla_clock(issue, now, settings, zone),
        sum(1 for i in onboarding.hypercare_issues if i.resolved_at is None),
        zone,
    )


def open_issue_by_id(
    session: Session,
    onboarding_id: int,
    severity: str,
    title: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
    data: dict[str, Any] | None = None,
) -> IssueChange:
    """Open an issue. Two opened at once on one onboarding take turns on its row lock, so the
    second numbers after the first."""
    lock_row(session, Onboarding, onboarding_id)
    onboarding = load_to_change(session, onboarding_id, actor, admins)
    issue = open_issue(session, onboarding, severity, title, actor, now, data=data)
    return _issue_change(onboarding, issue, True, now, settings)


def respond_to_issue_by_id(
    session: Session,
    onboarding_id: int,
    number: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
) -> IssueChange:
    onboarding = load_to_change(session, onboarding_id, actor, admins)
    issue, changed = respond_to_issue(session, onboarding, number, actor, now)
    return _issue_change(onboarding, issue, changed, now, settings)


def resolve_issue_by_id(
    session: Session,
    onboarding_id: int,
    number: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
) -> IssueChange:
    onboarding = load_to_change(session, onboarding_id, actor, admins)
    issue, changed = resolve_issue(session, onboarding, number, actor, now)
    return _issue_change(onboarding, issue, changed, now, settings)
