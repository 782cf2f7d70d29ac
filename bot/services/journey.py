"""The tech-touch journey: which step of a playbook's `journey:` is due for an onboarding, whether
its behaviour condition holds, and the customer's "Need help?" page to the owner.

Rules (docs/playbooks.md, "Journey steps"):
- Step i is due from 09:00 local on its send day: the start date plus `day`, moved off a weekend,
  and never on or before the previous step's send day (then the business day after it).
- A step is current from its send day until the next step's: only the current step may be sent.
  Its condition is checked at every pass while it is current (re-evaluated, not final), and is
  final once the next step is due: a step whose window passed is never sent late.
- Each step is queued at most once per onboarding (`journey:<onboarding>:<step>:`), whatever the
  number of runs or processes. Closed onboardings are never looked at.

Reads are bulk (three queries for the whole book, whatever its size); nothing here calls Slack.
A step is queued as a `JourneyStep` and a page as a `HelpPage`, rendered when they are sent
(bot/slack/journey_views.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import add_business_days, local_midnight, next_business_day
from bot.models import (
    Milestone,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
    OutboxMessage,
    UsageRecord,
)
from bot.playbooks import JourneyStepDef, Playbook, PlaybookLibrary
from bot.services.activity import record_activity
from bot.services.outbox import Post, enqueue, outbox_key, post_data

KIND = "journey"
HELP_KIND = "journey-help"
SEND_AT = time(9, 0)
DONE = (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)


def step_key(onboarding_id: int, step: str) -> str:
    """The outbox key of a step: no period, a step is sent once per onboarding."""
    return outbox_key(KIND, onboarding_id, step)


def send_days(start: date, steps: Iterable[JourneyStepDef]) -> list[date]:
    """The local date each step is due (from SEND_AT): business days, strictly increasing."""
    days: list[date] = []
    for step in steps:
        day = add_business_days(start + timedelta(days=step.day), 0)
        if days and day <= days[-1]:
            day = next_business_day(days[-1])
        days.append(day)
    return days


@dataclass(frozen=True)
class JourneyRow:
    """What the journey needs of an open onboarding (one row of a bulk select)."""

    id: int
    company_name: str
    csm_user_id: str
    customer_channel_id: str | None
    playbook: str
    start_date: date
    timezone: str | None
    created_at: datetime


@dataclass(frozen=True)
class DueStep:
    """The current step of an onboarding at a moment: what to send, and until when."""

    row: JourneyRow
    step: JourneyStepDef
    number: int  # 1-based position in the journey
    total: int
    send_day: date
    # The next step's send moment (the post expires then), None for the last step.
    until: datetime | None

    @property
    def key(self) -> str:
        return step_key(self.row.id, self.step.key)

    @property
    def day(self) -> int:
        """Calendar days since the start date on the send day (the `{{ day }}` placeholder)."""
        return (self.send_day - self.row.start_date).days


@dataclass(frozen=True)
class JourneyStep:
    """A step's post: the playbook's wording (a template of `company`, `csm` and `day`) and
    what fills it; in the customer channel with a "Need help?" button, else to the CSM."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    step: str
    message: str
    day: int
    in_channel: bool


def step_post(due: DueStep) -> Post:
    """The post of a due step: the customer channel, else the CSM's DM."""
    row = due.row
    fact = JourneyStep(
        onboarding_id=row.id,
        company_name=row.company_name,
        csm_user_id=row.csm_user_id,
        step=due.step.key,
        message=due.step.message,
        day=due.day,
        in_channel=bool(row.customer_channel_id),
    )
    return Post(
        key=due.key,
        kind=KIND,
        channel=row.customer_channel_id or row.csm_user_id,
        data=post_data(fact),
        onboarding_id=row.id,
        expires_at=due.until,  # once the next step is due, this one is stale
    )


def current_step(row: JourneyRow, book: Playbook, now: datetime, zone: tzinfo) -> DueStep | None:
    """The step whose window holds `now`, or None before the first (or before 09:00 local)."""
    local = now.astimezone(zone)
    today = local.date() if local.time() >= SEND_AT else local.date() - timedelta(days=1)
    days = send_days(row.start_date, book.journey)
    due = [i for i, day in enumerate(days) if day <= today]
    if not due:
        return None
    i = due[-1]
    until = (
        local_midnight(days[i + 1], zone) + timedelta(hours=SEND_AT.hour, minutes=SEND_AT.minute)
        if i + 1 < len(days)
        else None
    )
    return DueStep(row, book.journey[i], i + 1, len(days), days[i], until)


