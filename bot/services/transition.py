"""The transition: `/onboard close` hands a finished onboarding to the ongoing CSM, and
`/onboard reopen` takes it back.

- **Completion check** (`completion_check`): every milestone done or waived with a reason (the
  transition milestone itself is what closing completes, so it is not asked for), first value
  confirmed (`first_value_at`), and hypercare exited when the onboarding went live (`go_live_at`
  set; an onboarding that never went live, its go-live milestone waived, has no hypercare to
  exit). Every failing reason is listed at once, so the CSM can fix them all.
- **Waiving** (`waive_milestones`): milestones not done may be waived with a written reason,
  recorded in the activity log (the report lists them with their reasons).
- **Closing** (`close_onboarding`): lessons learned and the ongoing CSM are required; the
  onboarding report (bot/services/close_report.py) is queued to the internal channel (never
  the customer channel: it is internal data; without an internal channel, to the closer's DM)
  and to the ongoing CSM's DM, the fields stored, status CLOSED, `closed_at`, the activity
  entry. Closed onboardings are out of every scan (stall alerts, journey), so alerts stop.
- **Reopening** (`reopen_onboarding`): back to ACTIVE, or HYPERCARE when hypercare was never
  exited, logged with who and why; refused while another open onboarding of the same company
  exists (one open onboarding per company).

The refusals carry facts, not wording: bot/slack/transition_views.py words them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Milestone, MilestoneStatus, Onboarding, OnboardingStatus
from bot.playbooks import PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.close_report import (
    REPORT_RELATIONS,
    WAIVED_ACTION,
    OnboardingReport,
    ReportRequest,
    build_report,
)
from bot.services.errors import Conflict, DomainError
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.permissions import ensure_can_change

TRANSITION_MILESTONE = "transition"
REPORT_KIND = "transition_report"
HANDOVER_KIND = "transition_handover"
LESSONS_MAX = 2900
REASON_MAX = 500


# ---- the completion check --------------------------------------------------------------------


@dataclass(frozen=True)
class OpenMilestone:
    milestone_id: int
    name: str
    due_date: date


@dataclass(frozen=True)
class CompletionCheck:
    onboarding_id: int
    company_name: str
    open_milestones: list[OpenMilestone]  # the milestones not done, in plan order
    first_value_missing: bool
    hypercare_open: bool  # it went live and never exited hypercare

    @property
    def reason_count(self) -> int:
        return len(self.open_milestones) + self.first_value_missing + self.hypercare_open

    @property
    def passed(self) -> bool:
        return self.reason_count == 0


class CloseInvalid(DomainError):
    """A close form field is missing or wrong: `field` is "lessons" or "ongoing_csm"."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class NotReady(DomainError):
    """The completion check failed: every reason, for the CSM to fix."""

    def __init__(self, check: CompletionCheck) -> None:
        super().__init__(f"{check.company_name} cannot be closed yet")
        self.check = check


class AlreadyClosed(Conflict):
    def __init__(self, company_name: str, closed_at: datetime | None) -> None:
        super().__init__(
            f"{company_name} was already closed",
            template="transition_already_closed",
            company_name=company_name,
            closed_at=closed_at,
        )
        self.company_name, self.closed_at = company_name, closed_at


class NotClosed(Conflict):
    def __init__(self, company_name: str) -> None:
        super().__init__(
            f"{company_name} is not closed",
            template="transition_not_closed",
            company_name=company_name,
        )
        self.company_name = company_name


class OtherOnboardingOpen(Conflict):
    """Reopening would make two open onboardings of one company."""

    def __init__(self, company_name: str, other_name: str, other_start: date) -> None:
        super().__init__(
            f"{company_name} cannot be reopened: another onboarding of the same company is open",
            template="transition_other_open",
            company_name=company_name,
            other_name=other_name,
            other_start=other_start,
        )
        self.company_name, self.other_name, self.other_start = company_name, other_name, other_start


def closing_completes(milestone: Milestone) -> bool:
    return milestone.key == TRANSITION_MILESTONE and not milestone.is_go_live


def completion_check(onboarding: Onboarding) -> CompletionCheck:
    """Whether the onboarding may close, and every reason it may not (see the module doc)."""
    return CompletionCheck(
        onboarding.id,
        onboarding.company_name,
        [
            OpenMilestone(m.id, m.name, m.due_date)
            for m in onboarding.milestones
            if not (m.is_done or closing_completes(m))
        ],
        first_value_missing=onboarding.first_value_at is None,
        hypercare_open=onboarding.go_live_at is not None and onboarding.hypercare_exited_at is None,
    )


def _load(session: Session, onboarding_id: int, actor: str, admins: Collection[str]) -> Onboarding:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    return onboarding


def _ensure_open(onboarding: Onboarding) -> None:
    if not onboarding.is_open:
        raise AlreadyClosed(onboarding.company_name, onboarding.closed_at)


def check_close(
    session: Session, onboarding_id: int, actor: str, *, admins: Collection[str]
) -> CompletionCheck:
    """The completion check for `actor` (who must be allowed to change the onboarding)."""
    onboarding = _load(session, onboarding_id, actor, admins)
    _ensure_open(onboarding)
    return completion_check(onboarding)


# ---- waiving milestones ----------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise CloseInvalid("reason", "Write why they are waived (it goes in the report).")
    if len(reason) > REASON_MAX:
        raise CloseInvalid("reason", f"At most {REASON_MAX} characters, please.")
    return reason


