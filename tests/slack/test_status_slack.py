"""/onboard status, list, done, block, unblock, channel over signed HTTP against the fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.models import Blocker, Milestone, Onboarding
from tests.factories import meet_first_value_criterion
from tests.slack.test_handoff_slack import handoff_values, submit
from tests.slack_http import plain


def onboard(slack, fake_slack, name: str = "Acme Manufacturing", n: int = 1) -> None:  # type: ignore[no-untyped-def]
    submit(slack, handoff_values(**{"company-name": plain(name)}), view_id=f"V{name}{n}")
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE", count=n)


def reply(fake_slack, contains: str) -> dict:  # type: ignore[no-untyped-def]
    return fake_slack.wait_for_response(lambda r: contains in json.dumps(r))[-1]


def test_a_customer_name_alone_shows_its_status(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Globex Logistics")
    ack = slack.command("acme mfg", user_id="UOTHER")
    assert ack.status == 200 and not ack.body  # an empty ack: the card follows
    card = reply(fake_slack, "Milestones")
    assert card["response_type"] == "ephemeral" and "Acme Manufacturing" in json.dumps(card)
    # Not a customer, nor one alone: the help, with a suggestion when the word is close.
    assert "I don't know `nobody`" in json.dumps(slack.command("nobody").json()["blocks"])
    ambiguous = slack.command("e").json()  # in both names: no guessing
    assert "Here is what I can do" in json.dumps(ambiguous["blocks"])


def test_status_card_for_a_forgiving_name(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("status acme mfg", user_id="UOTHER")
    card = reply(fake_slack, "Milestones")
    text = json.dumps(card)
    assert card["response_type"] == "ephemeral"
    assert "Acme Manufacturing" in text and "$95K" in text and "0/9 milestones" in text
    assert "IT team stretched" in text and "SAP connector" in text
    elements = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["action_id"] for e in elements} == {
        "status-done-select",
        "checklist-open",
        "status-add-blocker",
        "stakeholder-add",  # the stakeholder map's modal (tests/slack/test_status_sections.py)
        "replan-open",  # the replan modal (tests/slack/test_replan_slack.py)
    }


def test_unknown_customer_suggests_the_closest_names(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("status zzyzx")
    text = json.dumps(reply(fake_slack, "find a customer"))
    assert "zzyzx" in text and "Acme Manufacturing" in text


def test_ambiguous_customer_asks_with_buttons_that_work(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Acme Labs", n=2)
    slack.command("done acme kickoff")
    ask = reply(fake_slack, "Which one did you mean")
    buttons = [e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["text"]["text"] for b in buttons} == {"Acme Manufacturing", "Acme Labs"}
    labs = next(b for b in buttons if b["text"]["text"] == "Acme Labs")
    slack.block_action(labs["action_id"], labs["value"], user_id="UCSM")
    # Completing the kickoff asks for the agreements first (tests/slack/test_kickoff_slack.py).
    [modal] = fake_slack.wait_for("views.open", lambda p: "kickoff-done-submit" in json.dumps(p))
    assert "Acme Labs" in json.dumps(modal.params["view"])


def test_unknown_milestone_lists_the_names(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("done acme banana")
    assert "Kickoff held" in json.dumps(reply(fake_slack, "No milestone matches"))


def test_done_then_undo(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("done acme manufacturing first value", user_id="UCSM")
    reply(fake_slack, "mark the customer's first-value criterion met first")
    with db.session() as session:
        meet_first_value_criterion(session, session.scalars(select(Onboarding.id)).one())
    slack.command("done acme manufacturing first value", user_id="UCSM")
    done = reply(fake_slack, "is complete")
    assert "first value is recorded" in json.dumps(done)
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")
    with db.session() as session:
        assert session.scalars(select(Onboarding.first_value_at)).one() is not None
    undo = done["blocks"][0]["accessory"]
    slack.block_action(undo["action_id"], undo["value"], user_id="UCSM")
    reply(fake_slack, "is open again")
    with db.session() as session:
        assert session.scalars(select(Onboarding.first_value_at)).one() is None
        first = session.scalars(select(Milestone).where(Milestone.key == "first_value")).one()
        assert first.status == "pending"


def test_no_permission_names_who_can(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("block acme waiting on IT", user_id="UOTHER")
    assert "<@UCSM>" in json.dumps(reply(fake_slack, "Only the CSM"))
    with db.session() as session:
        assert session.scalars(select(Blocker)).all() == []


def test_block_and_unblock(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("block acme waiting on <SSO> config", user_id="UCSM")
    assert "waiting on &lt;SSO&gt; config" in json.dumps(reply(fake_slack, "Blocker added"))
    slack.command("block acme no data export", user_id="UADMIN")
    reply(fake_slack, "2 open")
    slack.command("status acme")
    assert "no data export" in json.dumps(reply(fake_slack, "Open blockers"))
    slack.command("unblock acme 1", user_id="UAE")
    reply(fake_slack, "Resolved for")
    with db.session() as session:
        open_ = session.scalars(select(Blocker.reason).where(Blocker.resolved_at.is_(None)))
        assert list(open_) == ["no data export"]


def test_share_into_an_internal_channel_keeps_internal_fields(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    fake_slack.add_channel("CTEAM", "acme-team", is_ext_shared=False)
    slack.command("status acme share", channel_id="CTEAM")
    post = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "CTEAM")[0]
    assert "$95K" in json.dumps(post.params["blocks"])


def test_share_into_an_external_channel_leaves_internal_fields_out(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    fake_slack.add_channel("CEXT", "acme-shared", is_ext_shared=True)
    slack.command("status acme share", channel_id="CEXT")
    post = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "CEXT")[0]
    text = json.dumps(post.params)
    assert "Acme Manufacturing" in text and "Milestones" in text
    for internal in ("$95K", "ARR", "IT team stretched", "Risks", "Handoff score", "Health"):
        assert internal not in text
    reply(fake_slack, "shared externally")


def test_channel_links_and_joins_or_asks_for_an_invite(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    fake_slack.add_channel("CPUB", "acme-public", is_member=False)
    fake_slack.add_channel("CPRIV", "acme-private", is_private=True, is_member=False)
    slack.command("channel acme <#CPUB|acme-public>", user_id="UCSM")
    reply(fake_slack, "I joined the channel")
    fake_slack.wait_for("conversations.join", lambda p: p["channel"] == "CPUB")
    slack.command("channel acme <#CPRIV|acme-private>", user_id="UCSM")
    reply(fake_slack, "/invite @Onboard")
    with db.session() as session:
        assert session.scalars(select(Onboarding.customer_channel_id)).one() == "CPRIV"


def test_list_pages_sixty_onboardings_under_fifty_blocks(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    for i in range(60):
        submit(
            slack,
            handoff_values(**{"company-name": plain(f"Customer {i:02d}")}),
            view_id=f"VLIST{i}",
        )
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE", count=60, timeout=30)
    slack.command("list mine", user_id="UCSM")
    first = reply(fake_slack, "Onboardings")
    assert len(first["blocks"]) <= 50
    more = first["blocks"][-1]["elements"][0]
    assert more["action_id"] == "status-list-page"
    slack.block_action(more["action_id"], more["value"], user_id="UCSM")
    second = reply(fake_slack, "Showing 46 to 60")
    assert len(second["blocks"]) <= 50
    names = {
        b["text"]["text"]
        for page in (first, second)
        for b in page["blocks"]
        if b["type"] == "section"
    }
    assert sum("Customer" in n for n in names) == 60
