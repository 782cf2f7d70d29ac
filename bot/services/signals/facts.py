"""The facts of one onboarding that the detector reads: only the rows that can signal, as the
scan (bot/services/signals/scan.py) loads them, one named tuple per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from bot.models import MilestoneStatus, OnboardingStatus

KICKOFF_MILESTONE = "kickoff"
OPEN_STATUSES = (OnboardingStatus.ACTIVE, OnboardingStatus.HYPERCARE)
DONE_STATUSES = (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)


class OnboardingRow(NamedTuple):
    id: int
    company_name: str
    status: str
    playbook: str
    csm_user_id: str
    ae_user_id: str
    customer_channel_id: str | None
    internal_channel_id: str | None
    timezone: str | None
    start_date: date
    last_activity_at: datetime
    created_at: datetime


class MilestoneRow(NamedTuple):
    onboarding_id: int
    id: int
    key: str
    name: str
    due_date: date


class BlockerRow(NamedTuple):
    onboarding_id: int
    id: int
    reason: str
    owner_user_id: str
    opened_at: datetime


class StakeholderCount(NamedTuple):
    onboarding_id: int
    present: int
    last_departed_at: datetime | None


class ChampionRow(NamedTuple):
    onboarding_id: int
    id: int
    name: str
    departed_at: datetime | None
    last_contact_at: datetime | None


class CommitmentRow(NamedTuple):
    onboarding_id: int
    id: int
    text: str
    due_date: date
    owner_user_id: str | None


class IssueRow(NamedTuple):
    onboarding_id: int
    id: int
    number: int
    severity: str
    title: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None = None  # only open issues are read


class HealthRow(NamedTuple):
    onboarding_id: int
    checked_at: datetime
    score: int
    status: str


class IntegrationRow(NamedTuple):
    onboarding_id: int
    id: int
    name: str
    owner_user_id: str | None
    config_notes: str
    updated_at: datetime | None


class TrainingRow(NamedTuple):
    onboarding_id: int
    id: int
    track: str
    invited: int
    attended: int
    delivered_at: datetime


class ConversationRow(NamedTuple):
    """The customer's side of an onboarding's channels (bot/services/conversations.py)."""

    onboarding_id: int
    last_customer_at: datetime | None
    waiting_since: datetime | None  # the oldest customer message no one of ours answered
    waiting_threads: int


class CustomerReplyRow(NamedTuple):
    """A customer message that answered ours, from the last two weeks."""

    onboarding_id: int
    answers_at: datetime
    sent_at: datetime


class UsageRow(NamedTuple):
    """One onboarding's product usage as the scan sums it up (bot/services/signals/usage.py):
    weeks are the 7 days ending yesterday and the 7 before (UTC dates)."""

    onboarding_id: int
    setup_done_on: date | None  # the technical setup milestone, when complete
    go_live_at: datetime | None
    first_day: date | None  # of any record
    last_active_day: date | None  # the latest with an active user
    latest_day: date | None
    latest_active: int | None
    latest_licensed: int | None
    week_active: int | None  # the highest daily active users of the week
    previous_week_active: int | None


class ScopeRow(NamedTuple):
    """Approved change requests against the plan made at the handoff (signals/scope.py)."""

    onboarding_id: int
    approved: int
    last_approved_at: datetime
    baseline_items: int | None


@dataclass(slots=True)
class Facts:
    """Everything the detector needs about one onboarding (only the rows that can signal): a
    field per fact source of the scan (bot/services/signals/scan.py SOURCES)."""

    onboarding: OnboardingRow
    milestones: tuple[MilestoneRow, ...] = ()
    blockers: tuple[BlockerRow, ...] = ()
    stakeholders: StakeholderCount | None = None
    champions: tuple[ChampionRow, ...] = ()
    commitments: tuple[CommitmentRow, ...] = ()
    issues: tuple[IssueRow, ...] = ()
    health: HealthRow | None = None  # the latest weekly health check
    integrations: tuple[IntegrationRow, ...] = ()  # failing ones only
    training: tuple[TrainingRow, ...] = ()  # delivered, possibly below
    conversation: ConversationRow | None = None  # None: no customer message stored
    customer_replies: tuple[CustomerReplyRow, ...] = ()

    usage: UsageRow | None = None  # with technical setup done or a usage record only
    scope: ScopeRow | None = None  # with an approved change request only
