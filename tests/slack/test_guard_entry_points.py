"""Every button, view submission and message shortcut of status, checklist, training, App Home
and logging a message refuses a guest or a user of another organisation, and changes nothing:
each entry point on its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import (
    ActivityEntry,
    Blocker,
    ChecklistItem,
    HypercareIssue,
    Milestone,
    MilestoneStatus,
    Onboarding,
)
from bot.services.onboarding_list import ListScope
from bot.slack.checklist_views import ChecklistMetadata
from bot.slack.guard import REFUSAL
from bot.slack.message_log_views import MessageLogMetadata
from bot.slack.picker import PickValue
from bot.slack.status_replies import BlockerMetadata, ListPage
from bot.slack.training_views import TrainingMetadata
from tests.slack.test_status_slack import onboard
from tests.slack_http import SlackHttp, checkboxes, plain, select_value

# Calls the refusal itself may make: who is asking, and telling them no.
REFUSAL_CALLS = {"auth.test", "users.info", "chat.postEphemeral", "views.open"}


@dataclass(frozen=True)
class Ids:
    onboarding: int
    pending_milestone: int
    done_milestone: int
    item: int


@dataclass(frozen=True)
class Outsider:
    user_id: str
    team_id: str | None


Entry = Callable[[SlackHttp, Ids, Outsider], Any]
Value = Callable[[Ids], str]


def _click(
    action_id: str,
    value: Value | None = None,
    *,
    selected: Value | None = None,
    view: Callable[[Ids], dict[str, Any]] | None = None,
) -> Entry:
    """A click on a message (the default), or in the view `view` (a modal, App Home)."""

    def click(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
        return slack.block_action(
            action_id,
            value(ids) if value else None,
            user_id=who.user_id,
            user_team_id=who.team_id,
            selected_option=selected(ids) if selected else None,
            view=view(ids) if view else None,
        )

    return click


def _onboarding(ids: Ids) -> str:
    return str(ids.onboarding)


def _pick(sub: str, rest: str = "") -> Value:
    return lambda ids: PickValue(onboarding_id=ids.onboarding, sub=sub, rest=rest).model_dump_json()


def _checklist_metadata(ids: Ids) -> str:
    return ChecklistMetadata(
        onboarding_id=ids.onboarding, phase_key="handoff", shown=[ids.item], done=[]
    ).model_dump_json()


def _checklist_modal(ids: Ids) -> dict[str, Any]:
    return {
        "id": "VCHECK",
        "callback_id": "checklist-submit",
        "private_metadata": _checklist_metadata(ids),
    }


def _home(ids: Ids) -> dict[str, Any]:
    return {"id": "VHOME", "type": "home"}


def _submit_checklist(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
    values = {
        "checklist-items-0": {"value": checkboxes(str(ids.item))},
        "checklist-add-items": {"value": plain("added by an outsider")},
    }
    return slack.view_submission(
        "checklist-submit",
        values,
        user_id=who.user_id,
        user_team_id=who.team_id,
        private_metadata=_checklist_metadata(ids),
        view_id="VCHECK",
    )


def _submit_blocker(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
    return slack.view_submission(
        "status-blocker-submit",
        {"blocker-reason": {"value": plain("blocked by an outsider")}},
        user_id=who.user_id,
        user_team_id=who.team_id,
        private_metadata=BlockerMetadata(onboarding_id=ids.onboarding).model_dump_json(),
        view_id="VBLOCK",
    )


def _submit_kickoff(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
    return slack.view_submission(
        "kickoff-done-submit",
        {"kickoff-first-value": {"value": plain("defined by an outsider")}},
        user_id=who.user_id,
        user_team_id=who.team_id,
        private_metadata=json.dumps({"onboarding_id": ids.onboarding}),
        view_id="VKICK",
    )


def _submit_training(callback_id: str) -> Entry:
    def submit(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
        metadata = TrainingMetadata(onboarding_id=ids.onboarding, session_id=1)
        return slack.view_submission(
            callback_id,
            {"training-invited": {"value": plain("12")}},
            user_id=who.user_id,
            user_team_id=who.team_id,
            private_metadata=metadata.model_dump_json(),
            view_id="VTRAIN",
        )

    return submit


def _log_message(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
    return slack.message_shortcut(
        "log-message-on-onboarding",
        "SSO is down",
        user_id=who.user_id,
        user_team_id=who.team_id,
        message_user=who.user_id,
    )


def _submit_message_log(slack: SlackHttp, ids: Ids, who: Outsider) -> Any:
    metadata = MessageLogMetadata(
        channel_id="C0GENERAL",
        message_ts="1700000000.000100",
        linked_onboarding_id=ids.onboarding,
        linked_company="Acme Manufacturing",
        linked_in_hypercare=True,
    )
    radio = {"type": "radio_buttons", "selected_option": {"value": "blocker"}}
    return slack.view_submission(
        "message-log-submit",
        {
            "message-log-customer": {"value": plain("Acme Manufacturing")},
            "message-log-kind": {"value": radio},
            "message-log-severity": {"value": select_value("P1")},
            "message-log-text": {"value": plain("logged by an outsider")},
        },
        user_id=who.user_id,
        user_team_id=who.team_id,
        private_metadata=metadata.model_dump_json(),
        view_id="VLOG",
    )


ENTRY_POINTS: dict[str, Entry] = {
    "status-open (list button)": _click("status-open", _onboarding),
    "status-pick-customer": _click("status-pick-customer-0", _pick("done", "kickoff")),
    "status-list-page": _click(
        "status-list-page", lambda ids: ListPage(scope=ListScope.ALL, offset=0).model_dump_json()
    ),
    "status-done-select": _click(
        "status-done-select", selected=lambda ids: str(ids.pending_milestone)
    ),
    "status-undo-done": _click("status-undo-done", lambda ids: str(ids.done_milestone)),
    "status-add-blocker": _click("status-add-blocker", _onboarding),
    "status-blocker-submit": _submit_blocker,
    "checklist-open": _click("checklist-open", _onboarding),
    "checklist-pick-customer": _click("checklist-pick-customer-0", _pick("checklist")),
    "checklist-phase": _click(
        "checklist-phase", selected=lambda ids: "go_live", view=_checklist_modal
    ),
    "checklist-page": _click("checklist-page", lambda ids: "0", view=_checklist_modal),
    "checklist-submit": _submit_checklist,
    "home-open-status": _click("home-open-status", _onboarding, view=_home),
    # The customer's voice is open to them (tests/slack/test_feedback_slack.py); these are not.
    "feedback-pick-customer": _click("feedback-pick-customer-0", _pick("survey")),
    "chart-pick-customer": _click("chart-pick-customer-0", _pick("timeline")),
    # The pre-kickoff questionnaire is open to them (slack/test_kickoff_slack.py); these are not.
    "kickoff-pick-customer": _click("kickoff-pick-customer-0", _pick("kickoff")),
    "kickoff-done-submit": _submit_kickoff,
    "training-pick-customer": _click("training-pick-customer-0", _pick("training")),
    "training-schedule": _click("training-schedule", _onboarding),
    "training-deliver": _click("training-deliver-0", lambda ids: "1"),
    "training-schedule-submit": _submit_training("training-schedule-submit"),
    "training-deliver-submit": _submit_training("training-deliver-submit"),
    # "Log on onboarding" on a message in a shared channel: the customer may see the
    # shortcut, but neither the modal nor the log are theirs.
    "log-message-on-onboarding (message shortcut)": _log_message,
    "message-log-submit": _submit_message_log,
}
OUTSIDERS = {
    "other organisation": ({"team_id": "T0THEIRS"}, "T0THEIRS"),
    "guest": ({"is_restricted": True}, None),
    "single-channel guest": ({"is_ultra_restricted": True}, None),
}


def _ids(db) -> Ids:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        done = onboarding.milestones[0]
        done.status = MilestoneStatus.COMPLETE
        session.commit()
        return Ids(
            onboarding.id, onboarding.milestones[1].id, done.id, onboarding.checklist_items[0].id
        )


def _state(db) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return (
            sorted(session.execute(select(Milestone.id, Milestone.status)).all()),
            sorted(session.execute(select(ChecklistItem.id, ChecklistItem.done_by)).all()),
            session.scalar(select(func.count()).select_from(ChecklistItem)),
            session.scalar(select(func.count()).select_from(Blocker)),
            session.scalar(select(func.count()).select_from(HypercareIssue)),
            session.scalar(select(func.count()).select_from(ActivityEntry)),
        )


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_outsiders_are_refused_at_every_entry_point(slack, fake_slack, db, entry, who) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    ids = _ids(db)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    outsider = Outsider("UOUT", team)
    before = _state(db)
    calls_before, responses_before = len(fake_slack.calls), len(fake_slack.responses)

    response = ENTRY_POINTS[entry](slack, ids, outsider)

    assert response.status == 200
    answer = response.json()
    if answer:  # a view submission: the modal turns into the refusal
        assert answer["response_action"] == "update"
        assert REFUSAL in json.dumps(answer["view"])
    else:  # a click: an ephemeral note on a message, a refusal modal elsewhere, after the ack
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=calls_before)
    new_calls = fake_slack.calls[calls_before:]
    assert {call.method for call in new_calls} <= REFUSAL_CALLS
    assert all(
        REFUSAL in json.dumps(call.params)
        for call in new_calls
        if call.method in ("chat.postEphemeral", "views.open")
    )
    assert len(fake_slack.responses) == responses_before
    assert _state(db) == before
