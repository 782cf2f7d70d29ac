"""The status card's kickoff agreements and stakeholder summary: `/onboard status` over signed
HTTP against the fake Slack (the ephemeral card, the shared variants, App Home's modal) and the
summary at the service level (flags, constant SQL)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.models import Blocker, MilestoneStatus, Onboarding, Stakeholder
from bot.services.status import load_status
from bot.slack.status_views import build_status_blocks
from tests.services.test_lookup import NOW, TODAY, make_onboarding, status_queries
from tests.slack.test_kickoff_slack import record_kickoff_over_slack
from tests.slack.test_status_slack import onboard


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card["blocks"], ensure_ascii=False)


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def status(slack, fake_slack, contains: str = "Milestones") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    before = len(fake_slack.wait_for_response(lambda r: contains in json.dumps(r), count=0))
    slack.command("status acme", user_id="UCSM")
    return fake_slack.wait_for_response(lambda r: contains in json.dumps(r), count=before + 1)[-1]


def shared(slack, fake_slack, channel: str, *, external: bool) -> str:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(channel, channel.lower(), is_ext_shared=external)
    slack.command("status acme share", channel_id=channel, user_id="UCSM")
    post = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == channel)[0]
    return json.dumps(post.params["blocks"], ensure_ascii=False)


def set_map(db, **people: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Set fields of the stakeholders named (first name) as the map's buttons would."""
    with db.session() as session:
        for stakeholder in session.scalars(select(Stakeholder)):
            for key, value in people.get(stakeholder.name.split()[0], {}).items():
                setattr(stakeholder, key, value)
        session.commit()


def add_people(db, count: int, **fields: Any) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        for i in range(count):
            values = {"name": f"Person {i:02d} " + "x" * 180, "role": "end_user_champion"}
            onboarding.stakeholders.append(Stakeholder(**{**values, **fields}))
        session.commit()


