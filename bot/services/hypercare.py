"""Hypercare commands: go-live, opening, answering and resolving issues, ending hypercare.

Domain rules only (no Slack). The domain functions (`go_live`, `open_issue`, `respond_to_issue`,
`resolve_issue`, `end_hypercare`) change a loaded onboarding; the `*_by_id` use cases below them
load it, check the permission and call one of them. The edge (handler, job) commits. Go-live
itself has no use case here: it happens through the readiness gate (bot/services/gate.py
`decide_gate_by_id`). The clocks and the exit check are in bot/services/hypercare_sla.py.

Hypercare starts at go-live and is planned to last the playbook's `hypercare_business_days`
business days: `hypercare_ends_on` = the local go-live date + that many business days.
Resolving an issue that had no recorded response records the response at the same moment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from bot.calendar import add_business_days, time_zone
from bot.config import Settings
from bot.db import lock_row
from bot.models import HypercareIssue, Onboarding, OnboardingStatus
from bot.playbooks import Playbook
from bot.services.activity import record_activity
from bot.services.errors import Conflict, DomainError, NotFound
from bot.services.hypercare_sla import (
    QUIET_WINDOW,
    VOLUME_WINDOW,
    ExitCheck,
    IssueSeverity,
    SlaClock,
    exit_check,
    sla_clock,
)
from bot.services.hypercare_sla import ClockStage as ClockStage  # older importers
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change
from bot.text import count, truncate

HYPERCARE_EXIT_MILESTONE = "hypercare_exit"
TITLE_MAX = 300


# ---- errors: each says what to do instead (worded in templates/messages/hypercare_*.j2) ------


class UnknownSeverity(DomainError):
    template = "hypercare_unknown_severity"


class EmptyTitle(DomainError):
    pass


class UnknownIssue(NotFound):
    template = "hypercare_unknown_issue"


class NotInHypercare(Conflict):
    template = "hypercare_not_in_hypercare"


class AlreadyLive(Conflict):
    template = "hypercare_already_live"


class OnboardingClosed(Conflict):
    template = "hypercare_closed"


class ExitCheckFailed(Conflict):
    template = "hypercare_exit_check_failed"


# ---- domain functions ---------------------------------------------------------------------


def _ensure_open(onboarding: Onboarding) -> None:
    if onboarding.status == OnboardingStatus.CLOSED:
        raise OnboardingClosed(
            "This onboarding is closed; it cannot go live or take issues.",
            company=onboarding.company_name,
        )


def ensure_in_hypercare(onboarding: Onboarding) -> None:
    _ensure_open(onboarding)
    if onboarding.status == OnboardingStatus.HYPERCARE:
        return
    exited = onboarding.hypercare_exited_at
    raise NotInHypercare(
        f"This onboarding left hypercare on {exited:%Y-%m-%d}."
        if exited
        else "This onboarding is not in hypercare yet: mark go-live first.",
        company=onboarding.company_name,
        exited_on=exited.date() if exited else None,
    )


def ensure_can_go_live(onboarding: Onboarding, *, tz: tzinfo = UTC) -> None:
    """Refuse a closed onboarding and one that already went live (the readiness gate asks
    before it opens, so nobody answers thirty questions for nothing)."""
    _ensure_open(onboarding)
    if onboarding.go_live_at is not None:
        live_on = onboarding.go_live_at.astimezone(time_zone(onboarding.timezone, tz)).date()
        in_hypercare = onboarding.status == OnboardingStatus.HYPERCARE
        raise AlreadyLive(
            f"This onboarding already went live on {live_on:%Y-%m-%d}.",
            company=onboarding.company_name,
            live_on=live_on,
            ends_on=onboarding.hypercare_ends_on if in_hypercare else None,
        )


def go_live(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    playbook: Playbook,
    *,
    tz: tzinfo = UTC,
) -> date:
    """Mark go-live at `now` and start hypercare; returns the local go-live date.

    `tz` is ONBOARD_TIMEZONE; the onboarding's own time zone wins when set. Refuses a closed
    onboarding and a second go-live."""
    ensure_can_go_live(onboarding, tz=tz)
    zone = time_zone(onboarding.timezone, tz)
    live_on = now.astimezone(zone).date()
    onboarding.go_live_at = now
    onboarding.status = OnboardingStatus.HYPERCARE
    onboarding.hypercare_ends_on = add_business_days(live_on, playbook.hypercare_business_days)
    milestone = next((m for m in onboarding.milestones if m.is_go_live), None)
    if milestone is not None:
        complete_milestone(session, milestone, actor, now=now, on_date=live_on)
    record_activity(
        session,
        onboarding,
        actor,
        "went_live",
        f"Went live; hypercare until {onboarding.hypercare_ends_on:%Y-%m-%d} "
        f"({playbook.hypercare_business_days} business days)",
        now=now,
        data={"hypercare_ends_on": onboarding.hypercare_ends_on.isoformat()},
    )
    return live_on


def parse_severity(text: str) -> IssueSeverity:
    value = text.strip().upper()
    if value not in IssueSeverity.__members__:
        raise UnknownSeverity("That is not a severity: use P1, P2, P3 or P4.", text=text.strip())
    return IssueSeverity(value)


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise EmptyTitle(
            "Give the issue a title, like `/onboard issue acme P2 SAP sync fails for Dayton`."
        )
    return truncate(cleaned, TITLE_MAX)


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
    _ensure_open(onboarding)
    if onboarding.go_live_at is None:
        ensure_in_hypercare(onboarding)
    issue = next((i for i in onboarding.hypercare_issues if i.number == number), None)
    if issue is None:
        raise UnknownIssue(
            f"This onboarding has no issue #{number}.",
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


def end_hypercare(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    now: datetime,
    *,
    quiet: timedelta = QUIET_WINDOW,
    window: timedelta = VOLUME_WINDOW,
) -> ExitCheck:
    """End hypercare when the exit check passes: back to ACTIVE (transition comes next)."""
    ensure_in_hypercare(onboarding)
    check = exit_check(onboarding, now, quiet=quiet, window=window)
    if not check.passes:
        raise ExitCheckFailed(
            "Hypercare cannot end yet: " + "; ".join(check.reasons) + ".",
            company=onboarding.company_name,
            reasons=check.reasons,
        )
    onboarding.hypercare_exited_at = now
    onboarding.status = OnboardingStatus.ACTIVE
    milestone = next((m for m in onboarding.milestones if m.key == HYPERCARE_EXIT_MILESTONE), None)
    if milestone is not None:
        complete_milestone(session, milestone, actor, now=now)
    record_activity(
        session,
        onboarding,
        actor,
        "hypercare_ended",
        f"Hypercare ended after {count(len(onboarding.hypercare_issues), 'issue')}",
        now=now,
    )
    return check


# ---- use cases: load, check permission, change (the edge commits) ---------------------------


@dataclass(frozen=True)
class GoLiveResult:
    """What going live set; built by the readiness gate (bot/services/gate.py), which is the
    only way to go live from Slack."""

    onboarding_id: int
    company_name: str
    go_live_on: date
    hypercare_ends_on: date
    business_days: int
    on_friday: bool
    customer_channel_id: str | None


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


@dataclass(frozen=True)
class HypercareEnded:
    onboarding_id: int
    company_name: str
    exited_at: datetime
    issues: int
    check: ExitCheck


def _load(session: Session, onboarding_id: int, actor: str, admins: Collection[str]) -> Onboarding:
    onboarding = get_onboarding(
        session, onboarding_id, Onboarding.milestones, Onboarding.hypercare_issues
    )
    ensure_can_change(onboarding, actor, admins)
    return onboarding


def _issue_change(
    onboarding: Onboarding,
    issue: HypercareIssue,
    changed: bool,
    now: datetime,
    settings: Settings,
) -> IssueChange:
    return IssueChange(
        onboarding.id,
        onboarding.company_name,
        issue.number,
        IssueSeverity(issue.severity),
        issue.title,
        changed,
        sla_clock(issue, now, settings),
        sum(1 for i in onboarding.hypercare_issues if i.resolved_at is None),
        time_zone(onboarding.timezone, settings.tz),
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
    onboarding = _load(session, onboarding_id, actor, admins)
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
    onboarding = _load(session, onboarding_id, actor, admins)
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
    onboarding = _load(session, onboarding_id, actor, admins)
    issue, changed = resolve_issue(session, onboarding, number, actor, now)
    return _issue_change(onboarding, issue, changed, now, settings)


def end_hypercare_by_id(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
    settings: Settings,
) -> HypercareEnded:
    onboarding = _load(session, onboarding_id, actor, admins)
    check = end_hypercare(
        session,
        onboarding,
        actor,
        now,
        quiet=timedelta(hours=settings.hypercare_quiet_hours),
        window=timedelta(days=settings.hypercare_volume_days),
    )
    return HypercareEnded(
        onboarding.id, onboarding.company_name, now, len(onboarding.hypercare_issues), check
    )
