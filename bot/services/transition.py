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
  onboarding report is built, queued to the internal channel (never the customer channel: it is
  internal data; without an internal channel, to the closer's DM) and to the ongoing CSM's DM,
  the fields stored, status CLOSED, `closed_at`, the activity entry: one commit. Closed
  onboardings are out of every scan (stall alerts, journey), so alerts stop.
- **Reopening** (`reopen_onboarding`): back to ACTIVE, or HYPERCARE when hypercare was never
  exited, logged with who and why; refused while another open onboarding of the same company
  exists (one open onboarding per company).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    ActivityEntry,
    Milestone,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
)
from bot.playbooks import PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.errors import Conflict, DomainError
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key
from bot.services.permissions import ensure_can_change
from bot.slack.mrkdwn import escape

TRANSITION_MILESTONE = "transition"
REPORT_KIND = "transition_report"
HANDOVER_KIND = "transition_handover"
LESSONS_MAX = 2900
REASON_MAX = 500
WAIVED_ACTION = "milestone_waived"


class CloseInvalid(DomainError):
    """A close form field is missing or wrong: `field` is "lessons" or "ongoing_csm"."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class NotReady(DomainError):
    """The completion check failed: every reason, for the CSM to fix."""

    def __init__(self, company_name: str, reasons: list[str], open_milestones: list[int]) -> None:
        super().__init__(
            f"*{escape(company_name)}* cannot be closed yet:\n"
            + "\n".join(f"• {r}" for r in reasons)
        )
        self.reasons = reasons
        self.open_milestones = open_milestones


# ---- the completion check --------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionCheck:
    onboarding_id: int
    company_name: str
    reasons: list[str]
    open_milestones: list[tuple[int, str]]  # (id, name) of the milestones not done

    @property
    def passed(self) -> bool:
        return not self.reasons


def closing_completes(milestone: Milestone) -> bool:
    return milestone.key == TRANSITION_MILESTONE and not milestone.is_go_live


def completion_check(onboarding: Onboarding) -> CompletionCheck:
    """Whether the onboarding may close, and every reason it may not (see the module doc)."""
    reasons: list[str] = []
    open_ones: list[tuple[int, str]] = []
    for m in onboarding.milestones:
        if m.is_done or closing_completes(m):
            continue
        open_ones.append((m.id, m.name))
        reasons.append(
            f"Milestone *{escape(m.name)}* is not done (due {m.due_date:%b %-d}): "
            "complete it, or waive it with a reason."
        )
    if onboarding.first_value_at is None:
        reasons.append(
            "First value is not confirmed: mark the first-value milestone done once the "
            "customer's first-value criterion is met."
        )
    if onboarding.go_live_at is not None and onboarding.hypercare_exited_at is None:
        reasons.append(
            "Hypercare has not been exited: end it (*End hypercare* on the hypercare "
            "update) once its exit check passes."
        )
    return CompletionCheck(onboarding.id, onboarding.company_name, reasons, open_ones)


def _load(session: Session, onboarding_id: int, actor: str, admins: Collection[str]) -> Onboarding:
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    return onboarding


def _ensure_open(onboarding: Onboarding) -> None:
    if not onboarding.is_open:
        when = f" on {onboarding.closed_at:%b %-d, %Y}" if onboarding.closed_at else ""
        raise Conflict(
            f"*{escape(onboarding.company_name)}* was already closed{when}. "
            f"`/onboard reopen {escape(onboarding.company_name)} <why>` reopens it."
        )


def check_close(
    session: Session, onboarding_id: int, actor: str, *, admins: Collection[str]
) -> CompletionCheck:
    """The completion check for `actor` (who must be allowed to change the onboarding)."""
    onboarding = _load(session, onboarding_id, actor, admins)
    _ensure_open(onboarding)
    return completion_check(onboarding)


# ---- waiving milestones ----------------------------------------------------------------------


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
    waived. CloseInvalid when none is chosen or the reason is blank. Commits."""
    onboarding = _load(session, onboarding_id, actor, admins)
    _ensure_open(onboarding)
    reason = " ".join(reason.split())
    if not milestone_ids:
        raise CloseInvalid("milestones", "Choose the milestones to waive.")
    if len(reason) < 5:
        raise CloseInvalid("reason", "Write why they are waived (it goes in the report).")
    if len(reason) > REASON_MAX:
        raise CloseInvalid("reason", f"At most {REASON_MAX} characters, please.")
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
    session.commit()
    return waived


# ---- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupLine:
    name: str
    status: str
    note: str = ""  # the waiver's reason, or the known limitations