def condition_failure(step: JourneyStepDef, done: set[str], used: bool = False) -> str | None:
    """Why the step's behaviour condition does not hold, or None when it does. `used`: a usage
    record of the onboarding has an active user."""
    if step.only_if_not_done and step.only_if_not_done in done:
        return f"{step.only_if_not_done} is already done"
    if step.only_if_done and step.only_if_done not in done:
        return f"{step.only_if_done} is not done yet"
    if step.only_if_usage == "started" and not used:
        return "no usage yet"
    if step.only_if_usage == "not_started" and used:
        return "usage has started"
    return None


def usage_started(session: Session, ids: list[int]) -> set[int]:
    """Of these onboardings, those with a usage record that has an active user."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(UsageRecord.onboarding_id)
            .where(UsageRecord.onboarding_id.in_(_ids_query(ids)), UsageRecord.active_users > 0)
            .distinct()
        )
    )


# ------------------------------------------------------------------------------- bulk reads


def journey_playbooks(library: PlaybookLibrary) -> dict[str, Playbook]:
    return {book.key: book for book in library if book.journey}


def open_rows(
    session: Session, playbooks: Iterable[str], *, created_since: datetime | None = None
) -> list[JourneyRow]:
    """Open onboardings on a playbook with a journey (only those created since, if given)."""
    query = select(
        Onboarding.id,
        Onboarding.company_name,
        Onboarding.csm_user_id,
        Onboarding.customer_channel_id,
        Onboarding.playbook,
        Onboarding.start_date,
        Onboarding.timezone,
        Onboarding.created_at,
    ).where(
        Onboarding.status != OnboardingStatus.CLOSED,
        Onboarding.playbook.in_(list(playbooks)),
    )
    if created_since is not None:
        query = query.where(Onboarding.created_at >= created_since)
    return [JourneyRow(*row) for row in session.execute(query.order_by(Onboarding.id))]


def done_milestones(session: Session, ids: list[int], keys: set[str]) -> dict[int, set[str]]:
    """Per onboarding, which of the milestone `keys` are done (complete or waived)."""
    done: dict[int, set[str]] = defaultdict(set)
    if not ids or not keys:
        return done
    rows = session.execute(
        select(Milestone.onboarding_id, Milestone.key).where(
            Milestone.key.in_(sorted(keys)),
            Milestone.status.in_(DONE),
            Milestone.onboarding_id.in_(_ids_query(ids)),
        )
    )
    for onboarding_id, key in rows:
        done[onboarding_id].add(key)
    return done


def queued_keys(session: Session, ids: list[int]) -> set[str]:
    """The journey steps already queued (in any state) for these onboardings."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.kind == KIND, OutboxMessage.onboarding_id.in_(_ids_query(ids))
            )
        )
    )


def _ids_query(ids: list[int]):  # type: ignore[no-untyped-def]
    """`ids` as a subquery of open onboardings when the list is long, so a statement never
    carries thousands of parameters (SQLite's limit is 32,766)."""
    if len(ids) <= 500:
        return ids
    return select(Onboarding.id).where(Onboarding.status != OnboardingStatus.CLOSED)


# ------------------------------------------------------------------------------ need help


@dataclass(frozen=True)
class HelpPage:
    """The owner's page: who asked for help on which step, where, and a link to the message."""

    user_id: str
    channel_id: str | None
    company_name: str
    step: str
    link: str | None


def step_name(step: str) -> str:
    return step.replace("_", " ")


@dataclass(frozen=True)
class HelpRequest:
    """Who was paged about a "Need help?" click, and whether this click was news."""

    csm_user_id: str
    new: bool


def help_key(onboarding_id: int, step: str, user_id: str, day: date) -> str:
    """One page per person, step and day: repeated clicks do not flood the owner."""
    return outbox_key(HELP_KIND, onboarding_id, f"{step}:{user_id}", day.isoformat())


def ask_for_help(
    session: Session,
    onboarding_id: int,
    step: str,
    user_id: str,
    channel_id: str | None,
    link: str | None,
    *,
    day: date,
    now: datetime,
) -> HelpRequest | None:
    """DM the owner (through the outbox) that `user_id` asked for help on `step`, and log it;
    once per person, step and day. None when the onboarding is gone."""
    onboarding = session.get(Onboarding, onboarding_id)
    if onboarding is None:
        return None
    page = Post(
        key=help_key(onboarding.id, step, user_id, day),
        kind=HELP_KIND,
        channel=onboarding.csm_user_id,
        data=post_data(HelpPage(user_id, channel_id, onboarding.company_name, step, link)),
        onboarding_id=onboarding.id,
    )
    new = enqueue(session, page, now=now)
    if new:
        record_activity(
            session,
            onboarding,
            user_id,
            "journey_help",
            f"asked for help on the journey step {step_name(step)}",
            now=now,
            data={"step": step, "channel": channel_id},
        )
    return HelpRequest(onboarding.csm_user_id, new)
