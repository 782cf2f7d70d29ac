"""Two readiness-gate submissions at the same moment go live once: the second waits on the
onboarding's row, then reads the first's go-live and is refused as already live. On both
databases (a row lock on PostgreSQL, the single write lock on SQLite)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import ActivityEntry, GateReview, Onboarding, OnboardingStatus, OutboxMessage
from bot.playbooks import PlaybookLibrary
from bot.services.go_live_post import GO_LIVE_POST_KIND
from bot.services.hypercare import AlreadyLive
from bot.slack.refusals import refusal_text
from tests.factories import finish_pilot
from tests.services.test_gate import NOW, answers, decide
from tests.services.test_hypercare import make_onboarding


def count(session: Session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_two_submissions_at_once_go_live_once(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding = make_onboarding(session, playbooks)
    finish_pilot(onboarding)  # the gate's pilot check passes: this test is about the race
    session.commit()
    given = answers(onboarding)
    reached, release = threading.Event(), threading.Event()
    second: list[object] = []

    with db.session() as one, db.session() as two:
        commit = one.commit

        def late_commit() -> None:  # the first holds its lock, decided, until released
            reached.set()
            release.wait(10)
            commit()

        one.commit = late_commit  # type: ignore[method-assign]
        first = threading.Thread(target=lambda: decide(one, playbooks, onboarding, given))
        first.start()
        assert reached.wait(10)

        def submit_again() -> None:
            try:  # a day later, so a second go-live post would not share the first's key
                second.append(decide(two, playbooks, onboarding, given, now=NOW + timedelta(1)))
            except AlreadyLive as refused:
                second.append(refused)

        other = threading.Thread(target=submit_again)
        other.start()
        time.sleep(0.5)
        assert other.is_alive()  # waiting for the first's lock
        release.set()
        first.join(10)
        other.join(10)

    [refused] = second
    assert isinstance(refused, AlreadyLive)
    assert refusal_text(refused).startswith("*Acme Manufacturing* already went live on 2026-12-16")
    session.expire_all()
    live = session.get(Onboarding, onboarding.id)
    assert live is not None and live.status == OnboardingStatus.HYPERCARE
    assert live.go_live_at == NOW
    assert count(session, GateReview) == 1
    assert count(session, ActivityEntry, ActivityEntry.action == "went_live") == 1
    assert count(session, ActivityEntry, ActivityEntry.action == "gate_passed") == 1
    assert count(session, OutboxMessage, OutboxMessage.kind == GO_LIVE_POST_KIND) == 1


def test_a_submission_after_go_live_changes_nothing(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    """The same view delivered again later: refused, nothing stored a second time."""
    onboarding = make_onboarding(session, playbooks)
    finish_pilot(onboarding)
    session.commit()
    given = answers(onboarding)
    assert decide(session, playbooks, onboarding, given).went_live
    with pytest.raises(AlreadyLive):
        decide(session, playbooks, onboarding, given, now=NOW + timedelta(hours=1))
    session.rollback()
    assert count(session, GateReview) == 1
    assert count(session, ActivityEntry, ActivityEntry.action == "went_live") == 1