@dataclass(frozen=True)
class TrainingLine:
    track: str
    delivered_on: date | None
    invited: int
    attended: int | None
    competency_passed: bool | None


@dataclass(frozen=True)
class MilestoneLine:
    name: str
    due_date: date
    completed_on: date | None
    waived_reason: str | None  # None: not waived

    @property
    def on_time(self) -> bool | None:
        if self.waived_reason is not None or self.completed_on is None:
            return None
        return self.completed_on <= self.due_date


@dataclass(frozen=True)
class OpenItem:
    text: str
    owner_user_id: str | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class OnboardingReport:
    onboarding_id: int
    company_name: str
    segment: str
    playbook: str
    start_date: date
    closed_on: date
    csm_user_id: str
    ae_user_id: str
    ongoing_csm_user_id: str
    closed_by: str
    internal_channel_id: str | None
    setup: list[SetupLine]
    systems: str  # the handoff's systems, when no integration was tracked
    known_limitations: list[str]
    training: list[TrainingLine]
    first_value_definition: str
    first_value_on: date | None
    first_value_criteria: list[str]  # "text (evidence)" of the criteria met
    criteria_open: list[str]
    time_to_value_days: int | None
    target_days: int | None
    milestones: list[MilestoneLine]
    open_blockers: list[OpenItem]
    open_commitments: list[OpenItem]
    stakeholders: list[str]
    lessons_learned: str
    go_live_on: date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def within_target(self) -> bool | None:
        if self.time_to_value_days is None or self.target_days is None:
            return None
        return self.time_to_value_days <= self.target_days

    @property
    def on_time(self) -> tuple[int, int]:
        """(on time, completed) over the milestones completed (waived ones do not count)."""
        judged = [m.on_time for m in self.milestones if m.on_time is not None]
        return sum(1 for ok in judged if ok), len(judged)


def _waiver_reasons(session: Session, onboarding_id: int) -> dict[int, str]:
    rows = session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.onboarding_id == onboarding_id, ActivityEntry.action == WAIVED_ACTION)
        .order_by(ActivityEntry.id)
    )
    return {
        int(e.data["milestone_id"]): str(e.data.get("reason", ""))
        for e in rows
        if isinstance(e.data, dict) and "milestone_id" in e.data
    }


def build_report(
    session: Session,
    onboarding: Onboarding,
    *,
    lessons: str,
    ongoing_csm: str,
    closed_by: str,
    closed_on: date,
    playbooks: PlaybookLibrary,
) -> OnboardingReport:
    """What the onboarding leaves the adoption team: read from the rows, nothing decided."""
    waivers = _waiver_reasons(session, onboarding.id)
    setup = [
        SetupLine(
            i.name,
            i.status,
            i.waived_reason if i.status == "waived" else i.known_limitations,
        )
        for i in onboarding.integrations
    ]
    limitations = [
        f"{i.name}: {i.known_limitations}" for i in onboarding.integrations if i.known_limitations
    ]
    training = [
        TrainingLine(
            t.track,
            t.delivered_at.date() if t.delivered_at else None,
            t.invited,
            t.attended,
            t.competency_passed,
        )
        for t in onboarding.training_sessions
    ]
    met = [c for c in onboarding.success_criteria if c.met_at is not None]
    playbook = playbooks.get(onboarding.playbook)
    first_value_on = onboarding.first_value_at.date() if onboarding.first_value_at else None
    milestones = [
        MilestoneLine(
            m.name,
            m.due_date,
            m.completed_on,
            waivers.get(m.id, "") if m.status == MilestoneStatus.WAIVED else None,
        )
        for m in onboarding.milestones
    ]
    return OnboardingReport(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        segment=onboarding.segment,
        playbook=onboarding.playbook,
        start_date=onboarding.start_date,
        closed_on=closed_on,
        csm_user_id=onboarding.csm_user_id,
        ae_user_id=onboarding.ae_user_id,
        ongoing_csm_user_id=ongoing_csm,
        closed_by=closed_by,
        internal_channel_id=onboarding.internal_channel_id,
        setup=setup,
        systems=onboarding.systems,
        known_limitations=limitations,
        training=training,
        first_value_definition=onboarding.first_value_definition,
        first_value_on=first_value_on,
        first_value_criteria=[f"{c.text} ({c.evidence})" if c.evidence else c.text for c in met],
        criteria_open=[c.text for c in onboarding.success_criteria if c.met_at is None],
        time_to_value_days=(
            (first_value_on - onboarding.start_date).days if first_value_on else None
        ),
        target_days=playbook.target_first_value_days if playbook is not None else None,
        milestones=milestones,
        open_blockers=[
            OpenItem(b.reason, b.owner_user_id)
            for b in onboarding.blockers
            if b.resolved_at is None
        ],
        open_commitments=[
            OpenItem(c.text, c.owner_user_id, c.due_date)
            for c in onboarding.commitments
            if c.status == "open"
        ],
        stakeholders=[
            " · ".join(
                part
                for part in (
                    s.name,
                    s.title,
                    _role_label(s.role),
                    "departed" if s.departed_at else "",
                )
                if part
            )
            for s in onboarding.stakeholders
        ],
        lessons_learned=lessons,
        go_live_on=onboarding.go_live_at.date() if onboarding.go_live_at else None,
    )


