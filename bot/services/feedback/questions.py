"""Asking the customer: which pulse or survey a completed milestone calls for, where it goes,
and queueing it once. A pulse is queued as a `PulseQuestion`, a survey invitation as a
`SurveyInvite`; bot/slack/feedback_views.py renders them when they are sent."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from bot.models import Milestone, MilestoneStatus, Onboarding
from bot.services.activity import record_activity
from bot.services.feedback.wording import FeedbackConfig, PulseWording, SurveyWording
from bot.services.onboardings import get_onboarding
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.permissions import ensure_can_change
from bot.text import count

KICKOFF_MILESTONE = "kickoff"
TRANSITION_MILESTONE = "transition"
# A milestone completed longer ago than this gets no pulse or survey any more (nor a late one).
FEEDBACK_WINDOW = timedelta(days=3)

PULSE_KIND = "pulse"
SURVEY_KIND = "survey"


class FeedbackKind(enum.StrEnum):
    PULSE_KICKOFF = "pulse_kickoff"
    PULSE_GO_LIVE = "pulse_go_live"
    SURVEY = "survey"

    @property
    def is_pulse(self) -> bool:
        return self is not FeedbackKind.SURVEY


@dataclass(frozen=True)
class PulseQuestion:
    """The pulse message: its question and buttons, and how many answered (never what)."""

    onboarding_id: int
    pulse: FeedbackKind
    wording: PulseWording
    answers: int = 0


@dataclass(frozen=True)
class SurveyInvite:
    """The "Give feedback" message; `answers` is counted on the customer channel's only."""

    onboarding_id: int
    company_name: str
    wording: SurveyWording
    answers: int = 0


def pulse_key(onboarding_id: int, kind: FeedbackKind) -> str:
    return outbox_key(PULSE_KIND, onboarding_id, kind.value)


def survey_key(onboarding_id: int, destination: str) -> str:
    return outbox_key(SURVEY_KIND, onboarding_id, destination)


def pulse_kind_for(milestone: Milestone) -> FeedbackKind | None:
    if milestone.is_go_live:
        return FeedbackKind.PULSE_GO_LIVE
    if milestone.key == KICKOFF_MILESTONE:
        return FeedbackKind.PULSE_KICKOFF
    return None


@dataclass(frozen=True)
class SurveyTarget:
    """Where the survey invitation goes: the customer channel, or these people by DM."""

    channel_id: str | None
    user_ids: tuple[str, ...]

    @property
    def destinations(self) -> tuple[str, ...]:
        return (self.channel_id,) if self.channel_id else self.user_ids


def survey_target(onboarding: Onboarding) -> SurveyTarget:
    if onboarding.customer_channel_id:
        return SurveyTarget(onboarding.customer_channel_id, ())
    people = dict.fromkeys(
        s.slack_user_id
        for s in onboarding.stakeholders
        if s.slack_user_id and s.departed_at is None
    )
    return SurveyTarget(None, tuple(people))


def pulse_post(
    onboarding: Onboarding,
    kind: FeedbackKind,
    config: FeedbackConfig,
    *,
    answers: int = 0,
    expires_at: datetime | None = None,
) -> Post | None:
    """The pulse for the customer channel, counting `answers`; None without a channel."""
    if not onboarding.customer_channel_id:
        return None
    return Post(
        key=pulse_key(onboarding.id, kind),
        kind=PULSE_KIND,
        channel=onboarding.customer_channel_id,
        data=post_data(PulseQuestion(onboarding.id, kind, config.pulse, answers)),
        onboarding_id=onboarding.id,
        expires_at=expires_at,
    )


def survey_post(
    onboarding: Onboarding, destination: str, config: FeedbackConfig, *, answers: int = 0
) -> Post:
    """The survey invitation to `destination`; only the customer channel's counts answers."""
    in_channel = destination == onboarding.customer_channel_id
    invite = SurveyInvite(
        onboarding.id, onboarding.company_name, config.survey, answers if in_channel else 0
    )
    return Post(
        key=survey_key(onboarding.id, destination),
        kind=SURVEY_KIND,
        channel=destination,
        data=post_data(invite),
        onboarding_id=onboarding.id,
    )


