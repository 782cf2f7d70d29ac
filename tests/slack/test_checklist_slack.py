"""/onboard checklist, its modal and buttons, and App Home's blockers, over signed HTTP
against the fake Slack."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.models import ActivityEntry, Blocker, ChecklistItem, Milestone, Onboarding
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import checkboxes, plain

CHECKLIST_VIEW = "checklist-submit"


def opened_checklist(fake_slack, count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The view the fake stored for the latest checklist modal opened or pushed."""
    calls = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("callback_id") == CHECKLIST_VIEW, count=count
    )
    return calls[-1].response["view"]


def item_groups(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("checklist-items")]


def options(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Item text (as shown) -> its option."""
    return {o["text"]["text"]: o for g in item_groups(view) for o in g["element"]["options"]}


def ticked(view: dict[str, Any]) -> set[str]:
    return {
        o["text"]["text"]
        for g in item_groups(view)
        for o in g["element"].get("initial_options", [])
    }


def save(slack, view, checked: list[str], new: str = "", user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    """Submit the modal with the options whose values are `checked` ticked (all in group 0)."""
    values = {
        "checklist-items-0": {"value": checkboxes(*checked)},
        "checklist-add-items": {"value": plain(new or None)},
    }
    return slack.view_submission(
        CHECKLIST_VIEW,
        values,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def activity(db, action: str) -> list[ActivityEntry]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(ActivityEntry).where(ActivityEntry.action == action)))


def test_checklist_open_tick_add_and_save(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("checklist acme", user_id="UCSM")
    view = opened_checklist(fake_slack)
    shown = options(view)
    assert len(shown) == 3 and not ticked(view)  # the handoff phase, nothing done yet
    phase = next(b for b in view["blocks"] if b.get("block_id") == "checklist-phase")
    assert phase["elements"][0]["initial_option"]["text"]["text"] == "Handoff (current)"
    first, second, _ = (o["value"] for o in shown.values())

    response = save(slack, view, [first, second], new="Send the agenda\nBook the <room> & tea")
    assert response.status == 200 and not response.json()
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")
    saved = fake_slack.wait_for("chat.postEphemeral", lambda p: "Checklist saved" in p["text"])
    assert "2 checked, 2 added" in saved[0].params["text"]
    with db.session() as session:
        done = session.scalars(select(ChecklistItem).where(ChecklistItem.done_by == "UCSM"))
        assert sorted(str(c.id) for c in done) == sorted([first, second])
        added = session.scalars(select(ChecklistItem.text)).all()
        assert "Book the <room> & tea" in added
    (entry,) = activity(db, "checklist_updated")
    assert entry.actor_user_id == "UCSM" and "Send the agenda" in entry.detail

    slack.command("checklist acme", user_id="UCSM")
    again = opened_checklist(fake_slack, count=2)
    assert len(options(again)) == 5 and len(ticked(again)) == 2
    assert "Book the &lt;room&gt; &amp; tea" in options(again)
    save(slack, again, [first])  # untick the second
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM", count=2)
    with db.session() as session:
        assert session.get(ChecklistItem, int(second)).done_at is None  # type: ignore[union-attr]
    assert len(activity(db, "checklist_updated")) == 2


def test_an_added_item_over_300_characters_is_refused_next_to_the_field(
    slack, fake_slack, db
) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("checklist acme", user_id="UAE")
    view = opened_checklist(fake_slack)
    first = next(iter(options(view).values()))["value"]
    answer = save(slack, view, [first], new="fine\n" + "x" * 301, user_id="UAE").json()
    assert answer["response_action"] == "errors"
    assert "Line 2 is 301 characters" in answer["errors"]["checklist-add-items"]
    with db.session() as session:
        assert session.scalar(select(func.count()).where(ChecklistItem.done_at.is_not(None))) == 0
    assert activity(db, "checklist_updated") == []


def test_no_permission_names_who_can_and_changes_nothing(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("checklist acme", user_id="UOTHER")
    assert "<@UCSM>" in json.dumps(reply(fake_slack, "Only the CSM"))
    assert not fake_slack.calls_to("views.open")
    # A modal opened by the CSM and submitted by someone else (or after a change of CSM).
    slack.command("checklist acme", user_id="UCSM")
    view = opened_checklist(fake_slack)
    first = next(iter(options(view).values()))["value"]
    answer = save(slack, view, [first], new="sneaky", user_id="UOTHER").json()
    assert answer["response_action"] == "update"
    assert "Only the CSM" in json.dumps(answer["view"])
    with db.session() as session:
        assert session.scalar(select(func.count()).where(ChecklistItem.done_at.is_not(None))) == 0
        assert session.scalar(select(func.count()).where(ChecklistItem.text == "sneaky")) == 0


def test_unknown_customer_suggests_names_and_ambiguous_asks(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Acme Labs", n=2)
    slack.command("checklist zzyzx", user_id="UCSM")
    assert "Acme" in json.dumps(reply(fake_slack, "find a customer called `zzyzx`"))
    slack.command("checklist", user_id="UCSM")
    reply(fake_slack, "Usage: `/onboard checklist")
    assert not fake_slack.calls_to("views.open")
    slack.command("checklist acme", user_id="UCSM")
    ask = reply(fake_slack, "Which one did you mean")
    buttons = [e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labs = next(b for b in buttons if b["text"]["text"] == "Acme Labs")
    assert labs["action_id"].startswith("checklist-pick-customer-")
    slack.block_action(labs["action_id"], labs["value"], user_id="UCSM")
    assert "Acme Labs" in json.dumps(opened_checklist(fake_slack)["blocks"][0])


def test_status_card_button_opens_the_checklist_and_phases_switch(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("status acme", user_id="UCSM")
    card = reply(fake_slack, "Milestones")
    button = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "checklist-open"
    )
    slack.block_action(button["action_id"], button["value"], user_id="UCSM")
    view = opened_checklist(fake_slack)
    slack.block_action(
        "checklist-phase", user_id="UCSM", selected_option="go_live", view={"id": view["id"]}
    )
    update = fake_slack.wait_for("views.update")[0]
    assert update.ok
    assert "Go-live readiness gate passed" in json.dumps(update.params["view"])


def test_app_home_lists_blockers_you_own_and_opens_the_status(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("block acme waiting on <SSO> metadata", user_id="UCSM")
    reply(fake_slack, "Blocker added")
    home = fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")[-1]
    blocks = home.params["view"]["blocks"]
    text = json.dumps(blocks)
    assert "Blockers you own" in text and "waiting on &lt;SSO&gt; metadata" in text
    assert "0 days open" in text
    button = blocks[-2]["accessory"]
    assert button["action_id"] == "home-open-status"
    slack.block_action(
        button["action_id"], button["value"], user_id="UCSM", view={"id": "VHOME", "type": "home"}
    )
    modal = fake_slack.wait_for("views.open")[0]
    assert modal.ok and "Acme Manufacturing" in json.dumps(modal.params["view"])
    # From the status modal, the checklist is pushed on top.
    push = modal.params["view"]["blocks"][-1]["elements"][0]
    slack.block_action(push["action_id"], push["value"], user_id="UCSM", view={"id": "VSTATUS"})
    pushed = fake_slack.wait_for("views.push")[0]
    assert pushed.ok and pushed.params["view"]["callback_id"] == CHECKLIST_VIEW


def test_blockers_of_a_closed_onboarding_leave_home(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("block acme waiting on IT", user_id="UCSM")
    reply(fake_slack, "Blocker added")
    with db.session() as session:
        session.scalars(select(Onboarding)).one().status = "closed"
        session.commit()
        assert session.scalar(select(func.count()).select_from(Blocker)) == 1
    slack.event({"type": "app_home_opened", "user": "UCSM", "tab": "home", "channel": "DUCSM"})
    home = fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM", count=2)[-1]
    assert "Blockers you own" not in json.dumps(home.params["view"])


def make_it_huge(db) -> None:  # type: ignore[no-untyped-def]
    """60 milestones, 300 long checklist items in the current phase, 30 long blockers."""
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        phases = [p.key for p in onboarding.phases]
        start = onboarding.start_date
        onboarding.milestones = [
            Milestone(
                position=i,
                key=f"m{i}",
                name=f"Milestone {i} <&> " + "n" * 100,
                phase_key=phases[i % len(phases)],
                due_date=start + timedelta(days=i - 20),
                is_first_value=i == 10,
                is_go_live=i == 40,
            )
            for i in range(60)
        ]
        onboarding.checklist_items = [
            ChecklistItem(
                position=i,
                phase_key=phases[0],
                text=f"Item {i} <b>&amp;" + "é" * 480,
                owner_role="technical_lead",
            )
            for i in range(300)
        ]
        onboarding.blockers = [
            Blocker(reason=f"{i} <x> & " + "r" * 990, owner_user_id="UCSM", opened_by="UCSM")
            for i in range(30)
        ]
        session.commit()


def test_block_kit_limits_hold_for_60_milestones_and_300_items(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    make_it_huge(db)
    slack.command("status acme", user_id="UCSM")
    card = reply(fake_slack, "Milestones")
    assert len(card["blocks"]) <= 50
    slack.command("list all", user_id="UCSM")
    reply(fake_slack, "Onboardings")

    slack.command("checklist acme", user_id="UCSM")
    view = opened_checklist(fake_slack)
    assert len(options(view)) == 50 and all(
        len(g["element"]["options"]) <= 10 for g in item_groups(view)
    )
    pager = next(b for b in view["blocks"] if b.get("block_id") == "checklist-page")
    nxt = pager["elements"][-1]
    slack.block_action(nxt["action_id"], nxt["value"], user_id="UCSM", view={"id": view["id"]})
    page_two = fake_slack.wait_for("views.update")[0]
    assert page_two.ok and "Showing items 51 to 100 of 300" in json.dumps(page_two.params)
    slack.block_action("checklist-page", "250", user_id="UCSM", view={"id": view["id"]})
    assert fake_slack.wait_for("views.update", count=2)[-1].ok

    slack.event({"type": "app_home_opened", "user": "UCSM", "tab": "home", "channel": "DUCSM"})
    home = fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")[-1]
    assert home.ok and len(home.params["view"]["blocks"]) <= 100
    assert "…and 10 more." in json.dumps(home.params["view"], ensure_ascii=False)
    with db.session() as session:
        onboarding_id = str(session.scalars(select(Onboarding.id)).one())
    slack.block_action("home-open-status", onboarding_id, user_id="UCSM", view={"id": "VHOME"})
    status_modal = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("title", {}).get("text") == "Status"
    )
    assert all(call.ok for call in status_modal)
    assert fake_slack.invalid == []
