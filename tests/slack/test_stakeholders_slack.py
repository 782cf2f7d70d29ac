"""`/onboard stakeholders|commitments|criteria` over signed HTTP against the fake Slack: the
cards, their buttons and modals, champion loss end to end (mark departed -> checklist once ->
stall-alert job -> the critical alert delivered to the owner, never the shared channel), and
every new button and modal submission refusing guests and other organisations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import (
    ActivityEntry,
    ChecklistItem,
    Commitment,
    Onboarding,
    OutboxMessage,
    Stakeholder,
    SuccessCriterion,
)
from bot.slack.channel_privacy import forget_privacy
from bot.slack.commitment_views import CardMetadata
from bot.slack.guard import REFUSAL
from bot.slack.picker import PickValue
from bot.slack.sender import OutboxSender
from bot.slack.stakeholder_views import StakeholderMetadata
from jobs.context import JobContext
from jobs.stall_alerts import stall_alerts
from tests.factories import keep_handoff_timing
from tests.slack.test_guard_entry_points import OUTSIDERS, REFUSAL_CALLS
from tests.slack.test_kickoff_slack import record_kickoff_over_slack
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import SlackHttp, checkboxes, date_value, plain, select_value, user_value


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def button(card: dict[str, Any], action_id: str, nth: int = 0) -> dict[str, Any]:
    return [b for b in buttons(card) if b["action_id"] == action_id][nth]


def row(db, model, **where):  # type: ignore[no-untyped-def]
    with db.session() as session:
        query = select(model).filter_by(**where)
        return session.scalars(query).first()


def opened(fake_slack, callback_id: str, count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    calls = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("callback_id") == callback_id, count=count
    )
    return calls[-1].response["view"]


def submit(slack: SlackHttp, view: dict[str, Any], values: dict, user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        view["callback_id"],
        values,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def click(slack: SlackHttp, element: dict[str, Any], user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    return slack.block_action(element["action_id"], element.get("value"), user_id=user_id)


# ---- the stakeholder map ---------------------------------------------------------------------


def test_map_card_log_contact_and_edit_with_inline_errors(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("stakeholders acme", user_id="UOTHER")  # anyone of ours may read it
    card = reply(fake_slack, "Stakeholders: Acme Manufacturing")
    assert card["response_type"] == "ephemeral"
    text = json.dumps(card)
    assert "Maria Lopez" in text and "Project lead (champion)" in text and "never" in text
    assert {b["action_id"] for b in buttons(card)} == {
        "stakeholder-edit",
        "stakeholder-log-contact",
        "stakeholder-depart",
        "stakeholder-add",
    }
    priya = row(db, Stakeholder, name="Maria Lopez")
    contact = next(
        b
        for b in buttons(card)
        if b["action_id"] == "stakeholder-log-contact" and b["value"] == str(priya.id)
    )
    click(slack, contact)
    redrawn = reply(fake_slack, "Contact with *Maria Lopez* logged")
    assert redrawn["replace_original"] is True and "today" in json.dumps(redrawn)
    assert row(db, Stakeholder, id=priya.id).last_contact_at is not None

    edit = next(
        b
        for b in buttons(card)
        if b["action_id"] == "stakeholder-edit" and b["value"] == str(priya.id)
    )
    click(slack, edit)
    view = opened(fake_slack, "stakeholder-submit")
    assert StakeholderMetadata.model_validate_json(view["private_metadata"]).response_url
    bad = submit(
        slack,
        view,
        {
            "stakeholder-name": {"value": plain("")},
            "stakeholder-role": {"value": select_value("champion")},
            "stakeholder-email": {"value": plain("nope")},
        },
    ).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"stakeholder-name", "stakeholder-email"}
    good = submit(
        slack,
        view,
        {
            "stakeholder-name": {"value": plain("Maria Lopez")},
            "stakeholder-title": {"value": plain("Ops Excellence Lead")},
            "stakeholder-role": {"value": select_value("champion")},
            "stakeholder-power": {"value": select_value("high")},
            "stakeholder-interest": {"value": select_value("high")},
            "stakeholder-sentiment": {"value": select_value("champion")},
            "stakeholder-slack-user": {"value": user_value("U0PRIYA")},
            "stakeholder-email": {"value": plain("")},
            "stakeholder-notes": {"value": plain("Runs the <pilot> & the steering group")},
        },
    )
    assert good.status == 200 and not good.json()
    saved = reply(fake_slack, "*Maria Lopez* saved")
    assert "manage closely" in json.dumps(saved) and saved["replace_original"] is True
    assert "&lt;pilot&gt; &amp; the steering group" in json.dumps(saved)
    assert row(db, Stakeholder, id=priya.id).title == "Ops Excellence Lead"


def test_add_stakeholder_and_no_permission_changes_nothing(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("stakeholders acme", user_id="UCSM")
    card = reply(fake_slack, "Stakeholders: Acme Manufacturing")
    click(slack, button(card, "stakeholder-add"), user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert not fake_slack.calls_to("views.open")
    click(slack, button(card, "stakeholder-add"))
    view = opened(fake_slack, "stakeholder-submit")
    values = {
        "stakeholder-name": {"value": plain("Ola Nordmann")},
        "stakeholder-role": {"value": select_value("detractor")},
        "stakeholder-email": {"value": plain("ola@acme-mfg.example")},
    }
    refused = submit(slack, view, values, user_id="UOTHER").json()
    assert refused["response_action"] == "update" and "Only the CSM" in json.dumps(refused)
    assert row(db, Stakeholder, name="Ola Nordmann") is None
    assert not submit(slack, view, values).json()
    reply(fake_slack, "*Ola Nordmann* added")
    assert row(db, Stakeholder, name="Ola Nordmann").role == "detractor"


def test_unknown_customer_asks_and_the_pick_shows_the_card(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Acme Labs", n=2)
    slack.command("criteria acme")
    ask = reply(fake_slack, "Which one did you mean")
    labs = next(b for b in buttons(ask) if b["text"]["text"] == "Acme Labs")
    assert labs["action_id"].startswith("stakeholders-pick-customer-")
    click(slack, labs)
    reply(fake_slack, "Success criteria: Acme Labs")


# ---- champion loss end to end ----------------------------------------------------------------


@pytest.fixture
def fresh_privacy():  # type: ignore[no-untyped-def]
    forget_privacy()
    yield
    forget_privacy()


def test_champion_loss_end_to_end(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, settings, playbooks, fresh_privacy
) -> None:
    fake_slack.add_channel("CEXT", "acme-shared", is_ext_shared=True)
    onboard(slack, fake_slack)
    slack.command("channel acme <#CEXT|acme-shared>", user_id="UCSM")
    reply(fake_slack, "Linked")
    slack.command("stakeholders acme", user_id="UCSM")
    card = reply(fake_slack, "Stakeholders: Acme Manufacturing")
    priya = row(db, Stakeholder, name="Maria Lopez")
    depart = next(
        b
        for b in buttons(card)
        if b["action_id"] == "stakeholder-depart" and b["value"] == str(priya.id)
    )
    assert "champion-loss checklist" in json.dumps(depart["confirm"])  # the confirm dialog
    click(slack, depart)
    reply(fake_slack, "champion-loss checklist (16 items)")
    click(slack, depart)  # a second click (an old copy of the card): nothing more
    reply(fake_slack, "was already marked departed")
    with db.session() as session:
        protocol = session.scalar(
            select(func.count()).where(ChecklistItem.phase_key == "champion_loss")
        )
        departures = session.scalar(
            select(func.count()).where(ActivityEntry.action == "stakeholder_departed")
        )
    assert protocol == 16 and departures == 1

    # The next stall-alert pass (09:00 local on a business day) raises the critical signal.
    now = datetime.now(UTC) + timedelta(days=1)
    while now.weekday() >= 5:
        now += timedelta(days=1)
    now = now.replace(hour=9, minute=5)
    stall_alerts(JobContext(settings, db, playbooks, now))
    OutboxSender(db, None, settings, owner="champion-test", timeout=5).deliver_due(now=now)
    alerts = [
        c.params
        for c in fake_slack.calls_to("chat.postMessage")
        if "Champion gone" in json.dumps(c.params)
    ]
    assert alerts, "the champion-gone alert was not delivered"
    assert all(a["channel"] != "CEXT" for a in alerts)  # never the shared channel
    with db.session() as session:  # queued for the owner's DM: the customer channel is shared
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
        assert {m.channel for m in queued} == {"UCSM"}
    assert "Maria Lopez" in json.dumps(alerts[0]) and "critical" in json.dumps(alerts[0])
    assert not [m for m in fake_slack.messages_in("CEXT") if "Champion" in json.dumps(m)]


# ---- commitments -----------------------------------------------------------------------------


def test_commitments_done_drop_with_reason_and_edit(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        keep_handoff_timing(onboarding, onboarding.created_at)  # only the promises stay open
        for text in ("Weekly status call", "On-site admin training"):
            onboarding.commitments.append(
                Commitment(
                    text=text,
                    due_date=onboarding.start_date + timedelta(days=60),
                    owner_user_id="UCSM",
                )
            )
        session.commit()
    slack.command("commitments acme", user_id="UCSM")
    card = reply(fake_slack, "Commitments: Acme Manufacturing")
    assert "SAP connector live before go-live" in json.dumps(card)
    click(slack, button(card, "commitment-done", 0))
    reply(fake_slack, "Done: ")
    assert row(db, Commitment, text="SAP connector live before go-live").status == "done"

    click(slack, button(card, "commitment-drop", 1))
    view = opened(fake_slack, "commitment-drop-submit")
    empty = submit(slack, view, {"commitment-reason": {"value": plain(" ")}}).json()
    assert empty["response_action"] == "errors" and "commitment-reason" in empty["errors"]
    reason = {"commitment-reason": {"value": plain("Sponsor: monthly")}}
    assert not submit(slack, view, reason).json()
    dropped = reply(fake_slack, "Dropped:")
    assert "Sponsor: monthly" in json.dumps(dropped)
    call = CardMetadata.model_validate_json(view["private_metadata"]).item_id
    assert row(db, Commitment, id=call).dropped_reason == "Sponsor: monthly"

    click(slack, button(card, "commitment-edit", 2))
    view = opened(fake_slack, "commitment-edit-submit")
    values = {
        "commitment-owner": {"value": user_value("UAE")},
        "commitment-due-date": {"value": date_value("2027-02-01")},
    }
    assert not submit(slack, view, values).json()
    reply(fake_slack, "Saved:")
    edited = CardMetadata.model_validate_json(view["private_metadata"]).item_id
    training = row(db, Commitment, id=edited)
    assert training.owner_user_id == "UAE" and training.due_date.isoformat() == "2027-02-01"


# ---- success criteria and first value -----------------------------------------------------------


def test_criteria_flag_mark_met_with_evidence_then_first_value(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("done acme first value", user_id="UCSM")
    refused = reply(fake_slack, "/onboard criteria Acme Manufacturing")
    assert "none of" in json.dumps(refused)
    slack.command("criteria acme", user_id="UCSM")
    card = reply(fake_slack, "Success criteria: Acme Manufacturing")
    assert "No criterion is flagged" in json.dumps(card)
    click(slack, button(card, "criterion-flag-first-value", 0))
    flagged = reply(fake_slack, "first-value criterion:")
    click(slack, button(flagged, "criterion-met", 0))
    view = opened(fake_slack, "criterion-met-submit")
    empty = submit(slack, view, {"criterion-evidence": {"value": plain("")}}).json()
    assert empty["response_action"] == "errors" and "criterion-evidence" in empty["errors"]
    evidence = {"criterion-evidence": {"value": plain("Time study: 3m40s per order")}}
    assert not submit(slack, view, evidence).json()
    met = reply(fake_slack, "First value can now be recorded")
    assert "Time study: 3m40s per order" in json.dumps(met)
    criterion = row(db, SuccessCriterion, is_first_value=True)
    assert criterion.met_by == "UCSM" and criterion.met_at is not None
    slack.command("done acme first value", user_id="UCSM")
    reply(fake_slack, "before it is defined")  # agreed at kickoff (slack/test_kickoff_slack)
    record_kickoff_over_slack(slack, fake_slack)
    slack.command("done acme first value", user_id="UCSM")
    reply(fake_slack, "is complete")
    assert row(db, Onboarding, company_name="Acme Manufacturing").first_value_at is not None


def test_add_a_first_value_criterion(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("criteria acme", user_id="UCSM")
    card = reply(fake_slack, "Success criteria: Acme Manufacturing")
    click(slack, button(card, "criterion-add"))
    view = opened(fake_slack, "criterion-add-submit")
    values = {
        "criterion-text": {"value": plain("First plant report used in the Monday meeting")},
        "criterion-target-date": {"value": date_value("2026-11-20")},
        "criterion-first-value": {"value": checkboxes("first-value")},
    }
    assert not submit(slack, view, values).json()
    reply(fake_slack, "Added:")
    added = row(db, SuccessCriterion, text="First plant report used in the Monday meeting")
    assert added.is_first_value and added.target_date.isoformat() == "2026-11-20"


# ---- guests and other organisations ---------------------------------------------------------


def _ids(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        return {
            "onboarding": onboarding.id,
            "stakeholder": onboarding.stakeholders[1].id,
            "commitment": onboarding.commitments[0].id,
            "criterion": onboarding.success_criteria[0].id,
        }


def _state(db) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return (
            sorted(
                session.execute(
                    select(
                        Stakeholder.id,
                        Stakeholder.name,
                        Stakeholder.departed_at,
                        Stakeholder.last_contact_at,
                    )
                ).all()
            ),
            sorted(session.execute(select(Commitment.id, Commitment.status)).all()),
            sorted(
                session.execute(
                    select(
                        SuccessCriterion.id,
                        SuccessCriterion.met_at,
                        SuccessCriterion.is_first_value,
                    )
                ).all()
            ),
            session.scalar(select(func.count()).select_from(ChecklistItem)),
            session.scalar(select(func.count()).select_from(ActivityEntry)),
        )


def _button(action_id: str, key: str):  # type: ignore[no-untyped-def]
    def run(slack: SlackHttp, ids: dict[str, int], user_id: str, team: str | None):  # type: ignore[no-untyped-def]
        return slack.block_action(action_id, str(ids[key]), user_id=user_id, user_team_id=team)

    return run


def _modal(callback_id: str, values: dict, item: str | None, stakeholder: bool = False):  # type: ignore[no-untyped-def]
    def run(slack: SlackHttp, ids: dict[str, int], user_id: str, team: str | None):  # type: ignore[no-untyped-def]
        if stakeholder:
            metadata = StakeholderMetadata(onboarding_id=ids["onboarding"]).model_dump_json()
        else:
            metadata = CardMetadata(
                onboarding_id=ids["onboarding"], item_id=ids[item] if item else None
            ).model_dump_json()
        return slack.view_submission(
            callback_id,
            values,
            user_id=user_id,
            user_team_id=team,
            private_metadata=metadata,
            view_id="VOUT",
        )

    return run


def _pick(slack: SlackHttp, ids: dict[str, int], user_id: str, team: str | None):  # type: ignore[no-untyped-def]
    value = PickValue(onboarding_id=ids["onboarding"], sub="stakeholders").model_dump_json()
    return slack.block_action(
        "stakeholders-pick-customer-0", value, user_id=user_id, user_team_id=team
    )


NEW_PERSON = {
    "stakeholder-name": {"value": plain("Outsider Added")},
    "stakeholder-role": {"value": select_value("champion")},
    "stakeholder-email": {"value": plain("o@x.example")},
}
ENTRY_POINTS = {
    "stakeholders-pick-customer": _pick,
    "stakeholder-add": _button("stakeholder-add", "onboarding"),
    "stakeholder-edit": _button("stakeholder-edit", "stakeholder"),
    "stakeholder-log-contact": _button("stakeholder-log-contact", "stakeholder"),
    "stakeholder-depart": _button("stakeholder-depart", "stakeholder"),
    "stakeholder-submit": _modal("stakeholder-submit", NEW_PERSON, None, stakeholder=True),
    "commitment-done": _button("commitment-done", "commitment"),
    "commitment-drop": _button("commitment-drop", "commitment"),
    "commitment-edit": _button("commitment-edit", "commitment"),
    "commitment-drop-submit": _modal(
        "commitment-drop-submit", {"commitment-reason": {"value": plain("x")}}, "commitment"
    ),
    "commitment-edit-submit": _modal(
        "commitment-edit-submit",
        {
            "commitment-owner": {"value": user_value("UOUT")},
            "commitment-due-date": {"value": date_value("2027-01-01")},
        },
        "commitment",
    ),
    "criterion-met": _button("criterion-met", "criterion"),
    "criterion-flag-first-value": _button("criterion-flag-first-value", "criterion"),
    "criterion-add": _button("criterion-add", "onboarding"),
    "criterion-met-submit": _modal(
        "criterion-met-submit", {"criterion-evidence": {"value": plain("x")}}, "criterion"
    ),
    "criterion-add-submit": _modal(
        "criterion-add-submit", {"criterion-text": {"value": plain("x")}}, None
    ),
}


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_outsiders_are_refused_at_every_new_entry_point(slack, fake_slack, db, entry, who) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    ids = _ids(db)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    before = _state(db)
    calls_before, responses_before = len(fake_slack.calls), len(fake_slack.responses)

    response = ENTRY_POINTS[entry](slack, ids, "UOUT", team)

    assert response.status == 200
    answer = response.json()
    if answer:
        assert answer["response_action"] == "update" and REFUSAL in json.dumps(answer["view"])
    else:
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=calls_before)
    new_calls = fake_slack.calls[calls_before:]
    assert {call.method for call in new_calls} <= REFUSAL_CALLS
    assert len(fake_slack.responses) == responses_before
    assert _state(db) == before
