"""A health check submitted twice (the same Slack view id: a double click, Slack delivering it
again) stores one check and one activity entry, and both submissions get the same result;
also when the two arrive at the same moment (the unique view id decides)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import ActivityEntry, HealthCheck
from bot.playbooks import PlaybookLibrary
from bot.services.health import HealthResult, record_health_check
from tests.services.test_health import NOW, RULES, entry, make_onboarding
from tests.slack.test_health_slack import answers, opened_health, submit
from tests.slack.test_status_slack import onboard


def record(session: Session, onboarding_id: int, view_id: str | None, **kw) -> HealthResult:  # type: ignore[no-untyped-def]
    return record_health_check(
        session,
        onboarding_id,
        "UCSM",
        entry(**kw.pop("ratings", {})),
        admins=frozenset(),
        rules=RULES,
        now=kw.pop("now", NOW),
        today=NOW.date(),
        view_id=view_id,
    )


def stored(session: Session) -> tuple[int, int]:
    """(health checks, health-check activity entries)"""
    session.expire_all()
    checks = session.scalar(select(func.count()).select_from(HealthCheck))
    health_check = ActivityEntry.action == "health_check"
    logged = session.scalar(select(func.count()).select_from(ActivityEntry).where(health_check))
    return checks or 0, logged or 0


def test_the_same_view_twice_stores_one_check_and_answers_the_same(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = make_onboarding(session, playbooks)
    record(session, onboarding_id, "VWEEK1", ratings={"engagement": 5})
    first = record(session, onboarding_id, "VWEEK2", now=NOW + timedelta(days=7))
    again = record(session, onboarding_id, "VWEEK2", now=NOW + timedelta(days=7, minutes=1))
    assert again == first  # the same check, score, status and trend (against week 1)
    assert first.trend.direction == "down" and first.trend.previous_at == NOW
    assert stored(session) == (2, 2)
    assert session.scalars(select(HealthCheck.view_id).order_by(HealthCheck.id)).all() == [
        "VWEEK1",
        "VWEEK2",
    ]
    record(session, onboarding_id, None)  # no view id (not from a modal): always stored
    assert stored(session) == (3, 3)


def test_the_same_view_twice_at_once_stores_one_check(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding_id = make_onboarding(session, playbooks)
    reached, release = threading.Event(), threading.Event()
    results: list[HealthResult] = []

    with db.session() as one, db.session() as two:
        commit = one.commit

        def late_commit() -> None:  # the first has stored its check, not yet committed
            reached.set()
            release.wait(10)
            commit()

        one.commit = late_commit  # type: ignore[method-assign]

        def submit(session: Session) -> None:  # the handler's transaction, around the service
            results.append(record(session, onboarding_id, "V1"))
            session.commit()

        first = threading.Thread(target=submit, args=(one,))
        first.start()
        assert reached.wait(10)
        other = threading.Thread(target=submit, args=(two,))
        other.start()
        time.sleep(0.5)
        assert other.is_alive()  # it waits for the first's transaction
        release.set()
        first.join(10)
        other.join(10)

    assert len(results) == 2 and results[0] == results[1]
    assert stored(session) == (1, 1)


def test_a_modal_submitted_twice_over_slack_answers_twice_and_stores_once(  # type: ignore[no-untyped-def]
    slack, fake_slack, db
) -> None:
    onboard(slack, fake_slack)
    slack.command("health acme", user_id="UCSM")
    view = opened_health(fake_slack)
    values = answers(view, no=1)
    for _ in range(2):
        assert submit(slack, view, values).status == 200
    replies = fake_slack.wait_for(
        "chat.postEphemeral", lambda p: "Health check for" in p["text"], count=2
    )
    assert json.dumps(replies[0].params["blocks"]) == json.dumps(replies[1].params["blocks"])
    assert "first check" in json.dumps(replies[1].params["blocks"])
    with db.session() as session:
        assert stored(session) == (1, 1)
        assert session.scalars(select(HealthCheck.view_id)).one() == view["id"]
