"""Completing and reopening milestones, found by a forgiving match on their names."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import Milestone, MilestoneStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.celebrations import withdraw_celebration
from bot.services.errors import Conflict, NotFound
from bot.services.onboardings import complete_milestone, get_onboarding
from bot.services.permissions import ensure_can_change
from bot.slack.mrkdwn import escape


@dataclass(frozen=True)
class MilestoneChange:
    onboarding_id: int
    company_name: str
    milestone_id: int
    milestone_name: str
    changed: bool
    first_value: bool = False


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def match_milestone(milestones: list[Milestone], query: str) -> Milestone:
    """Exact name or key, prefix, substring, then a small typo; NotFound lists the names."""
    wanted = _norm(query)
    tiers = (
        lambda m: _norm(m.name) == wanted or _norm(m.key) == wanted,
        lambda m: _norm(m.name).startswith(wanted) or _norm(m.key).startswith(wanted),
        lambda m: wanted in _norm(m.name),
    )
    found: list[Milestone] = []
    if wanted:
        for tier in tiers:
            if found := [m for m in milestones if tier(m)]:
                break
    if not found and wanted:
        names = {_norm(m.name): m for m in milestones}
        close = difflib.get_close_matches(wanted, list(names), n=2, cutoff=0.75)
        found = [names[c] for c in close[:1]]
    names_list = ", ".join(f"`{escape(m.name)}`" for m in milestones)
    if not found:
        raise NotFound(f"No milestone matches `{escape(query)}`. The milestones are: {names_list}.")
    if len(found) > 1:
        choices = ", ".join(f"`{escape(m.name)}`" for m in found)
        raise Conflict(f"`{escape(query)}` matches several milestones: {choices}. Which one?")
    return found[0]


def _change(onboarding: Onboarding, milestone: Milestone, changed: bool) -> MilestoneChange:
    return MilestoneChange(
        onboarding.id,
        onboarding.company_name,
        milestone.id,
        milestone.name,
        changed,
        milestone.is_first_value,
    )


def complete_named_milestone(
    session: Session,
    onboarding_id: int,
    query: str,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """`done <customer> <milestone>`; `changed` is False when it was already complete."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.milestones)
    ensure_can_change(onboarding, actor, admins)
    milestone = match_milestone(onboarding.milestones, query)
    return _complete(session, onboarding, milestone, actor, now)


def complete_milestone_by_id(
    session: Session,
    milestone_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    milestone = _changeable_milestone(session, milestone_id, actor, admins)
    return _complete(session, milestone.onboarding, milestone, actor, now)


def _changeable_milestone(
    session: Session, milestone_id: int, actor: str, admins: Collection[str]
) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("That milestone no longer exists.")
    ensure_can_change(milestone.onboarding, actor, admins)
    return milestone


def _complete(
    session: Session, onboarding: Onboarding, milestone: Milestone, actor: str, now: datetime
) -> MilestoneChange:
    changed = complete_milestone(session, milestone, actor, now=now)
    if changed:
        session.commit()
    return _change(onboarding, milestone, changed)


def reopen_milestone(
    session: Session,
    milestone_id: int,
    actor: str,
    *,
    admins: Collection[str],
    now: datetime,
) -> MilestoneChange:
    """Undo a completion: the milestone is pending again; first value is cleared with it, and
    a celebration of it that has not gone out is withdrawn."""
    milestone = _changeable_milestone(session, milestone_id, actor, admins)
    onboarding = milestone.onboarding
    if milestone.status != MilestoneStatus.COMPLETE:
        return _change(onboarding, milestone, False)
    withdraw_celebration(session, milestone, now=now)  # in this transaction: never half undone
    milestone.status = MilestoneStatus.PENDING
    milestone.completed_at = milestone.completed_on = milestone.completed_by = None
    if milestone.is_first_value and not any(
        m.is_first_value and m.is_done for m in onboarding.milestones if m is not milestone
    ):
        onboarding.first_value_at = None
    record_activity(
        session,
        onboarding,
        actor,
        "milestone_reopened",
        f"{milestone.name} reopened",
        now=now,
        data={"milestone": milestone.key},
    )
    session.commit()
    return _change(onboarding, milestone, True)
