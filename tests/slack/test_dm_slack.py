"""/onboard from a direct message with the app: a DM is private to the user who asked, never
"shared with another organisation", whether or not the install has im:read."""

from __future__ import annotations

import json

import pytest

from tests.jobs.test_plan import acme
from tests.slack.test_status_slack import onboard, reply

INTERNAL = "$95K"  # the ARR: left out of anything posted where another organisation reads


@pytest.mark.parametrize("scopes", ["manifest", "without im:read"])
def test_status_share_in_a_dm_keeps_internal_fields(slack, fake_slack, scopes) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    if scopes == "without im:read":  # an install made before manifest.yml asked for it
        fake_slack.scopes.discard("im:read")
    dm = fake_slack.add_im("UCSM")
    slack.command("status acme share", channel_id=dm, user_id="UCSM")
    post = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == dm)[0]
    assert INTERNAL in json.dumps(post.params["blocks"])
    said = json.dumps(reply(fake_slack, "Shared the status"))
    assert "shared externally" not in said
    assert not [c for c in fake_slack.calls_to("conversations.info") if not c.ok]


@pytest.mark.parametrize("scopes", ["manifest", "without im:read"])
def test_timeline_in_a_dm_is_uploaded_there(slack, fake_slack, session, playbooks, scopes) -> None:  # type: ignore[no-untyped-def]
    acme(session, playbooks)
    if scopes == "without im:read":
        fake_slack.scopes.discard("im:read")
    dm = fake_slack.add_im("UCSM")
    slack.command("timeline acme", channel_id=dm, user_id="UCSM")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    assert complete.params["channel_id"] == dm
    said = fake_slack.wait_for_response(lambda r: "timeline" in str(r))[-1]
    assert "another organisation" not in str(said)
    assert not [c for c in fake_slack.calls_to("conversations.info") if not c.ok]
