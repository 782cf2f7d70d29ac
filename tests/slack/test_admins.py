"""Admins named by a Slack user group (ONBOARD_ADMINS=S…): members may change any onboarding."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.config import Settings
from bot.models import Onboarding
from bot.services.permissions import Admins, can_change
from bot.slack.usergroups import FAILURE_TTL_SECONDS, MEMBERS_TTL_SECONDS, UserGroupMembers
from tests.slack.test_status_slack import onboard, reply

GROUP = "SADMINS"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admin_usergroup_id=GROUP)


@pytest.fixture
def group_member(fake_slack) -> str:  # type: ignore[no-untyped-def]
    fake_slack.add_user("UGROUPIE", real_name="Gail Groupie")
    fake_slack.usergroups[GROUP] = ["UGROUPIE", "UCSM2"]
    return "UGROUPIE"


def test_a_group_member_may_change_an_onboarding_they_do_not_own(
    slack, fake_slack, group_member
) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("block acme waiting on IT", user_id=group_member)
    reply(fake_slack, "Blocker added")
    fake_slack.wait_for("usergroups.users.list", lambda p: p["usergroup"] == GROUP)


def test_a_non_member_is_refused_and_told_who_can(slack, fake_slack, group_member) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("done acme kickoff", user_id="UOTHER")
    refusal = json.dumps(reply(fake_slack, "Only the CSM"))
    for who in ("<@UCSM>", "<@UAE>", f"<!subteam^{GROUP}>", "<@UADMIN>"):
        assert who in refusal


def test_when_slack_cannot_list_the_group_the_listed_admins_still_count(  # type: ignore[no-untyped-def]
    slack, fake_slack, caplog
) -> None:
    fake_slack.add_user("UGROUPIE")  # the group is unknown to Slack: no_such_subteam
    onboard(slack, fake_slack)
    with caplog.at_level(logging.WARNING, logger="bot.slack.usergroups"):
        slack.command("block acme waiting on IT", user_id="UGROUPIE")
        reply(fake_slack, "Only the CSM")
        slack.command("block acme waiting on IT", user_id="UADMIN")
        reply(fake_slack, "Blocker added")
    assert "no_such_subteam" in caplog.text


class CountingClient:
    """Just enough of WebClient for UserGroupMembers, counting calls; fails when told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.error: str | None = None

    def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self.calls += 1
        if self.error:
            response = SlackResponse(
                client=None,
                http_verb="GET",
                api_url="",
                req_args={},
                data={"ok": False, "error": self.error},
                headers={},
                status_code=200,
            )
            raise SlackApiError(self.error, response)
        return {"ok": True, "users": ["U1", "U2"]}


def test_group_members_are_cached_for_a_few_minutes() -> None:
    client, now = CountingClient(), [0.0]
    members = UserGroupMembers(client, clock=lambda: now[0])  # type: ignore[arg-type]
    admins = Admins({"UADMIN"}, GROUP, members.members)
    assert "U1" in admins and "U2" in admins and "UADMIN" in admins and "U3" not in admins
    now[0] += MEMBERS_TTL_SECONDS - 1
    assert "U1" in admins and client.calls == 1
    now[0] += 2
    client.error = "ratelimited"
    assert "U1" not in admins and "UADMIN" in admins and client.calls == 2
    now[0] += FAILURE_TTL_SECONDS + 1
    client.error = None
    assert "U1" in admins and client.calls == 3


def test_the_csm_and_ae_need_no_group_lookup() -> None:
    client = CountingClient()
    admins = Admins((), GROUP, UserGroupMembers(client).members)  # type: ignore[arg-type]
    onboarding = Onboarding(csm_user_id="UCSM", ae_user_id="UAE", company_name="Acme")
    assert can_change(onboarding, "UCSM", admins) and can_change(onboarding, "UAE", admins)
    assert client.calls == 0
