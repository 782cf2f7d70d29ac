"""The `escalations` job at an explicit moment (its JobContext's `now`, not the wall clock): who
CS leadership is (the escalation channel unless Slack says it is shared, else the admins, the
user group expanded), and a cause with nobody to tell waits instead of being lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.models import Escalation, HealthCheck, OutboxMessage
from bot.slack.channel_privacy import forget_privacy
from bot.slack.usergroups import forget_members
from jobs.context import JobContext
from jobs.escalations import run_escalations
from tests.factories import CSM, open_onboarding

NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    forget_privacy()
    forget_members()
    yield
    forget_privacy()
    forget_members()


def red(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = open_onboarding(session, playbooks, "Acme")
    session.add(
        HealthCheck(
            onboarding_id=onboarding_id,
            checked_at=datetime(2026, 11, 9, 14, 0, tzinfo=UTC),
            checked_by=CSM,
            no_count=3,
            score=45,
            status="critical",
        )
    )
    session.commit()


def run(settings, db, playbooks):  # type: ignore[no-untyped-def]
    return run_escalations(JobContext(settings, db, playbooks, now=NOW))


def channels(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return sorted(s.scalars(select(OutboxMessage.channel)))


def test_a_shared_escalation_channel_is_passed_over_for_the_admins(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CLEADERS", "leaders-with-partner", is_ext_shared=True)
    red(session, playbooks)
    run(replace(settings, escalation_channel_id="CLEADERS"), db, playbooks)
    assert channels(db) == ["UADMIN"]  # health is internal: never a shared channel


def test_the_admins_user_group_is_expanded(db, session, settings, playbooks, fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.usergroups["SLEADERS"] = ["UVP", CSM]
    red(session, playbooks)
    run(replace(settings, admin_usergroup_id="SLEADERS"), db, playbooks)
    assert channels(db) == ["UADMIN", "UVP"]  # the CSM is in the group, and still not told


def test_with_no_leader_the_cause_waits_and_says_why(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    red(session, playbooks)
    result = run(replace(settings, admin_user_ids=frozenset()), db, playbooks)
    assert result.queued == [] and "no leader to tell" in result.skipped[0]
    with db.session() as s:
        assert s.scalars(select(Escalation)).all() == []
    assert len(run(settings, db, playbooks).queued) == 1  # an admin named: told
