"""`/onboard replan` and the status card's Replan button over signed HTTP against the fake
Slack: the modal, a valid replan end to end (dates, baseline, timeline, the living plan edited
in place, the late alert cleared), dates the rules refuse, a non-owner, the customer's notice."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.models import ActivityEntry, AlertState, Milestone, Onboarding
from bot.slack.sender import OutboxSender
from jobs.context import JobContext
from jobs.plan import run_plan
from tests.slack.test_handoff_slack import handoff_values, submit
from tests.slack.test_stakeholders_slack import button, opened
from tests.slack.test_status_slack import reply
from tests.slack_http import SlackHttp, channel_value, checkboxes, date_value, plain

CHANNEL = "CACME"


def weekday_after(days: int, weekday: int) -> date:
    """The first `weekday` (0 = Monday) at least `days` days from today."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


HOLIDAY = weekday_after(40, 2)  # a Wednesday


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, holidays=frozenset({HOLIDAY}))


def onboard_with_plan(slack, fake_slack, db, settings, playbooks, name="Acme Manufacturing"):  # type: ignore[no-untyped-def]
    """An onboarding whose customer channel shows the living plan already."""
    fake_slack.add_channel(CHANNEL, "acme", is_ext_shared=True)
    values = {"company-name": plain(name), "customer-channel": channel_value(CHANNEL)}
    submit(slack, handoff_values(**values))
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE")
    now = datetime.now(UTC)
    run_plan(JobContext(settings, db, playbooks, now))
    OutboxSender(db, None, settings, owner="replan-test", timeout=5).deliver_due(now=now)
    fake_slack.wait_for("pins.add")
    with db.session() as session:
        return session.scalars(select(Onboarding.id)).one()


def milestones(db, onboarding_id: int) -> dict[str, Milestone]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.scalars(select(Milestone).where(Milestone.onboarding_id == onboarding_id))
        return {m.key: m for m in rows}


def make_late(db, onboarding_id: int, key: str) -> int:  # type: ignore[no-untyped-def]
    """`key` a week overdue, with its "milestone late" alert told."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        m = session.scalars(
            select(Milestone).where(Milestone.onboarding_id == onboarding_id, Milestone.key == key)
        ).one()
        m.due_date = now.date() - timedelta(days=7)
        session.add(
            AlertState(
                onboarding_id=onboarding_id,
                signal="milestone_late",
                subject=f"milestone:{m.id}",
                state="milestone_missed",
                severity="high",
                since=now,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
        return m.id


def values(view: dict[str, Any], **changed: Any) -> dict[str, Any]:
    """The modal's state as Slack sends it: every picker at its initial date unless `changed`
    names its block, plus the reason and the boxes."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("type") == "datepicker":
            picked = changed.get(block["block_id"], element.get("initial_date"))
            state[block["block_id"]] = {"value": date_value(picked)}
    state["replan-reason"] = {"value": plain(changed.get("reason", "SAP upgrade slipped"))}
    state["replan-shift"] = {"value": checkboxes(*changed.get("shift", ()))}
    state["replan-tell"] = {"value": checkboxes(*changed.get("tell", ()))}
    return state


