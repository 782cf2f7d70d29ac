"""Typed SQLAlchemy 2 models. Timestamps are timezone-aware UTC; calendar dates are `date`.

Importing this package maps every table, so `Base.metadata` (Alembic's target) holds them all.
"""

from bot.models.app_state import JobRun, SeenRequest, SlackAccess, SubmittedView
from bot.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow
from bot.models.change_request import ChangeRequest, ChangeStatus
from bot.models.conversation import ConversationMessage
from bot.models.enums import (
    IntegrationStatus,
    MilestoneStatus,
    OnboardingStatus,
    Severity,
    StakeholderRole,
)
from bot.models.escalation import Escalation
from bot.models.handoff import HandoffFacts
from bot.models.onboarding import (
    ActivityEntry,
    AlertState,
    Blocker,
    ChecklistItem,
    Commitment,
    FeedbackResponse,
    GateReview,
    HealthCheck,
    HypercareIssue,
    Integration,
    Milestone,
    Onboarding,
    Phase,
    Risk,
    Stakeholder,
    SuccessCriterion,
    TrainingSession,
    onboarding_fk,
)
from bot.models.outbox import OutboxMessage, OutboxStatus
from bot.models.rollup import OnboardingRollup
from bot.models.usage import UsageRecord
from bot.models.user_setting import UserSetting

__all__ = [
    "NAMING_CONVENTION",
    "ActivityEntry",
    "AlertState",
    "Base",
    "Blocker",
    "ChangeRequest",
    "ChangeStatus",
    "ChecklistItem",
    "Commitment",
    "ConversationMessage",
    "Escalation",
    "FeedbackResponse",
    "GateReview",
    "HandoffFacts",
    "HealthCheck",
    "HypercareIssue",
    "Integration",
    "IntegrationStatus",
    "JobRun",
    "Milestone",
    "MilestoneStatus",
    "Onboarding",
    "OnboardingRollup",
    "OnboardingStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Phase",
    "Risk",
    "SeenRequest",
    "Severity",
    "SlackAccess",
    "Stakeholder",
    "StakeholderRole",
    "SubmittedView",
    "SuccessCriterion",
    "TrainingSession",
    "UTCDateTime",
    "UsageRecord",
    "UserSetting",
    "onboarding_fk",
    "utcnow",
]
