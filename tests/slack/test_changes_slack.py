"""`/onboard change` over signed HTTP against the fake Slack: the request logged, confirmed to
whoever asked and carded to the CSM; Approve with a milestone added (a refused date is an inline
error and nothing changes, then the plan gains it and the card says so); Defer to the parking
lot; anyone else refused at both buttons and at the modal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.models import ActivityEntry, ChangeRequest, Milestone
from tests.slack.test_stakeholders_slack import button, opened
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import SlackHttp, date_value, option, plain


def weekday(days: int, wanted: int) -> str:
    """The first `wanted` weekday (0 = Monday) at least `days` days from today, ISO."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return (day + timedelta(days=(wanted - day.weekday()) % 7)).isoformat()


def log_change(slack: SlackHttp, fake_slack, text: str, user_id: str = "UOTHER") -> dict:  # type: ignore[no-untyped-def]
    """Log `text` for Acme and return the card the CSM got by DM."""
    slack.command(f"change acme {text}", user_id=user_id)
    card = fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p["text"].startswith("Change request") and text[:10] in p["text"],
    )
    opened_dm = fake_slack.calls_to("conversations.open")[-1]
    assert opened_dm.params["users"] == "UCSM"  # the CSM's DM
    return card[-1].params


def approval(view: dict[str, Any], add: str, name: str = "", due: str | None = None) -> dict:
    return {
        "change-add": {"value": {"type": "radio_buttons", "selected_option": option(add)}},
        "change-text": {"value": plain(name)},
        "change-due": {"value": date_value(due)},
    }


def send(slack: SlackHttp, view: dict[str, Any], state: dict, user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        view["callback_id"],
        state,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def test_a_change_is_logged_carded_to_the_csm_and_approved_with_a_milestone(  # type: ignore[no-untyped-def]
    slack, fake_slack, db
) -> None:
    onboard(slack, fake_slack)
    card = log_change(slack, fake_slack, "SSO for the <contractors> portal")
    confirmation = reply(fake_slack, "Logged")
    assert confirmation["response_type"] == "ephemeral"
    assert "*CR-1* for *Acme Manufacturing*" in json.dumps(confirmation)
    assert "&lt;contractors&gt;" in json.dumps(card["blocks"])  # escaped
    slack.command("status acme")
    reply(fake_slack, "1 open change request")

    approve = button(card, "change-approve")
    slack.block_action(approve["action_id"], approve["value"], channel_id=card["channel"])
    view = opened(fake_slack, "change-approve-submit")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[:3] == [
        "Add to the plan",
        "Milestone name or checklist item",
        "Due date (a milestone)",
    ]

    saturday = weekday(20, 5)
    refused = send(slack, view, approval(view, "milestone", "Contractor SSO live", saturday))
    answer = refused.json()
    assert answer["response_action"] == "errors" and "weekend" in answer["errors"]["change-due"]
    assert set(answer["errors"]) == {"change-due"}  # the name typed is kept, not refused
    with db.session() as session:
        assert session.scalars(select(ChangeRequest)).one().status == "open"

    tuesday = weekday(20, 1)
    assert not send(slack, view, approval(view, "milestone", "Contractor SSO live", tuesday)).body
    edited = fake_slack.wait_for("chat.update", lambda p: "Approved by" in json.dumps(p))[-1]
    assert "Contractor SSO live" in json.dumps(edited.params["blocks"])
    assert "change-approve" not in json.dumps(edited.params["blocks"])  # decided: no buttons
    with db.session() as session:
        added = session.scalars(select(Milestone).filter_by(name="Contractor SSO live")).one()
        assert added.due_date.isoformat() == tuesday
        entry = session.scalars(select(ActivityEntry).filter_by(action="change_approved")).one()
        assert entry.actor_user_id == "UCSM"
    slack.command("status acme")
    status = reply(fake_slack, "Contractor SSO live")
    assert "open change request" not in json.dumps(status)


def test_defer_parks_the_request(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    card = log_change(slack, fake_slack, "Mobile app for the drivers", user_id="UCSM")
    defer = button(card, "change-defer")
    slack.block_action(defer["action_id"], defer["value"], channel_id=card["channel"])
    reply(fake_slack, "Deferred to the parking lot")
    edited = fake_slack.wait_for("chat.update", lambda p: "parking lot" in json.dumps(p))[-1]
    assert "change-defer" not in json.dumps(edited.params["blocks"])
    with db.session() as session:
        assert session.scalars(select(ChangeRequest)).one().status == "deferred"
        assert session.scalars(select(ActivityEntry).filter_by(action="change_deferred")).one()


def test_only_the_csm_the_ae_or_an_admin_may_decide(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    card = log_change(slack, fake_slack, "Another region")
    approve, defer = button(card, "change-approve"), button(card, "change-defer")
    slack.block_action(approve["action_id"], approve["value"], user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert not fake_slack.calls_to("views.open")
    slack.block_action(defer["action_id"], defer["value"], user_id="UOTHER")
    assert (
        len(fake_slack.wait_for_response(lambda r: "Only the CSM" in json.dumps(r), count=2)) == 2
    )
    slack.block_action(approve["action_id"], approve["value"])  # the CSM opens it
    view = opened(fake_slack, "change-approve-submit")
    answer = send(slack, view, approval(view, "nothing"), user_id="UOTHER").json()
    assert answer["response_action"] == "update" and "Only the CSM" in json.dumps(answer)
    with db.session() as session:
        assert session.scalars(select(ChangeRequest)).one().status == "open"


def test_usage_and_an_unknown_customer(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("change acme")
    reply(fake_slack, "Usage: `/onboard change <customer> <what>`")
    slack.command("change globex more seats")
    reply(fake_slack, "Which customer did you mean")
