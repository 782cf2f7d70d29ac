"""The go-live post: after a successful go-live, the playbook's rollback triggers go to the
customer channel (else the internal channel) through the outbox. It is customer-safe: names,
dates and the triggers, never the override or the gate's answers. bot/slack/gate_views.py
renders it when it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.models import Onboarding
from bot.playbooks import DEFAULT_ROLLBACK_TRIGGERS, Playbook
from bot.services.hypercare import GoLiveResult
from bot.services.outbox import Post, enqueue, outbox_key, post_data

GO_LIVE_POST_KIND = "go-live"
GO_LIVE_POST_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class GoLivePost:
    """What the go-live post says: customer-safe (names, dates, the rollback triggers)."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    go_live: GoLiveResult
    rollback_triggers: list[str]
    planned_on: date | None = None  # the go-live milestone's due date

    @property
    def days_vs_plan(self) -> int | None:
        """Negative: that many days early; positive: late; None without a planned date."""
        return None if self.planned_on is None else (self.go_live.go_live_on - self.planned_on).days


def go_live_post_key(onboarding_id: int, result: GoLiveResult) -> str:
    return outbox_key(
        GO_LIVE_POST_KIND, onboarding_id, "announcement", result.go_live_on.isoformat()
    )


def queue_go_live_post(
    session: Session,
    onboarding: Onboarding,
    result: GoLiveResult,
    playbook: Playbook,
    now: datetime,
) -> str | None:
    """Queue the go-live post (customer channel, else internal channel); its key, or None when
    the onboarding has neither."""
    channel = onboarding.customer_channel_id or onboarding.internal_channel_id
    if not channel:
        return None
    milestone = next((m for m in onboarding.milestones if m.is_go_live), None)
    content = GoLivePost(
        onboarding.id,
        onboarding.company_name,
        onboarding.csm_user_id,
        result,
        list(playbook.rollback_triggers or DEFAULT_ROLLBACK_TRIGGERS),
        planned_on=milestone.due_date if milestone is not None else None,
    )
    key = go_live_post_key(onboarding.id, result)
    post = Post(
        key=key,
        kind=GO_LIVE_POST_KIND,
        channel=channel,
        data=post_data(content),
        onboarding_id=onboarding.id,
        expires_at=now + GO_LIVE_POST_WINDOW,
    )
    enqueue(session, post, now=now)
    return key
