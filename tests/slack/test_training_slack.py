"""`/onboard training` over signed HTTP against the fake Slack: the card, the schedule modal's
inline validation, mark delivered completing "Training delivered", and outsiders refused."""

from __future__ import annotations

import json

import pytest

from bot.models import Milestone, TrainingSession
from bot.slack.guard import REFUSAL
from tests.slack.test_guard_entry_points import OUTSIDERS
from tests.slack.test_stakeholders_slack import button, buttons, click, opened, row, submit
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import date_value, plain, select_value, user_value


def schedule_values(track: str, invited: str = "10") -> dict:
    """A valid schedule-modal submission for `track`."""
    return {
        "training-track": {"value": select_value(track)},
        "training-date": {"value": date_value("2099-01-05")},
        "training-trainer": {"value": user_value("UTRAINER")},
        "training-invited": {"value": plain(invited)},
    }


def schedule(slack, fake_slack, card, track: str, count: int, invited: str = "10"):  # type: ignore[no-untyped-def]
    click(slack, button(card, "training-schedule"))
    view = opened(fake_slack, "training-schedule-submit", count=count)
    return submit(slack, view, schedule_values(track, invited))


def test_card_schedule_and_deliver_completes_the_milestone(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("training acme", user_id="UCSM")
    card = reply(fake_slack, "Training plan: Acme Manufacturing")
    assert card["response_type"] == "ephemeral"
    text = json.dumps(card)
    assert "Administrator workshop" in text and "not scheduled" in text
    assert [b["action_id"] for b in buttons(card)] == ["training-schedule"]

    click(slack, button(card, "training-schedule"))
    view = opened(fake_slack, "training-schedule-submit")
    bad = submit(
        slack,
        view,
        {
            "training-date": {"value": date_value("2001-01-01")},
            "training-invited": {"value": plain("0")},
        },
    ).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {
        "training-track",
        "training-date",
        "training-trainer",
        "training-invited",
    }
    for n, track in enumerate(("admins", "power_users", "end_users"), start=2):
        assert schedule(slack, fake_slack, card, track, n).status == 200
    card = reply(fake_slack, "Scheduled: *End-user training*")
    deliver = [b for b in buttons(card) if b["action_id"].startswith("training-deliver-")]
    assert len(deliver) == 3
    for n, element in enumerate(deliver, start=1):
        click(slack, element)
        view = opened(fake_slack, "training-deliver-submit", count=n)
        if n == 1:
            too_many = submit(slack, view, {"training-attended": {"value": plain("11")}}).json()
            assert set(too_many["errors"]) == {"training-attended"}
        submit(
            slack,
            view,
            {
                "training-attended": {"value": plain("8")},
                "training-competency": {"value": select_value("yes")},
            },
        )
    done = reply(fake_slack, "is complete: every required track")
    assert "Training delivered" in json.dumps(done)
    milestone = row(db, Milestone, key="training")
    assert milestone.status == "complete" and milestone.completed_by == "UCSM"
    assert row(db, TrainingSession, track="admins").competency_passed is True


def test_someone_else_cannot_schedule(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("training acme", user_id="UOTHER")  # anyone of ours may read it
    card = reply(fake_slack, "Training plan: Acme Manufacturing")
    click(slack, button(card, "training-schedule"), user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert row(db, TrainingSession) is None


def test_a_refusal_at_submit_replaces_the_modal_with_a_notice(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    """The CSM opened the modal; someone else submits it (a shared screen, a stale modal)."""
    onboard(slack, fake_slack)
    slack.command("training acme", user_id="UCSM")
    card = reply(fake_slack, "Training plan: Acme Manufacturing")
    click(slack, button(card, "training-schedule"))
    view = opened(fake_slack, "training-schedule-submit")
    answer = submit(slack, view, schedule_values("admins"), user_id="UOTHER").json()
    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Training"
    assert "Only the CSM" in json.dumps(answer["view"])
    assert row(db, TrainingSession) is None


@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_outsiders_are_refused_on_the_command(slack, fake_slack, who) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    calls, responses = len(fake_slack.calls), len(fake_slack.responses)
    answer = slack.command("training acme", user_id="UOUT", user_team_id=team)
    told = [c.params for c in fake_slack.calls[calls:]] + fake_slack.responses[responses:]
    assert REFUSAL in answer.text or REFUSAL in json.dumps(told)
    assert "Training plan" not in json.dumps(fake_slack.responses[responses:])
