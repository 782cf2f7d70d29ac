"""Signed but malformed payloads (issue 12, "Edge"): every modal and the buttons answer with a
field error, an out-of-date modal or an out-of-date notice, never a 500, and save nothing."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Base
from bot.services.changes import ChangeField
from bot.services.commitments import CommitmentField
from bot.services.criteria import CriterionField
from bot.services.handoff import HandoffField
from bot.services.integrations import IntegrationField
from bot.services.kickoff import KickoffField
from bot.services.message_log import LogField
from bot.services.replan import ReplanField
from bot.services.stakeholders import StakeholderField
from bot.services.training import TrainingField
from bot.slack.forms import NOT_A_DATE, OUT_OF_DATE_BUTTON, OUT_OF_DATE_FORM, UNREADABLE
from bot.slack.ids import (
    ChangeId,
    ChecklistId,
    CommitmentId,
    CriterionId,
    FeedbackId,
    GateId,
    HandoffId,
    HealthId,
    KickoffId,
    MessageLogId,
    ReplanId,
    SetupId,
    StakeholderId,
    StatusId,
    TrainingId,
    TransitionId,
)
from tests.fakeslack import FakeSlack
from tests.slack_http import SlackHttp, date_value, plain

THEIR_TEAM = "T0CUSTOMER"
CUSTOMER = "UKIM"
ONBOARDING = {"onboarding_id": 1}


@dataclass(frozen=True)
class Modal:
    callback_id: str
    metadata: dict[str, Any]
    text_block: str  # a block holding a plain_text_input (or users_select with `user`)
    date_block: str | None = None
    customer: bool = False  # answered by the customer's users (the guard lets them in)
    user: bool = False  # `text_block` is a users_select


MODALS = [
    Modal(HandoffId.VIEW, {}, HandoffField.COMPANY_NAME, HandoffField.START_DATE),
    Modal(MessageLogId.VIEW, {}, LogField.TEXT),
    Modal(StatusId.BLOCKER_VIEW, ONBOARDING, StatusId.BLOCKER_REASON),
    Modal(ChecklistId.VIEW, {**ONBOARDING, "phase_key": "kickoff"}, ChecklistId.ADD_ITEMS),
    Modal(HealthId.VIEW, ONBOARDING, HealthId.NOTE),
    Modal(FeedbackId.SURVEY_VIEW, ONBOARDING, FeedbackId.COMMENT, customer=True),
    Modal(GateId.VIEW, ONBOARDING, GateId.OVERRIDE),
    Modal(StakeholderId.VIEW, ONBOARDING, StakeholderField.NAME),
    Modal(CommitmentId.DROP_VIEW, {**ONBOARDING, "item_id": 1}, CommitmentField.REASON),
    Modal(
        CommitmentId.EDIT_VIEW,
        {**ONBOARDING, "item_id": 1},
        CommitmentField.OWNER,
        CommitmentField.DUE_DATE,
        user=True,
    ),
    Modal(CriterionId.MET_VIEW, {**ONBOARDING, "item_id": 1}, CriterionField.EVIDENCE),
    Modal(CriterionId.ADD_VIEW, ONBOARDING, CriterionField.TEXT, CriterionField.TARGET_DATE),
    Modal(TransitionId.WAIVE_VIEW, ONBOARDING, TransitionId.REASON),
    Modal(TransitionId.CLOSE_VIEW, ONBOARDING, TransitionId.LESSONS),
    Modal(TrainingId.SCHEDULE_VIEW, ONBOARDING, TrainingField.INVITED, TrainingField.DATE),
    Modal(TrainingId.DELIVER_VIEW, {**ONBOARDING, "session_id": 1}, TrainingField.ATTENDED),
    Modal(SetupId.VIEW, ONBOARDING, IntegrationField.NAME),
    Modal(KickoffId.QUESTIONNAIRE_VIEW, ONBOARDING, f"{KickoffId.QUESTION}-goals", customer=True),
    Modal(KickoffId.DONE_VIEW, ONBOARDING, KickoffField.FIRST_VALUE),
    Modal(ReplanId.VIEW, ONBOARDING, ReplanField.REASON, ReplanField.GO_LIVE),
    Modal(ChangeId.VIEW, {"change_id": 1}, ChangeField.TEXT, ChangeField.DUE),
]
BY_ID = {m.callback_id: m for m in MODALS}


def test_every_modal_of_the_app_is_covered() -> None:
    from bot.slack import ids

    views = {
        member.value
        for enum in vars(ids).values()
        if isinstance(enum, type) and issubclass(enum, str)
        for member in getattr(enum, "__members__", {}).values()
        if member.value.endswith("-submit")
    }
    # Issue 12 listed 19; replan is the 20th, a change request's approval the 21st.
    assert views == set(BY_ID) and len(views) == 21


def _rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.session() as session:
        return {
            t.name: sorted(map(tuple, session.execute(select(t)).all()), key=repr)
            for t in Base.metadata.sorted_tables
            if t.name != "seen_request"  # every verified request is remembered (replays)
        }


def _submit(slack: SlackHttp, modal: Modal, values: Any, metadata: str | None) -> Any:
    who = {"user_id": CUSTOMER, "user_team_id": THEIR_TEAM} if modal.customer else {}
    return slack.view_submission(modal.callback_id, values, private_metadata=metadata, **who)


@pytest.fixture
def quiet_log(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO)
    yield caplog
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not loud, [r.getMessage() for r in loud]


@pytest.fixture
def customer(fake_slack: FakeSlack) -> None:
    fake_slack.add_user(CUSTOMER, name="kim", real_name="Kim Customer", team_id=THEIR_TEAM)


def _field_cases() -> list[Any]:
    cases = []
    for m in MODALS:
        key = "selected_user" if m.user else "value"
        wrong = {"type": "users_select" if m.user else "plain_text_input", key: 42}
        cases.append(
            pytest.param(
                m.callback_id, m.text_block, wrong, UNREADABLE, id=f"{m.callback_id}-number"
            )
        )
        cases.append(
            pytest.param(
                m.callback_id, m.text_block, "oops", UNREADABLE, id=f"{m.callback_id}-string-block"
            )
        )
        if m.date_block:
            cases.append(
                pytest.param(
                    m.callback_id,
                    m.date_block,
                    date_value("2026-02-31"),
                    NOT_A_DATE,
                    id=f"{m.callback_id}-bad-date",
                )
            )
    return cases


@pytest.mark.parametrize(("callback_id", "block", "element", "message"), _field_cases())
def test_a_field_that_cannot_be_read_gets_an_error_on_it(
    slack: SlackHttp,
    db: Database,
    customer: None,
    quiet_log: Any,
    callback_id: str,
    block: str,
    element: Any,
    message: str,
) -> None:
    modal = BY_ID[callback_id]
    before = _rows(db)
    values = {block: element if isinstance(element, str) else {"value": element}}
    response = _submit(slack, modal, values, json.dumps(modal.metadata))
    assert response.status == 200, response.text
    assert response.json() == {"response_action": "errors", "errors": {block: message}}
    assert _rows(db) == before


@pytest.mark.parametrize(
    "metadata",
    ["garbage", "{}", "null", None, ""],
    ids=["garbage", "empty-object", "null", "absent", "empty"],
)
@pytest.mark.parametrize("callback_id", list(BY_ID))
def test_unreadable_metadata_or_no_state_says_the_form_is_out_of_date(
    slack: SlackHttp,
    db: Database,
    customer: None,
    quiet_log: Any,
    callback_id: str,
    metadata: str | None,
) -> None:
    modal = BY_ID[callback_id]
    before = _rows(db)
    response = _submit(slack, modal, {modal.text_block: {"value": plain("Acme")}}, metadata)
    assert response.status == 200, response.text
    answer = response.json()
    if metadata == "{}" and not modal.metadata:  # nothing in it is required: read the fields
        assert answer["response_action"] == "errors"
    else:
        assert answer["response_action"] == "update"
        assert OUT_OF_DATE_FORM in json.dumps(answer["view"])
    assert _rows(db) == before


@pytest.mark.parametrize("callback_id", list(BY_ID))
def test_a_view_without_state_says_the_form_is_out_of_date(
    slack: SlackHttp, db: Database, customer: None, quiet_log: Any, callback_id: str
) -> None:
    modal = BY_ID[callback_id]
    before = _rows(db)
    response = _submit(slack, modal, None, json.dumps(modal.metadata))
    assert response.status == 200, response.text
    assert response.json()["response_action"] == "update"
    assert OUT_OF_DATE_FORM in response.text
    assert _rows(db) == before


# ---- buttons and selects ---------------------------------------------------------------------

BUTTONS = [
    HandoffId.ACKNOWLEDGE,  # a row id
    CommitmentId.DONE,
    SetupId.ADD,
    f"{StatusId.PICK_CUSTOMER}-0",  # a JSON value
    StatusId.LIST_PAGE,
    f"{StakeholderId.PICK_CUSTOMER}-0",
    f"{TrainingId.PICK_CUSTOMER}-0",
    f"{TransitionId.PICK_CUSTOMER}-0",
]


@pytest.mark.parametrize(
    "value",
    ["garbage", '{"onboarding_id": "x"', "", None],
    ids=["garbage", "not-json", "empty", "missing"],
)
@pytest.mark.parametrize("action_id", BUTTONS)
def test_a_button_with_an_unreadable_value_says_it_is_out_of_date(
    slack: SlackHttp,
    fake_slack: FakeSlack,
    db: Database,
    quiet_log: Any,
    action_id: str,
    value: str | None,
) -> None:
    before = _rows(db)
    response = slack.block_action(action_id, value, user_id="UCSM")
    assert response.status == 200, response.text
    fake_slack.wait_for_response(lambda r: r.get("text") == OUT_OF_DATE_BUTTON)
    assert _rows(db) == before


@pytest.mark.parametrize("chosen", [{"value": 7}, {"text": "x"}, "garbage", {"value": "seven"}])
def test_a_select_with_an_unreadable_option_says_it_is_out_of_date(
    slack: SlackHttp, fake_slack: FakeSlack, db: Database, quiet_log: Any, chosen: Any
) -> None:
    before = _rows(db)
    response = slack.block_action(StatusId.DONE_SELECT, selected_option=chosen, user_id="UCSM")
    assert response.status == 200, response.text
    fake_slack.wait_for_response(lambda r: r.get("text") == OUT_OF_DATE_BUTTON)
    assert _rows(db) == before


def test_a_click_without_actions_says_the_button_is_out_of_date(
    slack: SlackHttp, fake_slack: FakeSlack, quiet_log: Any
) -> None:
    response = slack.block_action(CommitmentId.DONE, "1", user_id="UCSM", actions=[])
    assert response.status == 200, response.text
    fake_slack.wait_for_response(lambda r: r.get("text") == OUT_OF_DATE_BUTTON)