def waive_milestones(
    session: Session,
    onboarding_id: int,
    milestone_ids: Collection[int],
    reason: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> list[str]:
    """Waive the chosen milestones (not done ones of this onboarding) with `reason`; the names
    waived. CloseInvalid when none is chosen or the reason is blank."""
    onboarding = _load(session, onboarding_id, actor, admins)
    _ensure_open(onboarding)
    if not milestone_ids:
        raise CloseInvalid("milestones", "Choose the milestones to waive.")
    reason = _clean_reason(reason)
    chosen = set(milestone_ids)
    waived: list[str] = []
    for m in onboarding.milestones:
        if m.id not in chosen or m.is_done:
            continue
        m.status = MilestoneStatus.WAIVED
        m.completed_at, m.completed_by = now, actor
        waived.append(m.name)
        record_activity(
            session,
            onboarding,
            actor,
            WAIVED_ACTION,
            f"Waived {m.name}: {reason}",
            now=now,
            data={"milestone_id": m.id, "milestone": m.key, "reason": reason},
        )
    return waived


# ---- closing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    report: OnboardingReport
    report_channel: str  # the internal channel, or the closer's DM without one
    report_key: str
    handover_key: str


def _clean_lessons(lessons: str) -> str:
    lessons = lessons.strip()
    if len(lessons) < 10:
        raise CloseInvalid("lessons", "Write the lessons learned (a sentence at least).")
    if len(lessons) > LESSONS_MAX:
        raise CloseInvalid("lessons", f"At most {LESSONS_MAX} characters, please.")
    return lessons


def _chosen(ongoing_csm: str | None) -> str:
    if not ongoing_csm:
        raise CloseInvalid("ongoing_csm", "Choose who carries the account on.")
    return ongoing_csm


def close_onboarding(
    session: Session,
    onboarding_id: int,
    actor: str,
    *,
    lessons: str,
    ongoing_csm: str | None,
    admins: Collection[str],
    playbooks: PlaybookLibrary,
    now: datetime,
    today: date,
) -> Closed:
    """Close after the completion check (NotReady with it when it fails): the fields, the
    transition milestone, status and closed_at, the activity, the report and the handover."""
    onboarding = get_onboarding(session, onboarding_id, *REPORT_RELATIONS)
    ensure_can_change(onboarding, actor, admins)
    _ensure_open(onboarding)
    request = ReportRequest(_clean_lessons(lessons), _chosen(ongoing_csm), actor, today)
    check = completion_check(onboarding)
    if not check.passed:
        raise NotReady(check)
    for m in onboarding.milestones:
        if closing_completes(m) and not m.is_done:
            m.status = MilestoneStatus.COMPLETE
            m.completed_at, m.completed_on, m.completed_by = now, today, actor
    report = build_report(session, onboarding, request, playbooks)
    onboarding.lessons_learned = request.lessons
    onboarding.ongoing_csm_user_id = request.ongoing_csm
    onboarding.status = OnboardingStatus.CLOSED
    onboarding.closed_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "closed",
        "Closed and handed over to the ongoing CSM",
        now=now,
        data={"ongoing_csm": request.ongoing_csm, "lessons_learned": request.lessons},
    )
    return _queue_report(session, report, now)


def _queue_report(session: Session, report: OnboardingReport, now: datetime) -> Closed:
    """The report to the internal channel (else the closer's DM), the handover to the ongoing
    CSM's DM: both internal, both the report's data."""
    period = now.isoformat()
    channel = report.internal_channel_id or report.closed_by
    ongoing = report.ongoing_csm_user_id
    report_key = outbox_key(REPORT_KIND, report.onboarding_id, "internal", period)
    handover_key = outbox_key(HANDOVER_KIND, report.onboarding_id, ongoing, period)
    data = post_data(report)
    for key, kind, to in (
        (report_key, REPORT_KIND, channel),
        (handover_key, HANDOVER_KIND, ongoing),
    ):
        post = Post(key, kind, to, data=data, onboarding_id=report.onboarding_id, internal=True)
        enqueue(session, post, now=now)
    return Closed(report, channel, report_key, handover_key)


# ---- reopening -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reopened:
    onboarding_id: int
    company_name: str
    status: str
    reason: str


def reopen_onboarding(
    session: Session,
    onboarding_id: int,
    actor: str,
    reason: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> Reopened:
    """Back to ACTIVE (HYPERCARE when it went live and never exited hypercare), logged with
    who and why. Refused when it is open, or another onboarding of the company is."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    reason = " ".join(reason.split())
    if onboarding.is_open:
        raise NotClosed(onboarding.company_name)
    if not reason:
        raise CloseInvalid("reason", "Say why it is reopened: `/onboard reopen <customer> <why>`.")
    other = session.scalar(
        select(Onboarding).where(
            Onboarding.company_key == onboarding.company_key,
            Onboarding.status != OnboardingStatus.CLOSED,
            Onboarding.id != onboarding.id,
        )
    )
    if other is not None:
        raise OtherOnboardingOpen(onboarding.company_name, other.company_name, other.start_date)
    went_live = onboarding.go_live_at is not None and onboarding.hypercare_exited_at is None
    onboarding.status = OnboardingStatus.HYPERCARE if went_live else OnboardingStatus.ACTIVE
    closed_at = onboarding.closed_at
    onboarding.closed_at = None
    record_activity(
        session,
        onboarding,
        actor,
        "reopened",
        f"Reopened: {reason}",
        now=now,
        data={"reason": reason, "closed_at": closed_at.isoformat() if closed_at else None},
    )
    return Reopened(onboarding.id, onboarding.company_name, onboarding.status, reason)
