"""The weekly digest: each CSM's book on Monday morning, one direct message per CSM.

Due on Mondays from 09:00 in the CSM's own time zone (Slack's users.info `tz`, looked up by the
job; ONBOARD_TIMEZONE when Slack gives none); keyed by the CSM and the ISO week of that local
Monday, so the job may run every few minutes (or in several processes) and each CSM gets one
digest a week. It expires at the end of that local Monday: a digest not sent on Monday
(downtime) is skipped, not sent on Tuesday. It goes to the CSM alone, so it may say what the
book looks like internally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.models import Onboarding, OnboardingStatus, OutboxMessage
from bot.services.conversations import WaitingThread, waiting_threads
from bot.services.outbox import outbox_key

DIGEST_KIND = "digest"
DIGEST_TIME = time(9, 0)
SEVERITIES = ("P1", "P2", "P3", "P4")
# Every offset a time zone has (UTC-12 to UTC+14), whole hours: their Monday-from-09:00 windows
# overlap, so together they cover the window of any zone, half-hour ones included.
EARTH = tuple(timezone(timedelta(hours=h)) for h in range(-12, 15))


@dataclass(frozen=True)
class MilestoneDue:
    onboarding_id: int
    company_name: str
    milestone_name: str
    due_date: date
    days: int  # days overdue, or days left this week


@dataclass(frozen=True)
class OpenBlocker:
    onboarding_id: int
    company_name: str
    reason: str
    owner_user_id: str
    age_days: int


@dataclass(frozen=True)
class HypercareState:
    onboarding_id: int
    company_name: str
    day: int
    ends_on: date | None
    open_issues: dict[str, int]  # by severity, P1..P4, only those with open issues


@dataclass(frozen=True)
class WaitingOnUs:
    """A thread (or a channel's top level) where the customer waits on us: the sender links its
    first unanswered message (chat.getPermalink at send time)."""

    onboarding_id: int
    company_name: str
    channel_id: str
    ts: str
    since: datetime


@dataclass(frozen=True)
class Book:
    csm_user_id: str
    week: str
    today: date
    onboardings: int
    overdue: list[MilestoneDue]
    due_this_week: list[MilestoneDue]
    blockers: list[OpenBlocker]
    hypercare: list[HypercareState]
    waiting: list[WaitingOnUs] = field(default_factory=list)  # oldest first


def digest_day(now: datetime, zone: tzinfo) -> date | None:
    """The local Monday when the digest is due at `now` (09:00 or later), else None."""
    local = now.astimezone(zone)
    if local.weekday() != 0 or local.time() < DIGEST_TIME:
        return None
    return local.date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(csm_user_id: str, day: date) -> str:
    return outbox_key(DIGEST_KIND, None, csm_user_id, iso_week(day))


def end_of_day(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _book(
    csm: str,
    onboardings: list[Onboarding],
    today: date,
    waiting: Mapping[int, list[WaitingThread]],
) -> Book:
    sunday = today + timedelta(days=6 - today.weekday())
    overdue, due, blockers, hypercare = [], [], [], []
    for o in onboardings:
        for m in o.milestones:
            if m.is_done:
                continue
            if m.due_date < today:
                overdue.append(
                    MilestoneDue(
                        o.id, o.company_name, m.name, m.due_date, (today - m.due_date).days
                    )
                )
            elif m.due_date <= sunday:
                due.append(
                    MilestoneDue(
                        o.id, o.company_name, m.name, m.due_date, (m.due_date - today).days
                    )
                )
        blockers += [
            OpenBlocker(
                o.id, o.company_name, b.reason, b.owner_user_id, (today - b.opened_at.date()).days
            )
            for b in o.blockers
            if b.resolved_at is None
        ]
        if o.status == OnboardingStatus.HYPERCARE and o.go_live_at is not None:
            counts = Counter(i.severity for i in o.hypercare_issues if i.resolved_at is None)
            hypercare.append(
                HypercareState(
                    o.id,
                    o.company_name,
                    (today - o.go_live_at.date()).days + 1,
                    o.hypercare_ends_on,
                    {s: counts[s] for s in SEVERITIES if counts[s]},
                )
            )
    return Book(
        csm_user_id=csm,
        week=iso_week(today),
        today=today,
        onboardings=len(onboardings),
        overdue=sorted(overdue, key=lambda d: (-d.days, d.company_name.lower())),
        due_this_week=sorted(due, key=lambda d: (d.due_date, d.company_name.lower())),
        blockers=sorted(blockers, key=lambda b: (-b.age_days, b.company_name.lower())),
        hypercare=sorted(hypercare, key=lambda h: (-sum(h.open_issues.values()), -h.day)),
        waiting=sorted(
            (
                WaitingOnUs(o.id, o.company_name, w.channel_id, w.ts, w.since)
                for o in onboardings
                for w in waiting.get(o.id, [])
            ),
            key=lambda w: w.since,
        ),
    )


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


Due = TypeVar("Due", bound=_Keyed)


@dataclass(frozen=True)
class DueDigest:
    """A CSM whose digest is due: their local Monday and the zone it was read in."""

    csm_user_id: str
    monday: date
    zone: tzinfo

    @property
    def key(self) -> str:
        return digest_key(self.csm_user_id, self.monday)

    @property
    def expires_at(self) -> datetime:
        return end_of_day(self.monday, self.zone)


def may_be_due(now: datetime) -> bool:
    """Whether it is Monday from 09:00 anywhere on Earth (Sunday 19:00 to Tuesday 12:00 UTC).
    Outside that window no digest can be due, and the job asks Slack nothing."""
    return any(digest_day(now, zone) for zone in EARTH)


def digest_csms(session: Session) -> list[str]:
    """The CSMs with open onboardings: the job asks Slack for their zones, no session open."""
    return sorted(
        set(
            session.scalars(
                select(Onboarding.csm_user_id).where(Onboarding.status != OnboardingStatus.CLOSED)
            )
        )
    )


def due_digests(session: Session, now: datetime, zones: Mapping[str, tzinfo]) -> list[DueDigest]:
    """The CSMs of `zones` whose local Monday 09:00 has come and whose digest for that local ISO
    week is not queued yet (one query), so the runs after the first load no books."""
    due = []
    for csm, zone in sorted(zones.items()):
        monday = digest_day(now, zone)
        if monday is not None:
            due.append(DueDigest(csm, monday, zone))
    return unqueued(session, due)


def unqueued(session: Session, due: Sequence[Due]) -> list[Due]:
    """The due digests whose key is not in the outbox yet."""
    if not due:
        return []
    queued = set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_([d.key for d in due])
            )
        )
    )
    return [d for d in due if d.key not in queued]


def due_books(
    session: Session, now: datetime, zones: Mapping[str, tzinfo]
) -> list[tuple[DueDigest, Book]]:
    """Each due digest with its book, as of the CSM's local Monday (five queries per distinct
    Monday: at one moment every zone where it is Monday has the same date)."""
    by_monday: dict[date, dict[str, DueDigest]] = {}
    for due in due_digests(session, now, zones):
        by_monday.setdefault(due.monday, {})[due.csm_user_id] = due
    return [
        (group[book.csm_user_id], book)
        for monday, group in sorted(by_monday.items())
        for book in build_books(session, monday, sorted(group))
    ]


def build_books(session: Session, today: date, csms: list[str]) -> list[Book]:
    """The books of `csms` on `today` (five queries in all)."""
    if not csms:
        return []
    onboardings = session.scalars(
        select(Onboarding)
        .where(Onboarding.status != OnboardingStatus.CLOSED, Onboarding.csm_user_id.in_(csms))
        .options(
            selectinload(Onboarding.milestones),
            selectinload(Onboarding.blockers),
            selectinload(Onboarding.hypercare_issues),
        )
        .order_by(Onboarding.csm_user_id, Onboarding.company_name)
    )
    by_csm: dict[str, list[Onboarding]] = {}
    for onboarding in onboardings:
        by_csm.setdefault(onboarding.csm_user_id, []).append(onboarding)
    waiting = waiting_threads(session, [o.id for owned in by_csm.values() for o in owned])
    return [_book(csm, owned, today, waiting) for csm, owned in sorted(by_csm.items())]
