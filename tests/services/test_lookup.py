"""Forgiving customer lookup, milestone matching and blockers at the service level."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.models import ActivityEntry, Milestone, Onboarding
from bot.services.blockers import add_blocker, resolve_blocker
from bot.services.errors import Conflict, NotAllowed, NotFound
from bot.services.handoff import HandoffForm, create_onboarding, validate_handoff
from bot.services.lookup import CustomerIndex, find_customer
from bot.services.milestones import complete_named_milestone, match_milestone, reopen_milestone
from bot.services.status import MilestoneState, load_status
from bot.slack.refusals import refusal_text
from tests.factories import meet_first_value_criterion
from tests.sql import statements

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
ADMINS = frozenset({"UADMIN"})


def make_onboarding(
    session, playbooks, name: str, csm: str = "UCSM", start: date = TODAY
) -> Onboarding:  # type: ignore[no-untyped-def]
    form = HandoffForm(
        company_name=name,
        arr="$95K",
        start_date=start,
        csm_user_id=csm,
        promises="SAP connector live",
        risks="high: IT team stretched",
    )
    plan = validate_handoff(
        session, form, today=start, library=playbooks, max_future_days=365, min_stakeholders=2
    )
    onboarding = create_onboarding(session, plan, actor="UAE", now=NOW, view_id=None)
    session.commit()  # the handoff's edge commits
    return onboarding


@pytest.fixture
def acme(session, playbooks) -> Onboarding:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, "Acme Manufacturing")
    for other in ("Globex Corporation", "Initech", "Umbrella Labs"):
        make_onboarding(session, playbooks, other)
    return onboarding


@pytest.mark.parametrize(
    "query",
    [
        "acme",
        "Acme Mfg",
        "acme manufacturing",
        "acme corp",
        "ACME MANUFACTURING",
        "manufact",
        "acme manufactring",
    ],
)
def test_forgiving_lookup_finds_acme(session, acme, query) -> None:  # type: ignore[no-untyped-def]
    found = find_customer(session, query)
    assert found.one is not None, (query, found)
    assert found.one.company_name == "Acme Manufacturing"


def test_several_matches_are_all_returned(session, playbooks, acme) -> None:  # type: ignore[no-untyped-def]
    make_onboarding(session, playbooks, "Acme Labs")
    found = find_customer(session, "acme")
    assert found.one is None
    assert {r.company_name for r in found.matches} == {"Acme Manufacturing", "Acme Labs"}


def test_no_match_suggests_the_closest_names(session, acme) -> None:  # type: ignore[no-untyped-def]
    found = find_customer(session, "globx inc")
    assert found.one is not None and found.one.company_name == "Globex Corporation"
    found = find_customer(session, "zzyzx")
    assert found.matches == [] and len(found.closest) == 3


def test_customer_and_rest_are_split_on_the_longest_name(session, acme) -> None:  # type: ignore[no-untyped-def]
    index = CustomerIndex.load(session)
    lookup, rest = index.find_with_rest(
        ["acme", "manufacturing", "kickoff", "held"], need_rest=True
    )
    assert lookup.one.company_name == "Acme Manufacturing" and rest == "kickoff held"
    lookup, rest = index.find_with_rest(["acme", "waiting", "on", "IT"], need_rest=True)
    assert lookup.one.company_name == "Acme Manufacturing" and rest == "waiting on IT"


def test_milestone_names_match_forgivingly(session, acme) -> None:  # type: ignore[no-untyped-def]
    for query, name in [
        ("kickoff", "Kickoff held"),
        ("first value", "First value achieved"),
        ("go live", "Go-live"),
        ("trainng delivered", "Training delivered"),
    ]:
        assert match_milestone(acme.milestones, query).name == name
    with pytest.raises(NotFound) as refused:
        match_milestone(acme.milestones, "banana")
    assert "`Kickoff held`" in refusal_text(refused.value)  # the names to choose from


def test_done_then_undo_records_first_value_and_activity(session, acme) -> None:  # type: ignore[no-untyped-def]
    meet_first_value_criterion(session, acme.id)
    change = complete_named_milestone(
        session, acme.id, "first value", "UCSM", admins=ADMINS, now=NOW
    )
    assert change.changed and change.first_value
    session.expire_all()
    assert session.get(Onboarding, acme.id).first_value_at == NOW
    reopen_milestone(session, change.milestone_id, "UCSM", admins=ADMINS, now=NOW)
    session.expire_all()
    assert session.get(Onboarding, acme.id).first_value_at is None
    assert session.get(Milestone, change.milestone_id).status == "pending"
    actions = list(session.scalars(select(ActivityEntry.action)))
    assert "milestone_completed" in actions and "milestone_reopened" in actions


def test_only_csm_ae_and_admins_may_change(session, acme) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed) as refused:
        complete_named_milestone(session, acme.id, "kickoff", "UOTHER", admins=ADMINS, now=NOW)
    assert "<@UCSM>" in refusal_text(refused.value)
    assert complete_named_milestone(
        session, acme.id, "kickoff", "UADMIN", admins=ADMINS, now=NOW
    ).changed


def test_block_and_unblock_by_number(session, acme) -> None:  # type: ignore[no-untyped-def]
    add_blocker(session, acme.id, "waiting on SSO", "UCSM", admins=ADMINS, now=NOW)
    add_blocker(session, acme.id, "no data export", "UAE", admins=ADMINS, now=NOW)
    with pytest.raises(Conflict, match="2 open blockers"):
        resolve_blocker(session, acme.id, None, "UCSM", admins=ADMINS, now=NOW)
    change = resolve_blocker(session, acme.id, 2, "UCSM", admins=ADMINS, now=NOW)
    assert change.reason == "no data export" and change.open_count == 1
    with pytest.raises(NotFound, match="has 1 open blocker; there is no number 2"):
        resolve_blocker(session, acme.id, 2, "UCSM", admins=ADMINS, now=NOW)
    card = load_status(session, acme.id, TODAY)
    assert [b.reason for b in card.blockers] == ["waiting on SSO"]
    assert MilestoneState.BLOCKED in {m.state for m in card.milestones}


def status_queries(session, onboarding_id: int) -> int:  # type: ignore[no-untyped-def]
    """The statements `load_status` runs for one onboarding, nothing cached."""
    session.expire_all()
    with statements(session.get_bind()) as seen:
        load_status(session, onboarding_id, TODAY)
    return len(seen)


def test_blocker_refusals_name_the_customer_escaped(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    tricky = make_onboarding(session, playbooks, "A&B <!here>")
    with pytest.raises(NotFound) as none_open:
        resolve_blocker(session, tricky.id, None, "UCSM", admins=ADMINS, now=NOW)
    assert refusal_text(none_open.value) == "*A&amp;B &lt;!here&gt;* has no open blockers."
    add_blocker(session, tricky.id, "waiting on <SSO> & VPN", "UCSM", admins=ADMINS, now=NOW)
    add_blocker(session, tricky.id, "no data export", "UCSM", admins=ADMINS, now=NOW)
    with pytest.raises(Conflict) as which:
        resolve_blocker(session, tricky.id, None, "UCSM", admins=ADMINS, now=NOW)
    assert refusal_text(which.value) == (
        "*A&amp;B &lt;!here&gt;* has 2 open blockers; say which by number, like "
        "`/onboard unblock A&amp;B &lt;!here&gt; 2`:\n"
        "1. waiting on &lt;SSO&gt; &amp; VPN\n2. no data export"
    )
    with pytest.raises(NotFound) as no_such:
        resolve_blocker(session, tricky.id, 3, "UCSM", admins=ADMINS, now=NOW)
    assert refusal_text(no_such.value) == (
        "*A&amp;B &lt;!here&gt;* has 2 open blockers; there is no number 3."
    )


def test_status_sql_is_constant(session, playbooks, acme) -> None:  # type: ignore[no-untyped-def]
    small = status_queries(session, acme.id)
    big = make_onboarding(session, playbooks, "Big Co")
    for i in range(20):
        add_blocker(session, big.id, f"blocker {i}", "UCSM", admins=ADMINS, now=NOW)
    assert status_queries(session, big.id) == small <= 11
