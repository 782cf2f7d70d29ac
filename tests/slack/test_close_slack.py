"""`/onboard close` and `reopen` over signed HTTP against the fake Slack: refused with every
reason (and nothing changes), waiving from the refusal, the close modal, the report posted to
the internal channel by the outbox sender and the ongoing CSM's DM, reopening, permissions, and
outsiders refused on the command, the buttons and both modals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import ActivityEntry, MilestoneStatus, Onboarding, OnboardingStatus
from bot.slack.guard import REFUSAL
from bot.slack.transition_views import TransitionMetadata
from tests.services.test_hypercare import make_onboarding
from tests.services.test_transition import ready
from tests.slack.test_status_slack import reply
from tests.slack_http import SlackHttp, plain

CLOSE_VIEW = "transition-close-submit"
WAIVE_VIEW = "transition-waive-submit"
LESSONS = "Start the SAP connector in week one; plant managers need their own demo."


def seed(db, playbooks, *, done: bool = True, **fields: Any) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = make_onboarding(session, playbooks, **fields)
        if done:
            ready(session, onboarding)
        return onboarding.id


def opened(fake_slack, callback_id: str, count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    calls = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("callback_id") == callback_id, count=count
    )
    return calls[-1].response["view"]


def close_values(lessons: str | None = LESSONS, user: str | None = "UNEXT") -> dict[str, Any]:
    return {
        "transition-lessons": {"value": plain(lessons)},
        "transition-ongoing-csm": {"value": {"type": "users_select", "selected_user": user}},
    }


def submit_close(slack, view, values, user_id: str = "UCSM", team: str | None = None):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        CLOSE_VIEW,
        values,
        user_id=user_id,
        user_team_id=team,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def status_of(db, onboarding_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.get(Onboarding, onboarding_id).status


def test_close_is_refused_with_every_reason_and_a_waive_button(
    slack, fake_slack, db, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks, done=False)
    slack.command("close acme mfg", user_id="UCSM")
    refusal = reply(fake_slack, "cannot be closed yet")
    text = json.dumps(refusal, ensure_ascii=False)
    assert refusal["response_type"] == "ephemeral"
    assert "Kickoff held* is not done" in text and "First value is not confirmed" in text
    assert "Nothing was changed" in text
    assert not [c for c in fake_slack.calls_to("views.open")]
    assert status_of(db, onboarding_id) == OnboardingStatus.ACTIVE

    # Waive two milestones from the refusal's button, with a reason.
    button = next(
        e
        for b in refusal["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "transition-waive-open"
    )
    slack.block_action(button["action_id"], button["value"], user_id="UCSM")
    view = opened(fake_slack, WAIVE_VIEW)
    options = view["blocks"][1]["element"]["options"]
    chosen = [o for o in options if o["text"]["text"] in ("Pilot success", "Training delivered")]
    values = {
        "transition-milestones": {
            "value": {"type": "multi_static_select", "selected_options": chosen}
        },
        "transition-reason": {"value": plain("")},
    }
    blank = slack.view_submission(
        WAIVE_VIEW, values, user_id="UCSM", private_metadata=view["private_metadata"]
    ).json()
    assert blank["response_action"] == "errors" and "transition-reason" in blank["errors"]
    values["transition-reason"] = {"value": plain("Went straight to production")}
    done = slack.view_submission(
        WAIVE_VIEW, values, user_id="UCSM", private_metadata=view["private_metadata"]
    ).json()
    assert done["response_action"] == "update" and "Waived for" in json.dumps(done["view"])
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        waived = [m.name for m in onboarding.milestones if m.status == MilestoneStatus.WAIVED]
        assert sorted(waived) == ["Pilot success", "Training delivered"]
        assert onboarding.status == OnboardingStatus.ACTIVE


def test_close_passes_posts_the_report_and_dms_the_ongoing_csm(
    slack, fake_slack, db, playbooks
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CINT", "acme-internal", is_private=True)
    fake_slack.add_user("UNEXT", name="next.csm", real_name="Nex Tcsm")
    onboarding_id = seed(db, playbooks, internal_channel_id="CINT")
    slack.command("close acme", user_id="UCSM")
    view = opened(fake_slack, CLOSE_VIEW)
    assert view["title"]["text"] == "Close onboarding"
    missing = submit_close(slack, view, close_values(lessons=None, user=None)).json()
    assert missing["response_action"] == "errors"
    assert status_of(db, onboarding_id) == OnboardingStatus.ACTIVE

    result = submit_close(slack, view, close_values()).json()
    assert result["response_action"] == "update" and "is closed" in json.dumps(result["view"])
    report = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == "CINT" and "Onboarding report" in str(p)
    )[0].params
    text = json.dumps(report, ensure_ascii=False)
    for part in (
        "Setup completed",
        "Training delivered",
        "Time to value",
        "Open items",
        "Stakeholders",
        "Lessons learned",
        "plant managers need their own demo",
    ):
        assert part.lower() in text.lower(), part
    dm = fake_slack.wait_for(
        "chat.postMessage", lambda p: "You are now the ongoing CSM" in str(p.get("text"))
    )[0].params
    assert dm["channel"] != "CINT" and "<#CINT>" in json.dumps(dm)
    opens = fake_slack.calls_to("conversations.open")
    assert any("UNEXT" in json.dumps(c.params) for c in opens)
    with db.session() as session:
        row = session.get(Onboarding, onboarding_id)
        assert row.status == OnboardingStatus.CLOSED and row.ongoing_csm_user_id == "UNEXT"
        assert row.lessons_learned == LESSONS
    # Closed: it is no longer found by close.
    slack.command("close acme", user_id="UCSM")
    reply(fake_slack, "find a customer called")

    # Reopen it, with a reason; logged.
    slack.command("reopen acme", user_id="UAE")
    reply(fake_slack, "Usage: `/onboard reopen")
    slack.command("reopen acme customer added a plant", user_id="UAE")
    reply(fake_slack, "is open again")
    with db.session() as session:
        assert session.get(Onboarding, onboarding_id).status == OnboardingStatus.ACTIVE
        entry = session.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "reopened")
        ).one()
        assert entry.actor_user_id == "UAE" and entry.data["reason"] == "customer added a plant"


def test_only_the_csm_ae_or_an_admin_may_close_or_reopen(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    slack.command("close acme", user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert not fake_slack.calls_to("views.open")
    # A modal opened by the CSM, submitted by someone else: refused, nothing changes.
    slack.command("close acme", user_id="UCSM")
    view = opened(fake_slack, CLOSE_VIEW)
    result = submit_close(slack, view, close_values(), user_id="UOTHER").json()
    assert result["response_action"] == "update" and "Only the CSM" in json.dumps(result["view"])
    assert status_of(db, onboarding_id) == OnboardingStatus.ACTIVE
    submit_close(slack, view, close_values(), user_id="UADMIN")
    assert status_of(db, onboarding_id) == OnboardingStatus.CLOSED
    slack.command("reopen acme because", user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert status_of(db, onboarding_id) == OnboardingStatus.CLOSED


OUTSIDERS = {
    "other organisation": ({"team_id": "T0THEIRS"}, "T0THEIRS"),
    "guest": ({"is_restricted": True}, None),
}


def _command(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    return slack.command("close acme", user_id=who, user_team_id=team)


def _reopen(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    return slack.command("reopen acme why not", user_id=who, user_team_id=team)


def _waive_click(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    value = TransitionMetadata(onboarding_id=onboarding_id).model_dump_json()
    return slack.block_action("transition-waive-open", value, user_id=who, user_team_id=team)


def _close_submit(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    metadata = TransitionMetadata(onboarding_id=onboarding_id).model_dump_json()
    return slack.view_submission(
        CLOSE_VIEW, close_values(), user_id=who, user_team_id=team, private_metadata=metadata
    )


def _waive_submit(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    metadata = TransitionMetadata(onboarding_id=onboarding_id).model_dump_json()
    values = {
        "transition-milestones": {"value": {"type": "multi_static_select", "selected_options": []}},
        "transition-reason": {"value": plain("outsider waives")},
    }
    return slack.view_submission(
        WAIVE_VIEW, values, user_id=who, user_team_id=team, private_metadata=metadata
    )


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize(
    "entry",
    [_command, _reopen, _waive_click, _close_submit, _waive_submit],
    ids=["close", "reopen", "waive-click", "close-submit", "waive-submit"],
)
def test_outsiders_are_refused(slack, fake_slack, db, playbooks, entry, who) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(ActivityEntry))
    calls_before = len(fake_slack.calls)
    response = entry(slack, onboarding_id, "UOUT", team)
    assert response.status == 200
    body = json.dumps(response.json()) if response.json() else ""
    if REFUSAL not in body:  # a click is told after its ack
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=calls_before)
    new = fake_slack.calls[calls_before:]
    assert REFUSAL in body or any(REFUSAL in json.dumps(c.params) for c in new)
    assert not any(c.method == "views.open" for c in new)
    assert status_of(db, onboarding_id) == OnboardingStatus.ACTIVE
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ActivityEntry)) == before
