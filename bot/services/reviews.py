"""After go-live: the reviews the CSM holds (the playbook's `reviews`: the 30-day post-go-live
review, the 60-day success review, SMB check-ins, the monthly executive update) and the renewal
conversation (`renewal_prompt_days` before the contract renews: its start plus its term).

Each is a DM to the CSM (the ongoing CSM once the onboarding is closed) on its day, its agenda
filled from the data: a review is told once per occurrence (the outbox key names it), and a day
missed is told late rather than skipped, for up to a fortnight.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.calendar import time_zone
from bot.models import Onboarding, OnboardingStatus
from bot.parsing import parse_term_months
from bot.playbooks import Playbook, PlaybookLibrary, ReviewDef
from bot.services.outbox import Post, enqueue, outbox_key, post_data
from bot.services.usage_adoption import load_adoption

REVIEW_KIND = "review"
RENEWAL_KIND = "renewal-prompt"
LATE_AT_MOST = timedelta(days=14)  # a review told later than this is no longer worth telling


@dataclass(frozen=True)
class ReviewAgenda:
    """What the CSM needs for the review, read from the onboarding on its day."""

    onboarding_id: int
    company_name: str
    review: str
    purpose: str
    due_on: date
    go_live_on: date
    milestones_done: int
    milestones_total: int
    milestones_on_time: int
    issues_opened: int
    issues_open: int
    active_users: int | None
    licensed_users: int | None
    success_criteria_met: int
    success_criteria_total: int


@dataclass(frozen=True)
class RenewalPrompt:
    onboarding_id: int
    company_name: str
    renews_on: date
    days_left: int
    contract_term: str
    arr: str


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def renewal_date(start_date: date, contract_term: str) -> date | None:
    """The day the contract renews: its start plus its term (None: no term Onboard can read)."""
    months = parse_term_months(contract_term)
    return add_months(start_date, months) if months else None


def occurrences(review: ReviewDef, go_live_on: date, today: date) -> list[date]:
    """The days `review` falls on up to `today` that are still worth telling."""
    first = go_live_on + timedelta(days=review.days_after_go_live)
    days = [first]
    if review.repeat_days:
        while days[-1] + timedelta(days=review.repeat_days) <= today:
            days.append(days[-1] + timedelta(days=review.repeat_days))
    return [d for d in days if d <= today and today - d <= LATE_AT_MOST]


def queue_due_reviews(
    session: Session,
    library: PlaybookLibrary,
    *,
    now: datetime,
    default_tz: tzinfo,
    zones: Collection[tzinfo],
) -> list[str]:
    """Queue every review and renewal prompt due at `now` in `zones` (the onboardings' time
    zones whose day has come) and not queued yet: the keys."""
    posts: list[Post] = []
    for onboarding in _live(session):
        zone = time_zone(onboarding.timezone, default_tz)
        if zone in zones:
            playbook = library.get(onboarding.playbook) or library.for_arr(onboarding.arr)
            posts += _review_posts(session, onboarding, playbook, now.astimezone(zone).date())
    for row in session.execute(_RENEWAL_COLUMNS.where(Onboarding.contract_term != "")):
        zone = time_zone(row.timezone, default_tz)
        if zone in zones:
            playbook = library.get(row.playbook) or library.for_arr(row.arr)
            posts += _renewal_posts(row, playbook, now.astimezone(zone).date())
    return [post.key for post in posts if enqueue(session, post, now=now)]


def _live(session: Session) -> list[Onboarding]:
    """Onboardings that went live, with what an agenda reads (few: most are not yet live)."""
    return list(
        session.scalars(
            select(Onboarding)
            .where(Onboarding.go_live_at.is_not(None))
            .options(
                selectinload(Onboarding.milestones),
                selectinload(Onboarding.hypercare_issues),
                selectinload(Onboarding.success_criteria),
            )
        )
    )


# The renewal reads columns only: every onboarding with a term is a candidate.
_RENEWAL_COLUMNS = select(
    Onboarding.id,
    Onboarding.company_name,
    Onboarding.start_date,
    Onboarding.contract_term,
    Onboarding.arr,
    Onboarding.playbook,
    Onboarding.timezone,
    Onboarding.status,
    Onboarding.csm_user_id,
    Onboarding.ongoing_csm_user_id,
)


def _owner(onboarding: Any) -> str:
    closed = onboarding.status == OnboardingStatus.CLOSED
    return (onboarding.ongoing_csm_user_id if closed else None) or onboarding.csm_user_id


def _review_posts(
    session: Session, onboarding: Onboarding, playbook: Playbook, today: date
) -> list[Post]:
    if onboarding.go_live_at is None:
        return []
    go_live_on = onboarding.go_live_at.date()
    posts = []
    for review in playbook.reviews:
        if review.repeat_days and onboarding.status == OnboardingStatus.CLOSED:
            continue  # the monthly updates stop with the onboarding; one-off reviews do not
        for due_on in occurrences(review, go_live_on, today):
            agenda = build_agenda(onboarding, review, due_on, go_live_on)
            adoption = load_adoption(session, onboarding.id, playbook.usage.core_features)
            if adoption is not None:
                agenda = replace(
                    agenda,
                    active_users=adoption.active_users,
                    licensed_users=adoption.licensed_users,
                )
            posts.append(
                Post(
                    key=outbox_key(REVIEW_KIND, onboarding.id, review.key, due_on.isoformat()),
                    kind=REVIEW_KIND,
                    channel=_owner(onboarding),
                    data=post_data(agenda),
                    onboarding_id=onboarding.id,
                    internal=True,
                )
            )
    return posts


def build_agenda(
    onboarding: Onboarding, review: ReviewDef, due_on: date, go_live_on: date
) -> ReviewAgenda:
    milestones = onboarding.milestones
    done = [m for m in milestones if m.completed_at is not None]
    criteria = onboarding.success_criteria
    return ReviewAgenda(
        onboarding_id=onboarding.id,
        company_name=onboarding.company_name,
        review=review.name,
        purpose=review.purpose,
        due_on=due_on,
        go_live_on=go_live_on,
        milestones_done=len(done),
        milestones_total=len(milestones),
        milestones_on_time=sum(1 for m in done if m.completed_at.date() <= m.due_date),
        issues_opened=len(onboarding.hypercare_issues),
        issues_open=sum(1 for i in onboarding.hypercare_issues if i.resolved_at is None),
        active_users=None,
        licensed_users=None,
        success_criteria_met=sum(1 for c in criteria if c.met_at is not None),
        success_criteria_total=len(criteria),
    )


def _renewal_posts(onboarding: Any, playbook: Playbook, today: date) -> list[Post]:
    renews_on = renewal_date(onboarding.start_date, onboarding.contract_term)
    lead = playbook.renewal_prompt_days
    if renews_on is None or lead is None or not 0 <= (renews_on - today).days <= lead:
        return []
    prompt = RenewalPrompt(
        onboarding.id,
        onboarding.company_name,
        renews_on,
        (renews_on - today).days,
        onboarding.contract_term,
        f"{onboarding.arr:,.0f}",
    )
    return [
        Post(
            key=outbox_key(RENEWAL_KIND, onboarding.id, "", renews_on.isoformat()),
            kind=RENEWAL_KIND,
            channel=_owner(onboarding),
            data=post_data(prompt),
            onboarding_id=onboarding.id,
            internal=True,
        )
    ]