def assert_fits(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    assert len(blocks) <= limit
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


def ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


# ---- over Slack ------------------------------------------------------------------------------


def test_status_shows_the_agreements_and_the_stakeholder_summary(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    record_kickoff_over_slack(
        slack,
        fake_slack,
        "5 <plant> managers on their own dashboard",
        cadence="Weekly, Tuesdays 10:00",
        escalation="Maria, then Dana (VP Operations)",
    )
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")
    set_map(
        db,
        Dana={"sentiment": "supporter", "power": "high", "interest": "low"},
        Maria={"sentiment": "champion", "last_contact_at": ago(12)},
        Lee={"sentiment": "skeptic", "last_contact_at": ago(1)},
    )
    card = status(slack, fake_slack, "Agreed at kickoff")
    text = card_text(card)
    assert card["response_type"] == "ephemeral"
    assert "5 &lt;plant&gt; managers on their own dashboard" in text
    assert "Weekly, Tuesdays 10:00" in text and "Maria, then Dana (VP Operations)" in text
    assert "Still to agree" not in text and "Kickoff not held" not in text
    summary = next(b["text"]["text"] for b in card["blocks"] if "*Stakeholders (3)*" in str(b))
    lines = summary.splitlines()[1:]
    # By role: sponsor, champion, technical lead; internal details for our team.
    assert [line.split("*")[1] for line in lines] == ["Dana Reyes", "Maria Lopez", "Lee Park"]
    assert (
        "Executive sponsor · :large_green_circle: supporter · power high / interest low"
        in (lines[0])
    )
    assert lines[0].endswith("no contact logged")
    assert "Project lead (champion) · :star: champion · last contact 12 days ago" in lines[1]
    assert ":large_yellow_circle: skeptic · last contact yesterday" in lines[2]
    assert "Single-threaded" not in text and "Champion departed" not in text
    add = next(e for e in elements(card["blocks"]) if e["action_id"] == "stakeholder-add")
    slack.block_action(add["action_id"], add["value"], user_id="UCSM")
    modal = fake_slack.wait_for("views.open", lambda p: "stakeholder-submit" in json.dumps(p))
    assert modal[0].ok and "Acme Manufacturing" in json.dumps(modal[0].params["view"])


def test_before_kickoff_a_hint_and_after_it_what_is_missing(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    text = card_text(status(slack, fake_slack))
    assert "Kickoff not held yet" in text and "Agreed at kickoff" not in text
    # Shared with the customer: no hint (it is a command for our team).
    assert "Kickoff not held" not in shared(slack, fake_slack, "CEXT1", external=True)
    record_kickoff_over_slack(slack, fake_slack, "Orders entered in 4 minutes", escalation="")
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")
    text = card_text(status(slack, fake_slack, "Agreed at kickoff"))
    assert "Orders entered in 4 minutes" in text and "Weekly, Tuesdays" in text
    assert "_Still to agree_: escalation path" in text and "Kickoff not held" not in text


def test_shared_externally_keeps_names_and_agreements_but_nothing_internal(  # type: ignore[no-untyped-def]
    slack, fake_slack, db
) -> None:
    onboard(slack, fake_slack)
    record_kickoff_over_slack(slack, fake_slack, "Dashboards in daily use")
    set_map(
        db,
        Dana={"sentiment": "detractor", "power": "high", "interest": "high"},
        Maria={"departed_at": ago(3)},
        Lee={"role": "detractor", "sentiment": "skeptic", "last_contact_at": ago(12)},
    )
    internal = card_text(status(slack, fake_slack, "Agreed at kickoff"))
    assert "*Detractors*: Dana Reyes, Lee Park" in internal
    assert "Champion departed*: Maria Lopez" in internal and "no champion now" in internal
    assert "Single-threaded*: 2 customer stakeholders (minimum 2)" not in internal
    assert "power high / interest high" in internal and "Lee Park* · Detractor" in internal

    text = shared(slack, fake_slack, "CEXT", external=True)
    assert "Agreed at kickoff" in text and "Dashboards in daily use" in text
    for secret in (
        "etractor",  # the sentiment, the role, the flag
        "Lee Park",  # a detractor by role is not named at all
        "Dana Reyes",  # nor one by sentiment
        "Stakeholders (",  # nobody else is left to list
        "skeptic",
        ":red_circle:",
        "power high",
        "interest high",
        "last contact",
        "no contact logged",
        "Champion departed",
        "Maria Lopez",
        "Single-threaded",
        "/onboard",
    ):
        assert secret not in text, secret
    assert "detractor" in shared(slack, fake_slack, "CTEAM", external=False)


def test_a_detractor_by_sentiment_stays_internal_when_shared_externally(  # type: ignore[no-untyped-def]
    slack, fake_slack, db
) -> None:
    """The sponsor is a detractor by sentiment only: `is_detractor` keeps her off the card
    shared with the customer, as it lists her among the detractors for our team."""
    onboard(slack, fake_slack)
    set_map(db, Dana={"sentiment": "detractor"})
    assert "*Detractors*: Dana Reyes" in card_text(status(slack, fake_slack))

    text = shared(slack, fake_slack, "CEXT", external=True)
    assert "*Stakeholders (2)*" in text
    assert "• *Maria Lopez*" in text and "• *Lee Park*" in text
    assert "Dana Reyes" not in text and "etractor" not in text
    assert "Dana Reyes" in shared(slack, fake_slack, "CTEAM", external=False)


def test_single_threaded_and_champion_gone_flags(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    set_map(db, Maria={"departed_at": ago(2)}, Lee={"departed_at": ago(5)})
    text = card_text(status(slack, fake_slack))
    assert ":warning: *Single-threaded*: 1 customer stakeholder (minimum 2)" in text
    assert ":rotating_light: *Champion departed*: Maria Lopez" in text
    assert "*Stakeholders (1)*" in text and "Maria Lopez* ·" not in text


def test_eighty_stakeholders_fit_every_variant(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    add_people(db, 40, sentiment="supporter", power="low", interest="high")
    add_people(db, 37, role="detractor", sentiment="detractor", last_contact_at=ago(40))
    card = status(slack, fake_slack)
    assert_fits(card["blocks"])
    text = card_text(card)
    assert "*Stakeholders (80)*" in text and "…and 70 more: `/onboard stakeholders" in text
    assert "*Detractors*: Person 00" in text and "and 32 more" in text
    assert {e["action_id"] for e in elements(card["blocks"])} >= {"stakeholder-add"}

    fake_slack.add_channel("CEXT", "acme-shared", is_ext_shared=True)
    slack.command("status acme share", channel_id="CEXT", user_id="UCSM")
    post = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "CEXT")[0]
    assert post.ok
    assert_fits(post.params["blocks"])
    assert "*Stakeholders (43)*" in json.dumps(post.params["blocks"])  # detractors left out
    assert "…and 33 more" in json.dumps(post.params["blocks"], ensure_ascii=False)

    with db.session() as session:
        onboarding_id = str(session.scalars(select(Onboarding.id)).one())
    slack.block_action("home-open-status", onboarding_id, user_id="UCSM", view={"id": "VHOME"})
    [modal] = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("title", {}).get("text") == "Status"
    )
    assert modal.ok
    assert_fits(modal.params["view"]["blocks"], limit=100)


def test_stakeholder_names_are_escaped(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    set_map(
        db,
        Dana={"name": "<!channel>", "sentiment": "detractor"},
        Maria={"name": "<@U0BOSS> & co", "departed_at": ago(1)},
    )
    card = status(slack, fake_slack)
    text = card_text(card)
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "*Detractors*: &lt;!channel&gt;" in text
    assert "Champion departed*: &lt;@U0BOSS&gt; &amp; co" in text and "<@U0BOSS>" not in text
    set_map(db, Lee={"name": "<!here> Lee"})
    shared_text = shared(slack, fake_slack, "CEXT", external=True)
    assert "&lt;!here&gt; Lee" in shared_text and "<!here>" not in shared_text
    assert "channel" not in shared_text  # Dana, a detractor by sentiment, is not listed


def home_status_modal(slack, fake_slack, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Acme onboarded, its Status button clicked on App Home: the modal opened."""
    onboard(slack, fake_slack)
    with db.session() as session:
        onboarding_id = str(session.scalars(select(Onboarding.id)).one())
    slack.block_action("home-open-status", onboarding_id, user_id="UCSM", view={"id": "VHOME"})
    [modal] = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("title", {}).get("text") == "Status"
    )
    return modal.params["view"]


def test_app_home_status_modal_pushes_the_stakeholder_modal(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    view = home_status_modal(slack, fake_slack, db)
    assert "*Stakeholders (3)*" in json.dumps(view) and "Kickoff not held yet" in json.dumps(view)
    add = next(e for e in elements(view["blocks"]) if e["action_id"] == "stakeholder-add")
    slack.block_action(add["action_id"], add["value"], user_id="UCSM", view={"id": "VSTATUS"})
    [pushed] = fake_slack.wait_for("views.push")
    assert pushed.ok and pushed.params["view"]["callback_id"] == "stakeholder-submit"


# ---- the service -----------------------------------------------------------------------------


def test_a_new_champion_clears_the_champion_flag(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks, "Acme Manufacturing")
    acme.stakeholders += [
        Stakeholder(name="Priya", role="champion", departed_at=NOW - timedelta(days=3)),
        Stakeholder(name="Dana", role="executive_sponsor", last_contact_at=NOW),
    ]
    session.commit()
    card = load_status(session, acme.id, TODAY, min_stakeholders=3)
    assert [p.name for p in card.stakeholders.champion_gone] == ["Priya"]
    assert card.stakeholders.single_threaded and card.stakeholders.present[0].contact_days == 0
    acme.stakeholders.append(Stakeholder(name="Jin", role="champion"))
    session.commit()
    card = load_status(session, acme.id, TODAY, min_stakeholders=2)
    assert card.stakeholders.champion_gone == [] and not card.stakeholders.single_threaded
    assert [p.name for p in card.stakeholders.present] == ["Dana", "Jin"]


def test_status_sql_stays_constant_with_eighty_stakeholders(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    small = make_onboarding(session, playbooks, "Small Co")
    big = make_onboarding(session, playbooks, "Big Co")
    big.stakeholders += [Stakeholder(name=f"P{i}", role="champion") for i in range(80)]
    big.first_value_definition = "defined"
    session.commit()
    assert status_queries(session, big.id) == status_queries(session, small.id) == 11


def test_a_kickoff_waived_without_agreements_says_all_is_still_to_agree(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks, "Acme Manufacturing")
    next(m for m in acme.milestones if m.key == "kickoff").status = MilestoneStatus.WAIVED
    session.commit()
    card = load_status(session, acme.id, TODAY)
    internal = json.dumps(build_status_blocks(card))
    missing = "_Still to agree_: first-value definition, meeting cadence, escalation path"
    assert missing in internal and "First value cannot be marked done" in internal
    shared = json.dumps(build_status_blocks(card, internal=False, interactive=False))
    assert missing in shared and "First value cannot" not in shared


class TestAppHomeWithAHigherMinimum:
    """The App Home status modal counts against ONBOARD_MIN_STAKEHOLDERS, as `status` does."""

    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return replace(settings, min_stakeholders=4)

    def test_three_stakeholders_are_single_threaded(self, slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
        view = home_status_modal(slack, fake_slack, db)
        assert "*Single-threaded*: 3 customer stakeholders (minimum 4)" in json.dumps(view)


def test_the_schedule_colour_says_what_it_means(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    """The milestone/blocker colour is labelled Schedule, apart from the health score."""
    acme = make_onboarding(session, playbooks, "Acme Manufacturing")
    text = json.dumps(build_status_blocks(load_status(session, acme.id, TODAY)))
    assert "*Schedule*\\n:large_yellow_circle: at risk" in text
    assert "*Health*" not in text
    acme.blockers.append(Blocker(reason="SSO", owner_user_id="UCSM", opened_by="UCSM"))
    session.commit()
    text = json.dumps(build_status_blocks(load_status(session, acme.id, TODAY)))
    assert "*Schedule*\\n:red_circle: overdue or blocked" in text


def test_single_threaded_without_anyone_says_no_stakeholders(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks, "Acme Manufacturing")
    acme.stakeholders.clear()
    session.commit()
    text = json.dumps(build_status_blocks(load_status(session, acme.id, TODAY)))
    assert "*Single-threaded*: no customer stakeholders (minimum 2)" in text
    assert "*Stakeholders (0)*" in text
