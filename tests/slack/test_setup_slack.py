"""`/onboard setup` over signed HTTP against the fake Slack: the integrations card made from the
handoff, the edit modal's inline validation (a waiver needs a reason), the redrawn card, the
permission check, a card of 50 integrations within Block Kit's limits, and guests and other
organisations refused on the command, the buttons and the submission."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import ActivityEntry, Integration, Onboarding
from bot.slack.guard import REFUSAL
from bot.slack.setup_views import SetupMetadata
from tests.slack.test_guard_entry_points import OUTSIDERS, REFUSAL_CALLS
from tests.slack.test_stakeholders_slack import button, buttons, click, opened, row, submit
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import plain, select_value, user_value


def edit_button(card: dict[str, Any], integration_id: int) -> dict[str, Any]:
    return next(
        b["accessory"]
        for b in card["blocks"]
        if b.get("accessory", {}).get("action_id") == "setup-edit"
        and b["accessory"]["value"] == str(integration_id)
    )


def test_setup_card_edit_with_inline_errors_and_the_redrawn_card(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("setup acme", user_id="UOTHER")  # anyone of ours may read it
    card = reply(fake_slack, "Technical setup: Acme Manufacturing")
    assert card["response_type"] == "ephemeral"
    text = json.dumps(card)
    assert "SAP ERP" in text and "Okta SSO" in text and "Not started" in text
    assert "technical setup waits for 3" in text
    assert [b["action_id"] for b in buttons(card)] == ["setup-add"]

    sap = row(db, Integration, name="SAP ERP")
    click(slack, edit_button(card, sap.id))
    view = opened(fake_slack, "setup-integration-submit")
    metadata = SetupMetadata.model_validate_json(view["private_metadata"])
    assert metadata.integration_id == sap.id and metadata.response_url
    bad = submit(
        slack,
        view,
        {
            "integration-name": {"value": plain("  ")},
            "integration-status": {"value": select_value("waived")},
            "integration-waived-reason": {"value": plain("")},
        },
    ).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"integration-name", "integration-waived-reason"}
    good = submit(
        slack,
        view,
        {
            "integration-name": {"value": plain("SAP ERP")},
            "integration-owner": {"value": user_value("UIT")},
            "integration-status": {"value": select_value("failing")},
            "integration-notes": {"value": plain("IDoc <port> & RFC user set up")},
            "integration-migration": {"value": plain("4,790 of 4,812 records: 22 rejected")},
            "integration-limitations": {"value": plain("No real-time stock levels")},
        },
    )
    assert good.status == 200 and not good.json()
    saved = reply(fake_slack, "*SAP ERP* saved")
    assert saved["replace_original"] is True
    redrawn = json.dumps(saved)
    assert "IDoc &lt;port&gt; &amp; RFC user set up" in redrawn and "<@UIT>" in redrawn
    assert "Failing" in redrawn and "22 rejected" in redrawn
    stored = row(db, Integration, id=sap.id)
    assert (stored.status, stored.owner_user_id, stored.updated_by) == ("failing", "UIT", "UCSM")

    slack.command("done acme technical setup", user_id="UCSM")
    refused = reply(fake_slack, "Technical setup cannot complete")
    assert "`/onboard setup Acme Manufacturing`" in json.dumps(refused)


def test_add_integration_and_no_permission_changes_nothing(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("setup acme", user_id="UCSM")
    card = reply(fake_slack, "Technical setup: Acme Manufacturing")
    click(slack, button(card, "setup-add"), user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert not fake_slack.calls_to("views.open")
    click(slack, button(card, "setup-add"))
    view = opened(fake_slack, "setup-integration-submit")
    values = {
        "integration-name": {"value": plain("Snowflake")},
        "integration-status": {"value": select_value("waived")},
        "integration-waived-reason": {"value": plain("Reporting moves to phase 2")},
    }
    refused = submit(slack, view, values, user_id="UOTHER").json()
    assert refused["response_action"] == "update" and "Only the CSM" in json.dumps(refused)
    assert row(db, Integration, name="Snowflake") is None
    assert not submit(slack, view, values).json()
    reply(fake_slack, "*Snowflake* added")
    assert row(db, Integration, name="Snowflake").waived_reason == "Reporting moves to phase 2"


def test_fifty_integrations_fit_the_card(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        for n in range(47):
            onboarding.integrations.append(Integration(name=f"System {n:02d} " + "x" * 100))
        session.commit()
    slack.command("setup acme")
    card = reply(fake_slack, "Technical setup: Acme Manufacturing")
    assert len(card["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in card["blocks"])
    select_ = next(e for e in buttons(card) if e["action_id"] == "setup-edit-pick")
    last = select_["options"][-1]
    assert len(select_["options"]) == 10 and "System 46" in last["text"]["text"]
    slack.block_action("setup-edit-pick", None, selected_option=last["value"])
    view = opened(fake_slack, "setup-integration-submit")
    assert SetupMetadata.model_validate_json(view["private_metadata"]).integration_id == int(
        last["value"]
    )


def test_unknown_customer_asks_and_the_pick_shows_the_card(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Acme Labs", n=2)
    slack.command("setup acme")
    ask = reply(fake_slack, "Which one did you mean")
    labs = next(b for b in buttons(ask) if b["text"]["text"] == "Acme Labs")
    assert labs["action_id"].startswith("setup-pick-customer-")
    click(slack, labs)
    reply(fake_slack, "Technical setup: Acme Labs")


def _state(db) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return (
            sorted(session.execute(select(Integration.id, Integration.status)).all()),
            session.scalar(select(func.count()).select_from(ActivityEntry)),
        )


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("entry", ["command", "edit", "add", "pick", "submit"])
def test_outsiders_are_refused(slack, fake_slack, db, entry, who) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        onboarding_id, integration_id = onboarding.id, onboarding.integrations[0].id
    before = _state(db)
    calls_before = len(fake_slack.calls)
    as_them: dict[str, Any] = {"user_id": "UOUT", "user_team_id": team}
    if entry == "command":
        response = slack.command("setup acme", **as_them)
    elif entry == "edit":
        response = slack.block_action("setup-edit", str(integration_id), **as_them)
    elif entry == "add":
        response = slack.block_action("setup-add", str(onboarding_id), **as_them)
    elif entry == "pick":
        value = json.dumps({"onboarding_id": onboarding_id, "sub": "setup"})
        response = slack.block_action("setup-pick-customer-0", value, **as_them)
    else:
        metadata = SetupMetadata(onboarding_id=onboarding_id, integration_id=integration_id)
        response = slack.view_submission(
            "setup-integration-submit",
            {
                "integration-name": {"value": plain("SAP")},
                "integration-status": {"value": select_value("verified")},
            },
            private_metadata=metadata.model_dump_json(),
            **as_them,
        )
    assert response.status == 200
    answer = response.json() if response.text else None
    if not (answer and "response_action" in answer) and REFUSAL not in response.text:
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=calls_before)
    new_calls = fake_slack.calls[calls_before:]
    if answer and "response_action" in answer:
        assert REFUSAL in json.dumps(answer["view"])
    else:
        told = [c for c in new_calls if c.method in ("chat.postEphemeral", "views.open")]
        said = json.dumps([c.params for c in told]) + json.dumps(answer or {})
        assert REFUSAL in said or any(REFUSAL in json.dumps(r) for r in fake_slack.responses)
    assert {call.method for call in new_calls} <= REFUSAL_CALLS
    assert _state(db) == before
