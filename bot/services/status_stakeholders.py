"""The stakeholder section of the status card: who the customer's people are, and the flags
(single-threaded, champion gone, detractors) the card raises about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.models import Onboarding, StakeholderRole
from bot.services.stakeholders import Sentiment, people_of


@dataclass(frozen=True)
class StakeholderLine:
    """A customer stakeholder. Name and role are customer-facing, except the role `detractor`;
    sentiment, power, interest and last contact are internal."""

    name: str
    role: str
    role_label: str
    sentiment: str
    power: str
    interest: str
    contact_days: int | None  # days since the last logged contact; None: never logged
    departed_on: date | None

    @property
    def is_detractor(self) -> bool:
        return self.role == StakeholderRole.DETRACTOR or self.sentiment == Sentiment.DETRACTOR


@dataclass(frozen=True)
class StakeholderSummary:
    people: list[StakeholderLine]  # present first, by role (bot/services/stakeholders.py)
    minimum: int  # fewer present than this: single-threaded (the stall signal's rule)

    @property
    def present(self) -> list[StakeholderLine]:
        return [p for p in self.people if p.departed_on is None]

    @property
    def single_threaded(self) -> bool:
        return len(self.present) < self.minimum

    @property
    def champion_gone(self) -> list[StakeholderLine]:
        """The departed champions while no champion is left (a new one clears the flag)."""
        if any(p.role == StakeholderRole.CHAMPION for p in self.present):
            return []
        return [p for p in self.people if p.departed_on and p.role == StakeholderRole.CHAMPION]

    @property
    def detractors(self) -> list[StakeholderLine]:
        """Present detractors: by role or by sentiment."""
        return [p for p in self.present if p.is_detractor]


def stakeholder_summary(onboarding: Onboarding, today: date, minimum: int) -> StakeholderSummary:
    """The customer's people on `today`; fewer than `minimum` present is single-threaded."""
    return StakeholderSummary(
        [
            StakeholderLine(
                p.name,
                p.role,
                p.role_label,
                p.sentiment,
                p.power,
                p.interest,
                None if p.last_contact_at is None else (today - p.last_contact_at.date()).days,
                p.departed_at.date() if p.departed_at else None,
            )
            for p in people_of(onboarding)
        ],
        minimum,
    )
