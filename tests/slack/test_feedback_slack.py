"""The customer's voice over signed HTTP against the fake Slack: the pulse goes to the shared
customer channel once after kickoff; the customer's (external) users can answer it and the
survey, which no other entry point allows them; the message counts answers, never scores."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.models import FeedbackResponse
from bot.services.feedback import FeedbackKind
from bot.slack.feedback_views import PulseValue, SurveyMetadata, SurveyValue
from bot.slack.guard import REFUSAL, is_customer_entry_point
from tests.jobs.test_plan import acme
from tests.slack.test_kickoff_slack import record_kickoff_over_slack
from tests.slack_http import select_value

CHANNEL = "C0ACME"
EXTERNAL, THEIR_TEAM = "UEXT1", "T0THEIRS"


@pytest.fixture
def shared(fake_slack) -> str:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-onboarding", is_ext_shared=True)
    fake_slack.add_user(EXTERNAL, name="kim", real_name="Kim Customer", team_id=THEIR_TEAM)
    return CHANNEL


def answers(db) -> list[tuple[str, str, int | None, int | None]]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.scalars(select(FeedbackResponse).order_by(FeedbackResponse.id))
        return [(r.kind, r.respondent, r.pulse, r.nps) for r in rows]


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    return found + [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def pulse_posted(fake_slack) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    [call] = fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p.get("channel") == CHANNEL and "How is onboarding going" in json.dumps(p),
    )
    return call.response


def click_pulse(slack, onboarding_id: int, score: int, ts: str, **who: Any):  # type: ignore[no-untyped-def]
    value = PulseValue(onboarding_id=onboarding_id, kind=FeedbackKind.PULSE_KICKOFF, score=score)
    return slack.block_action(
        f"feedback-pulse-{score}",
        value.model_dump_json(),
        channel_id=CHANNEL,
        message_ts=ts,
        block_id="feedback-pulse",
        **who,
    )


def test_pulse_after_kickoff_answered_by_the_customer_and_counted_without_scores(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, shared, outbox_loop
) -> None:
    onboarding = acme(session, playbooks)
    record_kickoff_over_slack(slack, fake_slack)  # `done acme kickoff` and its modal
    message = pulse_posted(fake_slack)
    slack.command("done acme kickoff", channel_id="C0GENERAL")  # already done: no second pulse
    outbox_loop.drain()

    click_pulse(slack, onboarding.id, 4, message["ts"], user_id=EXTERNAL, user_team_id=THEIR_TEAM)
    fake_slack.wait_for_response(lambda r: "answer is recorded" in json.dumps(r))
    [update] = fake_slack.wait_for("chat.update", lambda p: p.get("channel") == CHANNEL)
    assert update.params["ts"] == message["ts"]
    assert "Thanks — 1 answer so far" in json.dumps(update.params["blocks"], ensure_ascii=False)
    click_pulse(slack, onboarding.id, 2, message["ts"], user_id=EXTERNAL, user_team_id=THEIR_TEAM)
    fake_slack.wait_for_response(lambda r: "answer is recorded" in json.dumps(r), count=2)
    assert answers(db) == [("pulse_kickoff", EXTERNAL, 2, None)]  # changed, not doubled

    outbox_loop.drain()
    pulses = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if "How is onboarding going" in json.dumps(c.params)
    ]
    assert len(pulses) == 1
    for call in fake_slack.calls_to("chat.update"):  # everything it says: the count, no scores
        assert texts(call.params["blocks"]) == [
            "*How is onboarding going so far?*",
            "1 = not well · 5 = very well",
            "Thanks — 1 answer so far. Changed your mind? Click again.",
        ]


def test_our_own_team_is_not_counted(slack, fake_slack, session, playbooks, db, shared) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    click_pulse(slack, onboarding.id, 5, "1700000000.000100", user_id="UCSM")
    fake_slack.wait_for_response(lambda r: "not counted" in json.dumps(r))
    assert answers(db) == []


def test_the_customer_is_still_refused_everywhere_else(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, shared
) -> None:
    onboarding = acme(session, playbooks)
    for action_id in ("status-open", "feedback-pick-customer-0", "chart-pick-customer-0"):
        before = len(fake_slack.calls)
        slack.block_action(
            action_id,
            str(onboarding.id),
            channel_id=CHANNEL,
            user_id=EXTERNAL,
            user_team_id=THEIR_TEAM,
        )
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=before)
        told = fake_slack.calls[before:]
        assert {c.method for c in told} <= {"auth.test", "users.info", "chat.postEphemeral"}
    response = slack.command("survey acme", user_id=EXTERNAL, user_team_id=THEIR_TEAM)
    assert REFUSAL in response.text
    response = slack.command("timeline acme", user_id=EXTERNAL, user_team_id=THEIR_TEAM)
    assert REFUSAL in response.text
    assert answers(db) == []


def test_only_the_feedback_entry_points_are_open() -> None:
    def click(*action_ids: str) -> dict[str, Any]:
        return {"type": "block_actions", "actions": [{"action_id": a} for a in action_ids]}

    assert is_customer_entry_point(click("feedback-pulse-1"))
    assert is_customer_entry_point(click("feedback-survey-open"))
    assert not is_customer_entry_point(click("feedback-pulse-6"))
    assert not is_customer_entry_point(click("feedback-pulse-1", "status-open"))
    assert not is_customer_entry_point(click())
    view = {"type": "view_submission", "view": {"callback_id": "feedback-survey-submit"}}
    assert is_customer_entry_point(view)
    assert not is_customer_entry_point({**view, "view": {"callback_id": "checklist-submit"}})
    assert not is_customer_entry_point({"type": "shortcut", "callback_id": "feedback-pulse-1"})


def test_survey_modal_validates_inline_and_stores(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, shared
) -> None:
    onboarding = acme(session, playbooks)
    slack.command("survey acme")
    fake_slack.wait_for_response(lambda r: "on its way" in json.dumps(r))
    [invite] = fake_slack.wait_for(
        "chat.postMessage", lambda p: p.get("channel") == CHANNEL and "Give feedback" in str(p)
    )
    value = SurveyValue(onboarding_id=onboarding.id).model_dump_json()
    slack.block_action(
        "feedback-survey-open",
        value,
        channel_id=CHANNEL,
        message_ts=invite.response["ts"],
        user_id=EXTERNAL,
        user_team_id=THEIR_TEAM,
    )
    [opened] = fake_slack.wait_for("views.open")
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else (opened.params["view"])
    )
    assert view["callback_id"] == "feedback-survey-submit"
    assert [b.get("block_id") for b in view["blocks"][1:]] == [
        "feedback-satisfaction",
        "feedback-nps",
        "feedback-effort",
        "feedback-prepared",
        "feedback-reference",
        "feedback-comment",
    ]
    metadata = SurveyMetadata(onboarding_id=onboarding.id, channel_id=CHANNEL).model_dump_json()

    def submit(**values: Any):  # type: ignore[no-untyped-def]
        state = {block: {"value": v} for block, v in values.items()}
        return slack.view_submission(
            "feedback-survey-submit",
            state,
            user_id=EXTERNAL,
            user_team_id=THEIR_TEAM,
            private_metadata=metadata,
            view_id="VSURVEY",
        )

    missing = submit(
        **{
            "feedback-satisfaction": select_value("8"),
            "feedback-nps": select_value(None),
            "feedback-effort": select_value("2"),
        }
    )
    assert missing.json() == {
        "response_action": "errors",
        "errors": {"feedback-nps": "Please choose a number."},
    }
    out_of_scale = submit(
        **{
            "feedback-satisfaction": select_value("11"),
            "feedback-nps": select_value("9"),
            "feedback-effort": select_value("2"),
        }
    )
    assert out_of_scale.json()["errors"] == {
        "feedback-satisfaction": "Choose a number from 1 to 10."
    }
    assert answers(db) == []
    done = submit(
        **{
            "feedback-satisfaction": select_value("8"),
            "feedback-nps": select_value("9"),
            "feedback-effort": select_value("2"),
            "feedback-prepared": {"type": "radio_buttons", "selected_option": {"value": "yes"}},
            "feedback-comment": {"type": "plain_text_input", "value": "Faster SSO, please"},
        }
    )
    body = done.json()
    assert body["response_action"] == "update" and "Thank you" in json.dumps(body["view"])
    assert "9" not in json.dumps(body["view"]["blocks"])  # thanks, nothing else
    assert answers(db) == [("survey", EXTERNAL, None, 9)]
    with db.session() as check:  # the yes/no questions are optional: one answered, one not
        row = check.scalars(select(FeedbackResponse)).one()
        assert (row.prepared, row.reference) == (True, None)