def queue_pulse(
    session: Session,
    milestone: Milestone,
    config: FeedbackConfig,
    *,
    now: datetime,
) -> str | None:
    """Queue the pulse a completed kickoff or go-live milestone asks for, unless it was queued
    before, the completion is older than FEEDBACK_WINDOW, or there is no customer channel.
    The queued key, or None."""
    kind = pulse_kind_for(milestone)
    if (
        kind is None
        or milestone.status != MilestoneStatus.COMPLETE
        or milestone.completed_at is None
        or now >= milestone.completed_at + FEEDBACK_WINDOW
    ):
        return None
    post = pulse_post(
        milestone.onboarding, kind, config, expires_at=milestone.completed_at + FEEDBACK_WINDOW
    )
    if post is None or not enqueue(session, post, now=now):
        return None
    return post.key


@dataclass(frozen=True)
class SurveySent:
    company_name: str
    target: SurveyTarget
    queued: tuple[str, ...]  # destinations queued by this call

    @property
    def already_sent(self) -> bool:
        return bool(self.target.destinations) and not self.queued


def queue_survey(
    session: Session, onboarding: Onboarding, config: FeedbackConfig, *, now: datetime
) -> SurveySent:
    """Queue the survey invitation to every destination that has not had it."""
    target = survey_target(onboarding)
    queued = tuple(
        destination
        for destination in target.destinations
        if enqueue(session, survey_post(onboarding, destination, config), now=now)
    )
    return SurveySent(onboarding.company_name, target, queued)


def send_survey(
    session: Session,
    onboarding_id: int,
    actor: str,
    config: FeedbackConfig,
    *,
    admins: Collection[str],
    now: datetime,
) -> SurveySent:
    """`/onboard survey <customer>`: the CSM (AE, admin) sends the survey now."""
    onboarding = get_onboarding(session, onboarding_id, Onboarding.stakeholders)
    ensure_can_change(onboarding, actor, admins)
    sent = queue_survey(session, onboarding, config, now=now)
    if sent.queued:
        record_activity(
            session,
            onboarding,
            actor,
            "survey_sent",
            f"post-onboarding survey sent ({count(len(sent.queued), 'destination')})",
            now=now,
        )
    return sent


def _recent_milestones(
    session: Session, now: datetime, onboarding_id: int | None
) -> list[Milestone]:
    query = (
        select(Milestone)
        .join(Onboarding, Onboarding.id == Milestone.onboarding_id)
        .where(
            Milestone.status == MilestoneStatus.COMPLETE,
            Milestone.completed_at > now - FEEDBACK_WINDOW,
            Milestone.completed_at <= now,
            or_(
                Milestone.key.in_((KICKOFF_MILESTONE, TRANSITION_MILESTONE)),
                Milestone.is_go_live.is_(True),
            ),
        )
        .options(joinedload(Milestone.onboarding).selectinload(Onboarding.stakeholders))
        .order_by(Milestone.completed_at, Milestone.id)
    )
    if onboarding_id is not None:
        query = query.where(Milestone.onboarding_id == onboarding_id)
    return list(session.scalars(query).unique())


def queue_due_feedback(
    session: Session, config: FeedbackConfig, *, now: datetime, onboarding_id: int | None = None
) -> list[str]:
    """Pulses and surveys due for milestones completed within FEEDBACK_WINDOW and not yet
    queued (of one onboarding, or all). The `feedback` job and `after_change` call it; the
    outbox keys make it safe to call any number of times."""
    queued: list[str] = []
    for milestone in _recent_milestones(session, now, onboarding_id):
        if milestone.key == TRANSITION_MILESTONE and not milestone.is_go_live:
            sent = queue_survey(session, milestone.onboarding, config, now=now)
            queued += [survey_key(milestone.onboarding_id, d) for d in sent.queued]
        elif (key := queue_pulse(session, milestone, config, now=now)) is not None:
            queued.append(key)
    return queued
