"""The states and roles the tables store as strings."""

from __future__ import annotations

import enum


class OnboardingStatus(enum.StrEnum):
    ACTIVE = "active"
    HYPERCARE = "hypercare"
    CLOSED = "closed"


class MilestoneStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    BLOCKED = "blocked"
    WAIVED = "waived"


class StakeholderRole(enum.StrEnum):
    EXECUTIVE_SPONSOR = "executive_sponsor"
    CHAMPION = "champion"
    TECHNICAL_LEAD = "technical_lead"
    END_USER_CHAMPION = "end_user_champion"
    DETRACTOR = "detractor"

    @property
    def label(self) -> str:
        return {
            "executive_sponsor": "Executive sponsor",
            "champion": "Project lead (champion)",
            "technical_lead": "Technical lead",
            "end_user_champion": "End-user champion",
            "detractor": "Detractor",
        }[self.value]


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class IntegrationStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    CONFIGURING = "configuring"
    VERIFIED = "verified"  # verified end to end
    FAILING = "failing"
    WAIVED = "waived"
