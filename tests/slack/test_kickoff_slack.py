"""The kickoff pack over signed HTTP against the fake Slack: `/onboard kickoff` posts the agenda
and RACI draft to the internal channel (the CSM's DM without one, never a shared channel); the
questionnaire goes to the customer channel, where the external champion fills the modal; `done
<customer> kickoff` opens the agreements modal; first value is refused before it is defined."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.models import ActivityEntry, Onboarding
from bot.services.kickoff import KickoffField
from bot.slack.guard import REFUSAL, is_customer_entry_point
from bot.slack.kickoff_views import QuestionnaireValue
from tests.factories import meet_first_value_criterion
from tests.jobs.test_plan import acme
from tests.slack_http import plain

CUSTOMER, INTERNAL = "C0ACME", "C0INTERNAL"
EXTERNAL, THEIR_TEAM = "UEXT1", "T0THEIRS"


@pytest.fixture
def channels(fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CUSTOMER, "acme-onboarding", is_ext_shared=True)
    fake_slack.add_channel(INTERNAL, "acme-internal")
    fake_slack.add_user(EXTERNAL, name="kim", real_name="Kim Customer", team_id=THEIR_TEAM)


def posted(fake_slack, channel: str, contains: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    [call] = fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p.get("channel") == channel and contains in json.dumps(p, ensure_ascii=False),
    )
    return call.params


def in_channel(fake_slack, channel: str) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(
        [
            c.params
            for c in fake_slack.calls_to("chat.postMessage")
            if c.params["channel"] == channel
        ],
        ensure_ascii=False,
    )


def set_internal(session, onboarding_id: int, channel: str | None) -> None:  # type: ignore[no-untyped-def]
    session.get(Onboarding, onboarding_id).internal_channel_id = channel
    session.commit()


def record_kickoff_over_slack(  # type: ignore[no-untyped-def]
    slack, fake_slack, first_value: str = "5 users on their own dashboard", **extra: str
):
    """`/onboard done acme kickoff`, then the modal it opens, submitted."""

    def kickoff_modal(params: dict[str, Any]) -> bool:
        return "kickoff-done-submit" in json.dumps(params)

    before = len([c for c in fake_slack.calls_to("views.open") if kickoff_modal(c.params)])
    slack.command("done acme kickoff", user_id="UCSM")
    [*_, call] = fake_slack.wait_for("views.open", kickoff_modal, count=before + 1)
    view = call.params["view"]
    values = {
        KickoffField.FIRST_VALUE: {"value": plain(first_value)},
        KickoffField.CADENCE: {"value": plain(extra.get("cadence", "Weekly, Tuesdays"))},
        KickoffField.ESCALATION: {"value": plain(extra.get("escalation", "Lead, then sponsor"))},
    }
    return view, slack.view_submission(
        "kickoff-done-submit", values, user_id="UCSM", private_metadata=view["private_metadata"]
    )


def test_kickoff_posts_to_the_internal_channel_and_the_questionnaire_to_the_customer(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, channels
) -> None:
    onboarding = acme(session, playbooks)
    set_internal(session, onboarding.id, INTERNAL)
    response = slack.command("kickoff acme mfg", user_id="UCSM")
    assert response.status == 200
    pack = posted(fake_slack, INTERNAL, "Kickoff pack")
    text = json.dumps(pack["blocks"], ensure_ascii=False)
    for part in ("I — Introductions", "M — Mutual objectives", "RACI draft", "Kickoff held"):
        assert part in text
    assert "Victor Grim" in text  # internal: the detractor is named
    invite = posted(fake_slack, CUSTOMER, "Answer the questions")
    assert "kickoff-questionnaire-open" in json.dumps(invite)
    shared = in_channel(fake_slack, CUSTOMER)
    assert "RACI" not in shared and "Victor" not in shared and "Introductions" not in shared
    reply = fake_slack.wait_for_response(lambda r: "kickoff pack" in json.dumps(r))[-1]
    assert reply["response_type"] == "ephemeral"


def test_kickoff_goes_to_the_csm_dm_without_an_internal_channel_never_a_shared_one(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, channels
) -> None:
    onboarding = acme(session, playbooks)
    slack.command("kickoff acme", user_id="UCSM")
    posted(fake_slack, "DUCSM", "Kickoff pack")
    set_internal(session, onboarding.id, CUSTOMER)  # an "internal" channel that is shared
    slack.command("kickoff acme", user_id="UCSM")
    fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p["channel"] == "DUCSM" and "Kickoff pack" in json.dumps(p),
        count=2,
    )
    assert "Kickoff pack" not in in_channel(fake_slack, CUSTOMER)


def test_without_a_customer_channel_the_csm_gets_the_questions(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, channels
) -> None:
    acme(session, playbooks, customer_channel_id=None)
    slack.command("kickoff acme", user_id="UCSM")
    questions = posted(fake_slack, "DUCSM", "to forward")
    assert "Which systems must we connect" in json.dumps(questions)


def test_the_external_champion_fills_the_questionnaire_and_the_csm_is_told(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, channels
) -> None:
    onboarding = acme(session, playbooks)
    slack.command("kickoff acme", user_id="UCSM")
    invite = posted(fake_slack, CUSTOMER, "Answer the questions")
    button = next(e for b in invite["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.block_action(
        button["action_id"],
        button["value"],
        channel_id=CUSTOMER,
        user_id=EXTERNAL,
        user_team_id=THEIR_TEAM,
    )
    [opened] = fake_slack.wait_for(
        "views.open", lambda p: "kickoff-questionnaire-submit" in json.dumps(p)
    )
    view = opened.params["view"]
    modal = json.dumps(view, ensure_ascii=False)
    assert "Victor" not in modal and "RACI" not in modal and "$" not in modal
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]

    def submit(answers: dict[str, str]):  # type: ignore[no-untyped-def]
        values = {block: {"value": plain(answers.get(block))} for block in inputs}
        return slack.view_submission(
            "kickoff-questionnaire-submit",
            values,
            user_id=EXTERNAL,
            user_team_id=THEIR_TEAM,
            private_metadata=view["private_metadata"],
        )

    first = "kickoff-question-first_value"
    missing = submit({b: "ok" for b in inputs if b != first}).json()
    assert missing["response_action"] == "errors" and first in missing["errors"]
    answers = {b: f"our {b.removeprefix('kickoff-question-')}" for b in inputs}
    done = submit(answers).json()
    assert done["response_action"] == "update"
    assert "Thank you" in json.dumps(done) and "Victor" not in json.dumps(done)

    told = posted(fake_slack, "DUCSM", "answered the pre-kickoff questions")
    assert "our systems" in json.dumps(told)
    with db.session() as fresh:
        stored = fresh.get(Onboarding, onboarding.id)
        assert stored.first_value_definition == "our first_value"
        entry = fresh.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "questionnaire_answered")
        ).one()
        assert entry.actor_user_id == EXTERNAL and entry.data["answers"]["goals"] == "our goals"


def test_done_kickoff_opens_the_modal_validates_and_stores_the_agreements(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, channels
) -> None:
    onboarding = acme(session, playbooks)
    _, refused = record_kickoff_over_slack(slack, fake_slack, first_value="  ")
    assert refused.json()["response_action"] == "errors"
    assert KickoffField.FIRST_VALUE in refused.json()["errors"]
    _, response = record_kickoff_over_slack(slack, fake_slack, cadence="Every Monday")
    assert response.status == 200 and not response.text  # closed
    fake_slack.wait_for(
        "chat.postEphemeral", lambda p: "Kickoff held* is complete" in json.dumps(p)
    )
    with db.session() as fresh:
        stored = fresh.get(Onboarding, onboarding.id)
        assert stored.first_value_definition == "5 users on their own dashboard"
        assert (stored.meeting_cadence, stored.escalation_path) == (
            "Every Monday",
            "Lead, then sponsor",
        )
        assert next(m for m in stored.milestones if m.key == "kickoff").is_done
    # Done already: `done acme kickoff` says so, no modal.
    opened = len(fake_slack.calls_to("views.open"))
    slack.command("done acme kickoff", user_id="UCSM")
    fake_slack.wait_for_response(lambda r: "was already complete" in json.dumps(r))
    assert len(fake_slack.calls_to("views.open")) == opened


def test_done_select_on_the_kickoff_opens_the_modal_prefilled(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, channels
) -> None:
    onboarding = acme(session, playbooks)
    onboarding.first_value_definition = "A report they use"
    session.commit()
    kickoff = next(m for m in onboarding.milestones if m.key == "kickoff")
    slack.block_action("status-done-select", selected_option=str(kickoff.id), user_id="UCSM")
    [opened] = fake_slack.wait_for("views.open", lambda p: "kickoff-done-submit" in json.dumps(p))
    assert "A report they use" in json.dumps(opened.params["view"])


def test_first_value_is_refused_before_it_is_defined(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, channels
) -> None:
    onboarding = acme(session, playbooks)
    meet_first_value_criterion(session, onboarding.id)
    session.get(Onboarding, onboarding.id).first_value_definition = ""
    session.commit()
    slack.command("done acme first value", user_id="UCSM")
    fake_slack.wait_for_response(lambda r: "before it is defined" in json.dumps(r))
    record_kickoff_over_slack(slack, fake_slack)
    fake_slack.wait_for("chat.postEphemeral", lambda p: "Kickoff held" in json.dumps(p))
    slack.command("done acme first value", user_id="UCSM")
    fake_slack.wait_for_response(lambda r: "First value achieved* is complete" in json.dumps(r))


def test_guests_and_other_organisations_are_refused(  # type: ignore[no-untyped-def]
    slack, fake_slack, session, playbooks, db, channels
) -> None:
    onboarding = acme(session, playbooks)
    fake_slack.add_user("UGUEST", name="guest", is_restricted=True)
    for who in ({"user_id": EXTERNAL, "user_team_id": THEIR_TEAM}, {"user_id": "UGUEST"}):
        assert REFUSAL in slack.command("kickoff acme", **who).text
        assert REFUSAL in slack.command("done acme kickoff", **who).text
    values = {KickoffField.FIRST_VALUE: {"value": plain("sneaky")}}
    metadata = json.dumps({"onboarding_id": onboarding.id, "channel_id": CUSTOMER})
    refused = slack.view_submission(
        "kickoff-done-submit",
        values,
        user_id=EXTERNAL,
        user_team_id=THEIR_TEAM,
        private_metadata=metadata,
    )
    assert REFUSAL in json.dumps(refused.json())
    # An internal user who is not on the account may not run it either.
    slack.command("kickoff acme", user_id="UOTHER")
    fake_slack.wait_for_response(
        lambda r: "UOTHER" not in json.dumps(r) and "only" in json.dumps(r).lower()
    )
    # The questionnaire asked in the customer channel cannot be answered from elsewhere.
    value = QuestionnaireValue(onboarding_id=onboarding.id).model_dump_json()
    slack.block_action(
        "kickoff-questionnaire-open",
        value,
        channel_id="C0GENERAL",
        user_id=EXTERNAL,
        user_team_id=THEIR_TEAM,
    )
    fake_slack.wait_for_response(lambda r: "not asked here" in json.dumps(r))
    with db.session() as fresh:
        assert fresh.get(Onboarding, onboarding.id).first_value_definition == ""
        assert not fresh.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "kickoff_prepared")
        ).all()


def test_only_the_questionnaire_entry_points_are_open_to_the_customer() -> None:
    click = {"type": "block_actions", "actions": [{"action_id": "kickoff-questionnaire-open"}]}
    assert is_customer_entry_point(click)
    for callback in ("kickoff-questionnaire-submit",):
        assert is_customer_entry_point(
            {"type": "view_submission", "view": {"callback_id": callback}}
        )
    assert not is_customer_entry_point(
        {"type": "view_submission", "view": {"callback_id": "kickoff-done-submit"}}
    )
    assert not is_customer_entry_point(
        {"type": "block_actions", "actions": [{"action_id": "kickoff-pick-customer-0"}]}
    )
