"""`/onboard list`'s query: what each line counts, the order, the page, a constant query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.models import Blocker, Milestone, MilestoneStatus, Onboarding
from bot.services.onboarding_list import ListScope, list_onboardings
from bot.services.status import next_pending
from tests.factories import ACME_START, AE, CSM, open_onboarding
from tests.services.test_lookup_queries import counted

TODAY = ACME_START + timedelta(days=30)


def _book(session, playbooks, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """n onboardings in different states: some milestones done or waived, some overdue, an
    open and a resolved blocker, one handed to another CSM."""
    ids = [open_onboarding(session, playbooks, f"Customer {i:02d}") for i in range(n)]
    for k, onboarding_id in enumerate(ids):
        milestones = session.scalars(
            select(Milestone).where(Milestone.onboarding_id == onboarding_id)
        ).all()
        for m in milestones[: k % 4]:
            m.status = MilestoneStatus.WAIVED if k % 3 == 0 else MilestoneStatus.COMPLETE
        if k % 5 == 1:
            milestones[-1].due_date = TODAY - timedelta(days=1)  # overdue, late in the plan
        if k % 2:
            session.add(
                Blocker(onboarding_id=onboarding_id, reason="SSO", owner_user_id=CSM, opened_by=CSM)
            )
        if k % 4 == 3:
            session.add(
                Blocker(
                    onboarding_id=onboarding_id,
                    reason="old",
                    owner_user_id=CSM,
                    opened_by=CSM,
                    resolved_at=datetime.now(UTC),
                )
            )
    session.get(Onboarding, ids[-1]).csm_user_id = "UOTHER"
    session.commit()
    return ids


def _expected(session, user_id: str, today: date) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    """The line of each open onboarding as read from the objects (what the list showed
    before it was counted in SQL), most urgent first."""
    lines = []
    for o in session.scalars(select(Onboarding)):
        if user_id not in (o.csm_user_id, o.ae_user_id):
            continue
        nxt = next_pending(o)
        phases = {p.key: p.name for p in o.phases}
        overdue = sum(1 for m in o.milestones if not m.is_done and m.due_date < today)
        blockers = sum(1 for b in o.blockers if b.resolved_at is None)
        lines.append(
            (
                o.company_name,
                phases.get(nxt.phase_key, nxt.phase_key) if nxt else "Done",
                sum(1 for m in o.milestones if m.is_done),
                len(o.milestones),
                nxt.name if nxt else None,
                nxt.due_date if nxt else None,
                overdue,
                blockers,
            )
        )
    return sorted(lines, key=lambda x: (-x[6], -x[7], x[5] or date.max, x[0].lower()))


def _lines(listing) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    return [
        (
            e.company_name,
            e.phase,
            e.done,
            e.total,
            e.next_milestone,
            e.next_due,
            e.overdue,
            e.open_blockers,
        )
        for e in listing.entries
    ]


def test_each_line_counts_what_the_onboarding_holds_most_urgent_first(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    _book(session, playbooks, 9)
    listing = list_onboardings(session, ListScope.MINE, CSM, TODAY)
    assert listing.total == 8 and listing.offset == 0  # the ninth is another CSM's
    assert _lines(listing) == _expected(session, CSM, TODAY)
    assert listing.entries[0].overdue and listing.entries[0].open_blockers
    every = list_onboardings(session, ListScope.ALL, "UNOBODY", TODAY)
    assert every.total == 9
    assert list_onboardings(session, ListScope.MINE, AE, TODAY).total == 9  # the AE of all


def test_a_page_is_a_slice_of_the_whole_order(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    _book(session, playbooks, 9)
    whole = _lines(list_onboardings(session, ListScope.MINE, CSM, TODAY))
    page = list_onboardings(session, ListScope.MINE, CSM, TODAY, offset=3, limit=4)
    assert page.total == 8 and page.offset == 3 and _lines(page) == whole[3:7]
    last = list_onboardings(session, ListScope.MINE, CSM, TODAY, offset=6, limit=4)
    assert _lines(last) == whole[6:]
    every = list_onboardings(session, ListScope.ALL, CSM, TODAY).entries  # every CSM's
    at_risk = list_onboardings(session, ListScope.AT_RISK, CSM, TODAY).entries
    assert at_risk == [e for e in every if e.is_at_risk(TODAY)]
    overdue = list_onboardings(session, ListScope.OVERDUE, CSM, TODAY).entries
    assert overdue == [e for e in every if e.overdue]


def test_the_query_count_does_not_grow_with_the_book(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    _book(session, playbooks, 3)
    with counted(session) as small:
        list_onboardings(session, ListScope.MINE, CSM, TODAY, limit=45)
    for i in range(12):
        open_onboarding(session, playbooks, f"More {i:02d}")
    with counted(session) as big:
        list_onboardings(session, ListScope.MINE, CSM, TODAY, limit=45)
    assert len(small) == len(big) == 3
