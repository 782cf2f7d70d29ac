"""The go-live gate's automatic checks over signed HTTP: `/onboard golive acme` with an open
blocker shows it as a failed item with its reason, and every answer YES is still refused."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.models import GateReview, Onboarding, OnboardingStatus
from tests.slack.test_gate_slack import gate_values, opened_gate, seed, submit, told
from tests.slack.test_status_slack import reply


def test_golive_with_an_open_blocker_shows_the_failed_check_and_refuses(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, playbooks
) -> None:
    fake_slack.add_channel("C0ACME", "acme-manufacturing")
    onboarding_id = seed(db, playbooks)
    slack.command("block acme Waiting on SAP credentials from IT", user_id="UCSM")
    reply(fake_slack, "Blocker added")
    slack.command("golive acme", user_id="UCSM")
    view = opened_gate(fake_slack)
    shown = json.dumps(view["blocks"])
    assert ":x: *Failed:* No open blocker (1 open blocker)" in shown
    assert "Waiting on SAP credentials from IT" in shown
    assert ":white_check_mark: Pilot finished (Pilot success)" in shown
    response = submit(slack, view, gate_values(view))  # every item YES
    assert response.status == 200
    assert "Go-live refused" in json.dumps(response.json()["view"])
    said = json.dumps(told(fake_slack, "Go-live refused"))
    assert "Failed automatic checks: No open blocker" in said
    with db.session() as session:
        assert session.get(Onboarding, onboarding_id).status != OnboardingStatus.HYPERCARE
        assert session.scalars(select(GateReview)).one().outcome == "refused"
