"""Two issues opened on one onboarding at the same moment get numbers 1 and 2: the second
waits on the onboarding's row until the first commits, then numbers after it. On both
databases (a row lock on PostgreSQL, the single write lock on SQLite)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from bot.db import Database
from bot.playbooks import PlaybookLibrary
from bot.services.hypercare import IssueChange, open_issue_by_id
from tests.services.test_hypercare import CSM, LIVE, SETTINGS, live


def test_two_issues_opened_at_once_are_numbered_in_turn(
    db: Database, session: Session, playbooks: PlaybookLibrary
) -> None:
    onboarding_id = live(session, playbooks).id
    common = {"admins": (), "now": LIVE, "settings": SETTINGS}
    second: list[IssueChange] = []

    with db.session() as one, db.session() as two:
        first = open_issue_by_id(one, onboarding_id, "P2", "Orders stuck", CSM, **common)

        def open_second() -> None:
            second.append(open_issue_by_id(two, onboarding_id, "P3", "Slow", CSM, **common))
            two.commit()

        other = threading.Thread(target=open_second)
        other.start()
        time.sleep(0.5)
        assert other.is_alive()  # waiting for the first's lock
        one.commit()
        other.join(10)

    assert (first.number, [change.number for change in second]) == (1, [2])