def send(slack: SlackHttp, view: dict[str, Any], state: dict, user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        view["callback_id"],
        state,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def test_replan_from_the_command_moves_dates_and_quiets_the_late_alert(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, settings, playbooks
) -> None:
    onboarding_id = onboard_with_plan(slack, fake_slack, db, settings, playbooks)
    setup_id = make_late(db, onboarding_id, "technical_setup")
    before = milestones(db, onboarding_id)
    slack.command("replan acme")
    view = opened(fake_slack, "replan-submit")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Technical setup complete" in labels and "Go-live target" in labels
    assert "Reason" in labels and "Tell the customer" in json.dumps(view)
    assert "Shift the later milestones by the same number of business days" in json.dumps(view)

    new_setup = weekday_after(14, 1)  # a Tuesday two weeks out
    go_live = weekday_after(120, 1)
    state = values(
        view,
        **{f"replan-milestone-{setup_id}": new_setup.isoformat()},
        **{"replan-go-live": go_live.isoformat()},
    )
    assert not send(slack, view, state).body  # an empty ack: the modal closes
    confirmation = fake_slack.wait_for("chat.postEphemeral", lambda p: "replanned" in p["text"])
    assert "Technical setup complete" in confirmation[0].params["text"]

    after = milestones(db, onboarding_id)
    assert after["technical_setup"].due_date == new_setup
    assert after["technical_setup"].baseline_due_date == before["technical_setup"].due_date
    assert after["training"].due_date == before["training"].due_date  # no shift asked
    with db.session() as session:
        entry = session.scalars(select(ActivityEntry).filter_by(action="replanned")).one()
        assert entry.actor_user_id == "UCSM" and "SAP upgrade slipped" in entry.detail
        alert = session.scalars(select(AlertState)).one()
        assert alert.cleared_at is not None
    update = fake_slack.wait_for("chat.update", lambda p: p["channel"] == CHANNEL)[0]
    assert new_setup.strftime("%b") in json.dumps(update.params["blocks"])

    slack.command("status acme")
    card = reply(fake_slack, "replanned 1x")
    assert "go-live +" in json.dumps(card)


@pytest.mark.parametrize(
    ("field", "picked", "says"),
    [
        ("milestone", weekday_after(14, 5), "weekend"),
        ("milestone", HOLIDAY, "holiday"),
        ("replan-go-live", weekday_after(120, 4), "Friday go-live"),
    ],
)
def test_dates_the_rules_refuse_are_inline_errors_and_change_nothing(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, settings, playbooks, field, picked, says
) -> None:
    onboarding_id = onboard_with_plan(slack, fake_slack, db, settings, playbooks)
    before = milestones(db, onboarding_id)
    block = f"replan-milestone-{before['training'].id}" if field == "milestone" else field
    slack.command("replan acme")
    view = opened(fake_slack, "replan-submit")
    answer = send(slack, view, values(view, **{block: picked.isoformat()})).json()
    assert answer["response_action"] == "errors" and says in answer["errors"][block]
    assert milestones(db, onboarding_id)["training"].due_date == before["training"].due_date
    with db.session() as session:
        assert session.scalars(select(ActivityEntry).filter_by(action="replanned")).all() == []


def test_a_non_owner_is_refused_at_the_button_and_at_submit(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, settings, playbooks
) -> None:
    onboard_with_plan(slack, fake_slack, db, settings, playbooks)
    slack.command("status acme")
    card = reply(fake_slack, "Milestones")
    replan_button = button(card, "replan-open")
    slack.block_action(replan_button["action_id"], replan_button["value"], user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert not fake_slack.calls_to("views.open")
    slack.block_action(replan_button["action_id"], replan_button["value"])
    view = opened(fake_slack, "replan-submit")
    state = values(view, **{"replan-go-live": weekday_after(120, 1).isoformat()})
    refused = send(slack, view, state, user_id="UOTHER").json()
    assert refused["response_action"] == "update" and "Only the CSM" in json.dumps(refused)
    with db.session() as session:
        assert session.scalars(select(ActivityEntry).filter_by(action="replanned")).all() == []


def test_telling_the_customer_posts_an_escaped_notice_without_the_reason(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, settings, playbooks
) -> None:
    onboard_with_plan(slack, fake_slack, db, settings, playbooks, name="<!channel> Corp")
    slack.command("replan corp")
    view = opened(fake_slack, "replan-submit")
    state = values(
        view,
        **{"replan-go-live": weekday_after(120, 1).isoformat()},
        reason="ARR at risk, keep it internal",
        tell=["tell"],
    )
    assert not send(slack, view, state).body
    notice = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == CHANNEL and "plan for" in p["text"]
    )[0]
    posted = json.dumps([notice.params["text"], notice.params["blocks"]])
    assert "&lt;!channel&gt; Corp" in posted and "<!channel>" not in posted
    assert "Go-live target" in posted and "internal" not in posted and "ARR" not in posted
