"""`/onboard rollback` over signed HTTP: a rollback after go-live is logged and asks for its
post-mortem within 48 hours, as a commitment owned by the CSM; before go-live it is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import ActivityEntry, Commitment
from tests.slack.test_hypercare_slack import seed, seed_live
from tests.slack.test_status_slack import reply


def test_a_rollback_asks_for_its_post_mortem_within_48_hours(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, playbooks, settings
) -> None:
    seed_live(db, playbooks, datetime.now(UTC) - timedelta(days=2))
    before = datetime.now(settings.tz)
    slack.command("rollback acme Data loss in the Toledo <sync>", user_id="UCSM")
    said = json.dumps(reply(fake_slack, "Rollback recorded"))
    assert "Data loss in the Toledo &lt;sync&gt;" in said
    assert "<@UCSM>" in said and "within 48 hours" in said
    with db.session() as session:
        (commitment,) = session.scalars(
            select(Commitment).where(Commitment.text.like("Rollback post-mortem%"))
        ).all()
        assert commitment.owner_user_id == "UCSM" and commitment.status == "open"
        assert commitment.due_date in {
            (before + timedelta(hours=48)).date(),
            (datetime.now(settings.tz) + timedelta(hours=48)).date(),
        }
        assert "Data loss in the Toledo <sync>" in commitment.text
        actions = session.scalars(select(ActivityEntry.action)).all()
        assert "rolled_back" in actions


def test_before_go_live_there_is_nothing_to_roll_back(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("rollback acme Data loss", user_id="UCSM")
    reply(fake_slack, "has not gone live")
    with db.session() as session:
        assert not session.scalars(
            select(Commitment).where(Commitment.text.like("Rollback post-mortem%"))
        ).all()


def test_rollback_needs_what_happened(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("rollback acme", user_id="UCSM")
    reply(fake_slack, "Usage: `/onboard rollback <customer> <what happened>`")
