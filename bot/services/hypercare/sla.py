"""Hypercare's clocks: severities, the SLA clock of an issue and the exit check.

Pure reads of loaded rows at a given `now` (no writes, no queries). Definitions (domain.md
"Hypercare"):

- SLA clocks start when an issue is opened; the spans come from settings (`ONBOARD_SLA_P1=15m/2h`
  ..., defaults in bot/config.py, docs/hypercare.md). P1/P2 clocks run 24/7: due at
  `opened_at + span`. P3/P4 clocks run in the onboarding's business hours (its zone,
  ONBOARD_BUSINESS_HOURS, weekends and ONBOARD_HOLIDAYS skipped): a span in hours or minutes
  counts open time only (a P3 opened Friday 16:30 has its 4 h response due Monday 12:30); a
  span of whole days (24h, 72h) is due at the close of the Nth business day after the day the
  issue was opened (P4's 24 h response is "next business day": Friday or Saturday -> Monday
  17:00). A clock is breached when its event came (or, while it has not come, `now` is)
  strictly after the due moment; at the due moment itself it is not breached. An issue
  resolved without a recorded response counts as responded at its resolution.
- Exit check: passes when (1) no P1 or P2 issue is open, (2) none was open during the quiet
  window (default 48 h; counted from the later of go-live and the last P1/P2 resolution), and
  (3) volume is falling: fewer issues were opened in the last volume window (default 7 days, a
  whole week so weekends weigh the same on both sides) than in the window before it, or none at
  all were opened in the last window.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.calendar import BusinessHours
from bot.config import Settings
from bot.models import HypercareIssue, Onboarding
from bot.text import count

QUIET_WINDOW = timedelta(hours=48)
VOLUME_WINDOW = timedelta(days=7)


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

    @property
    def around_the_clock(self) -> bool:
        """P1/P2 clocks run 24/7; P3/P4 clocks run in business hours only."""
        return self.is_critical_or_high


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


DAY = timedelta(days=1)


def business_hours(settings: Settings, tz: tzinfo) -> BusinessHours:
    opens, closes = settings.business_hours
    return BusinessHours(tz, opens, closes, settings.holidays)


def due_moment(
    start: datetime, span: timedelta, severity: IssueSeverity, hours: BusinessHours
) -> datetime:
    """When a clock of `span` started at `start` is due (see the module docstring)."""
    if severity.around_the_clock:
        return start + span
    if span >= DAY and span % DAY == timedelta(0):
        return hours.close_of_day(start, span // DAY)
    return hours.add_hours(start, span)


def _late(event: datetime | None, due: datetime, now: datetime) -> bool:
    return (event if event is not None else now) > due


def sla_clock(
    issue: HypercareIssue, now: datetime, settings: Settings, tz: tzinfo | None = None
) -> SlaClock:
    """The response and resolution clocks of `issue` at `now`, business hours read in `tz`
    (the onboarding's zone; ONBOARD_TIMEZONE when None)."""
    severity = IssueSeverity(issue.severity)
    response_sla, resolution_sla = settings.hypercare_sla[severity.value]
    hours = business_hours(settings, tz or settings.tz)
    response_due = due_moment(issue.opened_at, response_sla, severity, hours)
    resolution_due = due_moment(issue.opened_at, resolution_sla, severity, hours)
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
    reasons: tuple[str, ...]  # why it does not pass, in plain words; empty when it passes

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
