"""Hypercare: go-live, issues with SLA clocks, the exit check and the end of hypercare.

Domain rules only (no Slack). The domain functions (`go_live`, `open_issue`, `respond_to_issue`,
`resolve_issue`, `end_hypercare`) change a loaded onboarding and leave the commit to the caller;
the `*_by_id` use cases below them load, check the permission, call one of them and commit once.
Go-live itself has no use case here: it happens through the readiness gate
(bot/services/gate.py `decide_gate_by_id`).

Definitions (domain.md "Hypercare"):

- Hypercare starts at go-live and is planned to last the playbook's `hypercare_business_days`
  business days: `hypercare_ends_on` = the local go-live date + that many business days.
- SLA clocks run on wall-clock time from the moment an issue is opened: response due at
  `opened_at + response SLA`, resolution due at `opened_at + resolution SLA` (settings,
  `ONBOARD_SLA_P1=30m/4h`...). A clock is breached when its event came (or, while it has not
  come, `now` is) strictly after the due moment; at the due moment itself it is not breached.
  Resolving an issue that had no recorded response records the response at the same moment.
- Exit check: passes when (1) no P1 or P2 issue is open, (2) none was open during the quiet
  window (default 48 h; counted from the later of go-live and the last P1/P2 resolution), and
  (3) volume is falling: fewer issues were opened in the last volume window (default 7 days, a
  whole week so weekends weigh the same on both sides) than in the window before it, or none at
  all were opened in the last window.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.calendar import add_business_days, business_days_between, time_zone
from bot.config import Settings
from bot.models import HypercareIssue, Onboarding, OnboardingStatus
from bot.playbooks import Playbook
from bot.services.activity import record_activity
from bot.services.errors import Conflict, DomainError, NotFound
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change
from bot.slack.mrkdwn import count, escape, truncate

log = logging.getLogger(__name__)

HYPERCARE_EXIT_MILESTONE = "hypercare_exit"
TITLE_MAX = 300
QUIET_WINDOW = timedelta(hours=48)
VOLUME_WINDOW = timedelta(days=7)
SYNC_TIME = time(9, 0)
NUMBERING_ATTEMPTS = 3


class IssueSeverity(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def label(self) -> str:
        return {"P1": "critical", "P2": "high", "P3": "medium", "P4": "low"}[self.value]

    @property
    def is_critical_or_high(self) -> bool:
        return self in (IssueSeverity.P1, IssueSeverity.P2)


# ---- errors: each says what to do instead ------------------------------------------------


class UnknownSeverity(DomainError):
    pass


class EmptyTitle(DomainError):
    pass


class UnknownIssue(NotFound):
    pass


class NotInHypercare(Conflict):
    pass


class AlreadyLive(Conflict):
    pass


class OnboardingClosed(Conflict):
    pass


class ExitCheckFailed(Conflict):
    pass


# ---- SLA clocks ---------------------------------------------------------------------------


class ClockStage(enum.StrEnum):
    RESPONSE = "response"  # waiting for the first response
    RESOLUTION = "resolution"  # responded, waiting for the resolution
    DONE = "done"  # resolved


@dataclass(frozen=True)
class SlaClock:
    severity: IssueSeverity
    opened_at: datetime
    response_due: datetime
    resolution_due: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    response_breached: bool
    resolution_breached: bool
    stage: ClockStage
    # Until the running clock's due moment (negative once breached); None when resolved.
    time_left: timedelta | None
    # Until the resolution due moment (negative once breached); None when resolved.
    resolution_left: timedelta | None

    @property
    def breached(self) -> bool:
        return self.response_breached or self.resolution_breached


def _sla(settings: Settings, severity: IssueSeverity) -> tuple[timedelta, timedelta]:
    return settings.hypercare_sla[severity.value]


def _late(event: datetime | None, due: datetime, now: datetime) -> bool:
    return (event if event is not None else now) > due


def sla_clock(issue: HypercareIssue, now: datetime, settings: Settings) -> SlaClock:
    """The response and resolution clocks of `issue` as they read at `now`."""
    severity = IssueSeverity(issue.severity)
    response_sla, resolution_sla = _sla(settings, severity)
    response_due = issue.opened_at + response_sla
    resolution_due = issue.opened_at + resolution_sla
    responded = issue.first_response_at or issue.resolved_at
    if issue.resolved_at is not None:
        stage, left, resolution_left = ClockStage.DONE, None, None
    elif responded is None:
        stage, left = ClockStage.RESPONSE, response_due - now
        resolution_left = resolution_due - now
    else:
        stage, left = ClockStage.RESOLUTION, resolution_due - now
        resolution_left = left
    return SlaClock(
        severity=severity,
        opened_at=issue.opened_at,
        response_due=response_due,
        resolution_due=resolution_due,
        responded_at=responded,
        resolved_at=issue.resolved_at,
        response_breached=_late(responded, response_due, now),
        resolution_breached=_late(issue.resolved_at, resolution_due, now),
        stage=stage,
        time_left=left,
        resolution_left=resolution_left,
    )


# ---- the exit check -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExitCheck:
    passes: bool
    open_critical: int  # P1/P2 open now
    quiet_since: datetime | None  # since when no P1/P2 has been open (None: one is open)
    quiet_needed: timedelta
    opened_recent: int  # issues opened in the last volume window
    opened_before: int  # issues opened in the window before it
    window: timedelta
    reasons: tuple[str, ...]  # why it does not pass, in words; empty when it passes

    @property
    def volume_falling(self) -> bool:
        return self.opened_recent == 0 or self.opened_recent < self.opened_before


def _hours(delta: timedelta) -> str:
    """Whole hours (or minutes under an hour), rounded down: 47 h 59 min is "47 h"."""
    seconds = int(delta.total_seconds())
    return f"{seconds // 3600} h" if seconds >= 3600 else f"{seconds // 60} min"


def exit_check(
    onboarding: Onboarding,
    now: datetime,
    *,
    quiet: timedelta = QUIET_WINDOW,
    window: timedelta = VOLUME_WINDOW,
) -> ExitCheck:
    """Whether hypercare may end at `now` (see the module docstring for the definition)."""
    issues = onboarding.hypercare_issues
    critical = [i for i in issues if IssueSeverity(i.severity).is_critical_or_high]
    open_critical = [i for i in critical if i.resolved_at is None]
    reasons: list[str] = []
    quiet_since: datetime | None = None
    if open_critical:
        reasons.append(f"{count(len(open_critical), 'P1/P2 issue')} still open")
    else:
        starts = [onboarding.go_live_at or now] + [i.resolved_at for i in critical if i.resolved_at]
        quiet_since = max(starts)
        if now - quiet_since < quiet:
            reasons.append(
                f"quiet for {_hours(max(now - quiet_since, timedelta(0)))} of the "
                f"{_hours(quiet)} needed without a P1/P2 issue"
            )
    recent = sum(1 for i in issues if now - window <= i.opened_at < now)
    before = sum(1 for i in issues if now - 2 * window <= i.opened_at < now - window)
    if recent and recent >= before:
        days = round(window.total_seconds() / 86400)
        reasons.append(
            f"volume not falling: {count(recent, 'issue')} opened in the last "
            f"{count(days, 'day')}, {before} in the {count(days, 'day')} before"
        )
    return ExitCheck(
        passes=not reasons,
        open_critical=len(open_critical),
        quiet_since=quiet_since,
        quiet_needed=quiet,
        opened_recent=recent,
        opened_before=before,
        window=window,
        reasons=tuple(reasons),
    )


def settings_exit_check(onboarding: Onboarding, now: datetime, settings: Settings) -> ExitCheck:
    return exit_check(
        onboarding,
        now,
        quiet=timedelta(hours=settings.hypercare_quiet_hours),
        window=timedelta(days=settings.hypercare_volume_days),
    )


# ---- domain functions (the caller commits) ------------------------------------------------


def _name(onboarding: Onboarding) -> str:
    return escape(onboarding.company_name)


def _ensure_open(onboarding: Onboarding) -> None:
    if onboarding.status == OnboardingStatus.CLOSED:
        raise OnboardingClosed(
            f"*{_name(onboarding)}* is closed; it cannot go live or take issues."
        )


def ensure_in_hypercare(onboarding: Onboarding) -> None:
    _ensure_open(onboarding)
    if onboarding.status == OnboardingStatus.HYPERCARE:
        return
    if onboarding.hypercare_exited_at is not None:
        raise NotInHypercare(
            f"*{_name(onboarding)}* left hypercare on {onboarding.hypercare_exited_at:%Y-%m-%d}."
        )
    raise NotInHypercare(
        f"*{_name(onboarding)}* is not in hypercare yet: mark go-live first with "
        f"`/onboard golive {_name(onboarding)}`."
    )


def ensure_can_go_live(onboarding: Onboarding, *, tz: tzinfo = UTC) -> None:
    """Refuse a closed onboarding and one that already went live (the readiness gate asks
    before it opens, so nobody answers thirty questions for nothing)."""
    _ensure_open(onboarding)
    if onboarding.go_live_at is not None:
        zone = time_zone(onboarding.timezone, tz)
        raise AlreadyLive(
            f"*{_name(onboarding)}* already went live on "
            f"{onboarding.go_live_at.astimezone(zone):%Y-%m-%d}"
            + (
                f"; hypercare ends {onboarding.hypercare_ends_on:%Y-%m-%d}."
                if onboarding.status == OnboardingStatus.HYPERCARE and onboarding.hypercare_ends_on
                else "."
            )
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
        raise UnknownSeverity(
            f"`{escape(truncate(text.strip(), 20))}` is not a severity: use P1 (critical), "
            "P2 (high), P3 (medium) or P4 (low)."
        )
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
        count = len(onboarding.hypercare_issues)
        listed = f"its issues are #1 to #{count}" if count else "it has no issues"
        raise UnknownIssue(f"*{_name(onboarding)}* has no issue #{number}; {listed}.")
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
            f"Hypercare for *{_name(onboarding)}* cannot end yet: " + "; ".join(check.reasons) + "."
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


# ---- use cases: load, check permission, change, commit once ---------------------------------


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
    """Open an issue; a concurrent one that took the same number makes this one retry."""
    for attempt in range(NUMBERING_ATTEMPTS):
        onboarding = _load(session, onboarding_id, actor, admins)
        issue = open_issue(session, onboarding, severity, title, actor, now, data=data)
        change = _issue_change(onboarding, issue, True, now, settings)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            if attempt == NUMBERING_ATTEMPTS - 1:
                raise
            continue
        return change
    raise AssertionError("unreachable")


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
    change = _issue_change(onboarding, issue, changed, now, settings)
    session.commit()
    return change


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
    change = _issue_change(onboarding, issue, changed, now, settings)
    session.commit()
    return change


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
    result = HypercareEnded(
        onboarding.id, onboarding.company_name, now, len(onboarding.hypercare_issues), check
    )
    session.commit()
    return result


# ---- the daily sync: what it says, computed once from one loaded onboarding -----------------


@dataclass(frozen=True)
class IssueLine:
    number: int
    severity: IssueSeverity
    title: str
    opened_at: datetime
    clock: SlaClock


@dataclass(frozen=True)
class HypercareSync:
    onboarding_id: int
    company_name: str
    csm_user_id: str
    day: date  # the local date of this sync
    day_number: int  # business day of hypercare; the go-live day is day 1
    total_days: int  # planned business days
    ends_on: date | None
    since: datetime  # "since yesterday's sync": the previous business day's 09:00 local
    zone: tzinfo
    open_issues: list[IssueLine]  # P1 first, then by the time left on their clock
    opened_since: list[IssueLine]
    resolved_since: list[IssueLine]
    breaches: list[IssueLine]  # open issues past a response or resolution due moment
    exit: ExitCheck

    def open_by_severity(self) -> dict[IssueSeverity, list[IssueLine]]:
        grouped: dict[IssueSeverity, list[IssueLine]] = {s: [] for s in IssueSeverity}
        for line in self.open_issues:
            grouped[line.severity].append(line)
        return grouped


def previous_sync_moment(day: date, zone: tzinfo) -> datetime:
    """09:00 local on the business day before `day` (Friday's for a Monday)."""
    previous = day - timedelta(days=1)
    while previous.weekday() >= 5:
        previous -= timedelta(days=1)
    return datetime.combine(previous, SYNC_TIME, tzinfo=zone)


def _line(issue: HypercareIssue, now: datetime, settings: Settings) -> IssueLine:
    return IssueLine(
        issue.number,
        IssueSeverity(issue.severity),
        issue.title,
        issue.opened_at,
        sla_clock(issue, now, settings),
    )


def build_sync(
    onboarding: Onboarding, now: datetime, settings: Settings, zone: tzinfo
) -> HypercareSync:
    """Everything the daily sync says at `now` (no queries beyond the loaded issues)."""
    day = now.astimezone(zone).date()
    since = previous_sync_moment(day, zone)
    live_at = onboarding.go_live_at or now
    live_on = live_at.astimezone(zone).date()
    since = max(since, live_at)
    lines = [_line(i, now, settings) for i in onboarding.hypercare_issues]
    open_lines = sorted(
        (line for line in lines if line.clock.resolved_at is None),
        key=lambda line: (line.severity, line.clock.time_left or timedelta(0), line.number),
    )
    ends_on = onboarding.hypercare_ends_on
    return HypercareSync(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        csm_user_id=onboarding.csm_user_id,
        day=day,
        day_number=business_days_between(live_on, day) + 1,
        total_days=business_days_between(live_on, ends_on) if ends_on else 0,
        ends_on=ends_on,
        since=since,
        zone=zone,
        open_issues=open_lines,
        opened_since=[line for line in lines if since <= line.opened_at <= now],
        resolved_since=[
            line
            for line in lines
            if line.clock.resolved_at is not None and since <= line.clock.resolved_at <= now
        ],
        breaches=[line for line in open_lines if line.clock.breached],
        exit=settings_exit_check(onboarding, now, settings),
    )