def _role_label(role: str) -> str:
    from bot.models import StakeholderRole

    try:
        return StakeholderRole(role).label
    except ValueError:
        return role


# ---- closing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    report: OnboardingReport
    report_channel: str  # the internal channel, or the closer's DM without one
    report_key: str
    handover_key: str


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
    """Close after the completion check (NotReady with every reason when it fails). One commit:
    the fields, the transition milestone, status and closed_at, the activity, the two posts."""
    # Imported here: the views import this module for its types.
    from bot.slack.transition_views import (
        build_handover_blocks,
        build_report_blocks,
        handover_text,
        report_text,
    )

    onboarding = get_onboarding(
        session,
        onboarding_id,
        Onboarding.milestones,
        Onboarding.integrations,
        Onboarding.training_sessions,
        Onboarding.success_criteria,
        Onboarding.blockers,
        Onboarding.commitments,
        Onboarding.stakeholders,
    )
    ensure_can_change(onboarding, actor, admins)
    _ensure_open(onboarding)
    lessons = lessons.strip()
    if len(lessons) < 10:
        raise CloseInvalid("lessons", "Write the lessons learned (a sentence at least).")
    if len(lessons) > LESSONS_MAX:
        raise CloseInvalid("lessons", f"At most {LESSONS_MAX} characters, please.")
    if not ongoing_csm:
        raise CloseInvalid("ongoing_csm", "Choose who carries the account on.")
    check = completion_check(onboarding)
    if not check.passed:
        raise NotReady(
            onboarding.company_name, check.reasons, [i for i, _ in check.open_milestones]
        )
    for m in onboarding.milestones:
        if closing_completes(m) and not m.is_done:
            m.status = MilestoneStatus.COMPLETE
            m.completed_at, m.completed_on, m.completed_by = now, today, actor
    report = build_report(
        session,
        onboarding,
        lessons=lessons,
        ongoing_csm=ongoing_csm,
        closed_by=actor,
        closed_on=today,
        playbooks=playbooks,
    )
    onboarding.lessons_learned = lessons
    onboarding.ongoing_csm_user_id = ongoing_csm
    onboarding.status = OnboardingStatus.CLOSED
    onboarding.closed_at = now
    record_activity(
        session,
        onboarding,
        actor,
        "closed",
        "Closed and handed over to the ongoing CSM",
        now=now,
        data={"ongoing_csm": ongoing_csm, "lessons_learned": lessons},
    )
    period = now.isoformat()
    channel = onboarding.internal_channel_id or actor
    report_key = outbox_key(REPORT_KIND, onboarding.id, "internal", period)
    handover_key = outbox_key(HANDOVER_KIND, onboarding.id, ongoing_csm, period)
    blocks = build_report_blocks(report)
    enqueue(
        session,
        Post(
            key=report_key,
            kind=REPORT_KIND,
            channel=channel,
            text=report_text(report),
            blocks=blocks,
            onboarding_id=onboarding.id,
            internal=True,
        ),
        now=now,
    )
    enqueue(
        session,
        Post(
            key=handover_key,
            kind=HANDOVER_KIND,
            channel=ongoing_csm,
            text=handover_text(report),
            blocks=build_handover_blocks(report),
            onboarding_id=onboarding.id,
            internal=True,
        ),
        now=now,
    )
    session.commit()
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
    who and why. Refused when it is open, or another onboarding of the company is. Commits."""
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    reason = " ".join(reason.split())
    if onboarding.is_open:
        raise Conflict(f"*{escape(onboarding.company_name)}* is not closed.")
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
        raise Conflict(
            f"*{escape(onboarding.company_name)}* cannot be reopened: another onboarding of "
            f"the same company is open (*{escape(other.company_name)}*, started "
            f"{other.start_date:%b %-d, %Y}). Close that one first, or work in it."
        )
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
    session.commit()
    return Reopened(onboarding.id, onboarding.company_name, onboarding.status, reason)
