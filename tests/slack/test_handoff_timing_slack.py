"""The handoff's timing over signed HTTP: the close date (asked, prefilled from a closed-won
message, checked next to its field) and the timing commitments on the commitments card."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Commitment, Onboarding
from tests.slack.test_handoff_slack import TODAY, count, handoff_values, submit
from tests.slack.test_status_slack import reply
from tests.slack_http import date_value


def initial_dates(view: dict) -> dict[str, str | None]:
    return {
        b["block_id"]: b["element"].get("initial_date")
        for b in view["blocks"]
        if b.get("type") == "input" and b["element"]["type"] == "datepicker"
    }


def test_start_handoff_on_a_closed_won_message_takes_its_day_as_the_close(
    slack, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    posted = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    slack.message_shortcut(
        "start-handoff-from-message",
        "*Closed Won* :tada:\nCompany: Acme Manufacturing\nARR: $95,000",
        message_ts=f"{posted.timestamp():.6f}",
    )
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert initial_dates(view)["closed-on"] == "2026-11-27"


def test_a_close_date_in_the_future_is_refused_next_to_its_field(slack, db) -> None:  # type: ignore[no-untyped-def]
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = submit(slack, handoff_values(**{"closed-on": date_value(tomorrow)}))
    body = response.json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"closed-on"}
    assert "cannot close in the future" in body["errors"]["closed-on"]
    assert count(db, Onboarding) == 0 and count(db, Commitment) == 0


def test_the_commitments_card_lists_the_handoff_timing_with_its_owners(
    slack, fake_slack, db
) -> None:  # type: ignore[no-untyped-def]
    closed = (TODAY - timedelta(days=10)).isoformat()
    assert submit(slack, handoff_values(**{"closed-on": date_value(closed)})).status == 200
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        assert onboarding.deal_closed_on.isoformat() == closed
        by_key = {c.timing_key: c for c in onboarding.commitments if c.timing_key}
    assert by_key["handoff_document"].status == "done"
    # Ten days after the close, the AE's intro and meeting are past due; the CSM's first
    # contact counts from today's handoff.
    assert by_key["customer_intro"].due_date < TODAY
    assert by_key["first_contact"].due_date > TODAY
    slack.command("commitments acme", user_id="UCSM")
    card = json.dumps(reply(fake_slack, "Commitments: Acme Manufacturing"))
    assert "Warm introduction: the AE introduces the CSM" in card
    assert "Internal handoff meeting held" in card and "<@UAE>" in card
