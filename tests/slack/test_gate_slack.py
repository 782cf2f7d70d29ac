"""The go-live readiness gate over signed HTTP against the fake Slack: `golive` opens the modal,
the submission decides (go-live, refusal, override), the go-live post goes out through the
outbox, the status card shows an override, and outsiders are refused at every entry point."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import ActivityEntry, Blocker, GateReview, Onboarding, OnboardingStatus
from bot.slack.gate_views import GateMetadata
from bot.slack.guard import REFUSAL
from tests.factories import finish_pilot
from tests.services.test_hypercare import make_onboarding
from tests.slack.test_status_slack import reply
from tests.slack_http import SlackHttp, plain

GATE_VIEW = "gate-submit"


def seed(db, playbooks, name: str = "Acme Manufacturing", **fields: Any) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        onboarding = make_onboarding(session, playbooks, name, **fields)
        finish_pilot(onboarding)  # ready for the gate's pilot check
        session.commit()
        return onboarding.id


def opened_gate(fake_slack, count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The view of the latest readiness modal the fake opened."""
    calls = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("callback_id") == GATE_VIEW, count=count
    )
    return calls[-1].response["view"]


def radios(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("gate-item-")]


def gate_values(
    view: dict[str, Any],
    no: Collection[str] = (),
    notes: dict[str, str] | None = None,
    override: str | None = None,
    skip: Collection[str] = (),
) -> dict[str, Any]:
    """YES to every item but those whose label contains a word of `no` (none for `skip`)."""
    values: dict[str, Any] = {}
    for block in radios(view):
        label = block["label"]["text"]
        item_id = block["block_id"].rsplit("-", 1)[1]
        if not any(word in label for word in skip):
            answer = "no" if any(word in label for word in no) else "yes"
            values[block["block_id"]] = {
                "value": {
                    "type": "radio_buttons",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": answer.upper()},
                        "value": answer,
                    },
                }
            }
        note = next((n for word, n in (notes or {}).items() if word in label), None)
        values[f"gate-note-{item_id}"] = {"value": plain(note)}
    if any(b.get("block_id") == "gate-override" for b in view["blocks"]) or override:
        values["gate-override"] = {"value": plain(override)}
    return values


def submit(slack, view, values, user_id: str = "UCSM", user_team_id: str | None = None):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        GATE_VIEW,
        values,
        user_id=user_id,
        user_team_id=user_team_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def told(fake_slack, contains: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The ephemeral decision posted in the channel where `golive` was typed."""
    return fake_slack.wait_for("chat.postEphemeral", lambda p: contains in json.dumps(p))[-1].params


def pass_gate(slack, fake_slack, user_id: str = "UCSM", count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Answer YES to every item of the readiness modal just opened; the decision posted."""
    view = opened_gate(fake_slack, count)
    response = submit(slack, view, gate_values(view), user_id)
    assert response.status == 200 and response.json()["response_action"] == "update"
    return told(fake_slack, "is live")


def test_golive_opens_the_gate_and_all_yes_goes_live(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("C0ACME", "acme-manufacturing")
    onboarding_id = seed(db, playbooks)
    slack.command("golive acme mfg", user_id="UCSM")
    view = opened_gate(fake_slack)
    assert view["title"]["text"] == "Go-live readiness"
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert [h.split(" (")[0] for h in headers] == [
        "Technical",
        "Operational",
        "Business",
        "Support",
    ]
    assert len(radios(view)) == 15
    assert not any(b.get("block_id") == "gate-override" for b in view["blocks"])  # CSM
    with db.session() as session:  # opening decides nothing
        assert session.scalar(select(func.count()).select_from(GateReview)) == 0

    response = submit(slack, view, gate_values(view))
    result = response.json()
    assert result["response_action"] == "update" and "is live" in json.dumps(result["view"])
    decision = told(fake_slack, "Readiness gate passed")
    assert decision["channel"] == "C0GENERAL" and decision["user"] == "UCSM"
    assert "15 business days" in json.dumps(decision)
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding.status == OnboardingStatus.HYPERCARE and onboarding.hypercare_ends_on
        assert [r.outcome for r in onboarding.gate_reviews] == ["proceed"]
    # The go-live post, through the outbox and the sender, with the rollback triggers.
    post = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == "C0ACME" and "Rollback" in json.dumps(p)
    )[0].params
    text = json.dumps(post)
    assert "Acme Manufacturing is live" in text
    for trigger in ("Availability below 95% for more than 2 hours", "Data loss", "Security breach"):
        assert trigger in text
    for internal in ("$95K", "ARR", "Health", "Risk", "IT team stretched"):
        assert internal not in text
    # A second golive: already live, no modal.
    slack.command("golive acme", user_id="UCSM")
    reply(fake_slack, "already went live")
    assert len(fake_slack.calls_to("views.open")) == 1


def test_one_no_refuses_go_live_and_lists_the_blockers(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    slack.command("golive acme", user_id="UAE")
    view = opened_gate(fake_slack)
    values = gate_values(
        view, no=("SSO", "Executive sponsor"), notes={"SSO": "Okta <groups> & roles missing"}
    )
    result = submit(slack, view, values, "UAE").json()
    assert "Go-live refused" in json.dumps(result["view"])
    refusal = json.dumps(told(fake_slack, "Go-live refused"))
    assert "2 readiness items answered NO. They are now blockers; resolve them" in refusal
    assert "Okta &lt;groups&gt; &amp; roles missing" in refusal
    assert "<@UCSM>" in refusal and "<@UAE>" in refusal  # owners: the CSM, the AE
    with db.session() as session:
        onboarding = session.get(Onboarding, onboarding_id)
        assert onboarding.go_live_at is None and onboarding.status == OnboardingStatus.ACTIVE
        blockers = session.scalars(select(Blocker)).all()
        assert len(blockers) == 2 and all(b.reason.startswith("Go-live gate: ") for b in blockers)
        assert [r.outcome for r in onboarding.gate_reviews] == ["refused"]
    # Opened again, the modal starts from those answers.
    slack.command("golive acme", user_id="UAE")
    again = opened_gate(fake_slack, count=2)
    chosen = [b["element"].get("initial_option", {}).get("value") for b in radios(again)]
    assert chosen.count("no") == 2 and chosen.count("yes") == 13


def test_a_refusal_delivered_twice_is_recorded_once(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme", user_id="UCSM")
    view = opened_gate(fake_slack)
    values = gate_values(view, no=("SSO",))
    assert "Go-live refused" in json.dumps(submit(slack, view, values).json()["view"])
    again = submit(slack, view, values).json()  # Slack's retry, or a double click
    assert again["response_action"] == "update"
    assert "already submitted (go-live refused)" in json.dumps(again["view"])
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(GateReview)) == 1
        assert session.scalar(select(func.count()).select_from(Blocker)) == 1
        refusals = select(func.count()).where(ActivityEntry.action == "gate_refused")
        assert session.scalar(refusals) == 1


def test_unanswered_item_gets_an_inline_error(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme", user_id="UCSM")
    view = opened_gate(fake_slack)
    first = radios(view)[1]["label"]["text"]
    result = submit(slack, view, gate_values(view, skip=(first, radios(view)[5]["label"]["text"])))
    answer = result.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [radios(view)[1]["block_id"]]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(GateReview)) == 0


def test_admin_override_goes_live_and_shows_on_the_status_card(
    slack, fake_slack, db, playbooks
) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme", user_id="UADMIN")
    view = opened_gate(fake_slack)
    assert any(b.get("block_id") == "gate-override" for b in view["blocks"])
    # An empty (blank) reason is no override: refused like anyone's NO.
    short = submit(slack, view, gate_values(view, no=("SSO",), override="asap"), "UADMIN").json()
    assert short["response_action"] == "errors" and "Write why" in short["errors"]["gate-override"]
    reason = "Board demo Monday; SSO fix lands Tuesday"
    values = gate_values(view, no=("SSO",), override=reason)
    result = submit(slack, view, values, "UADMIN").json()
    assert "Gate overridden" in json.dumps(result["view"])
    told(fake_slack, "Gate overridden")
    with db.session() as session:
        review = session.scalars(select(GateReview)).one()
        assert review.outcome == "override" and review.override_reason == reason
        assert session.scalars(select(Onboarding.status)).one() == OnboardingStatus.HYPERCARE
        assert session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.action == "gate_overridden")
        )
    slack.command("status acme", user_id="UCSM")
    card = json.dumps(reply(fake_slack, "Milestones"))
    assert "Go-live gate overridden by <@UADMIN>: Board demo Monday; SSO fix lands Tuesday" in card


def test_override_by_a_non_admin_gets_an_inline_error(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    slack.command("golive acme", user_id="UCSM")
    view = opened_gate(fake_slack)
    values = gate_values(view, no=("SSO",), override="I am sure we can go live today")
    answer = submit(slack, view, values, "UCSM").json()
    assert answer["response_action"] == "errors"
    assert "Only Onboard admins can override" in answer["errors"]["gate-override"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(GateReview)) == 0
        assert session.scalar(select(func.count()).select_from(Blocker)) == 0


def test_someone_outside_the_team_cannot_open_or_decide(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    slack.command("golive acme", user_id="UOTHER")
    reply(fake_slack, "Only the CSM")
    assert fake_slack.calls_to("views.open") == []
    metadata = GateMetadata(onboarding_id=onboarding_id, channel_id="C0GENERAL").model_dump_json()
    answer = slack.view_submission(
        GATE_VIEW, {}, user_id="UOTHER", private_metadata=metadata, view_id="VGATE"
    ).json()
    assert answer["response_action"] == "update" and "Only the CSM" in json.dumps(answer["view"])


OUTSIDERS = {
    "other organisation": ({"team_id": "T0THEIRS"}, "T0THEIRS"),
    "guest": ({"is_restricted": True}, None),
    "single-channel guest": ({"is_ultra_restricted": True}, None),
}


def _state(db) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(GateReview)),
            session.scalar(select(func.count()).select_from(Blocker)),
            session.scalar(select(func.count()).select_from(ActivityEntry)),
            sorted(session.execute(select(Onboarding.id, Onboarding.status)).all()),
        )


def _open(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    return slack.command("golive acme", user_id=who, user_team_id=team)


def _pick(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    from bot.slack.picker import PickValue

    value = PickValue(onboarding_id=onboarding_id, sub="golive").model_dump_json()
    return slack.block_action("hypercare-pick-customer-0", value, user_id=who, user_team_id=team)


def _submit(slack: SlackHttp, onboarding_id: int, who: str, team: str | None) -> Any:
    metadata = GateMetadata(onboarding_id=onboarding_id, channel_id="C0GENERAL", item_ids=[])
    override = {"gate-override": {"value": plain("outsider says go")}}
    return slack.view_submission(
        GATE_VIEW,
        override,
        user_id=who,
        user_team_id=team,
        private_metadata=metadata.model_dump_json(),
        view_id="VGATE",
    )


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("entry", [_open, _pick, _submit], ids=["golive", "pick", "submit"])
def test_outsiders_are_refused(slack, fake_slack, db, playbooks, entry, who) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    before = _state(db)
    calls_before = len(fake_slack.calls)
    response = entry(slack, onboarding_id, "UOUT", team)
    assert response.status == 200
    body = json.dumps(response.json()) if response.json() else ""
    if REFUSAL not in body:  # a click is told after its ack
        fake_slack.wait_for_call(lambda c: REFUSAL in json.dumps(c.params), since=calls_before)
    new = fake_slack.calls[calls_before:]
    assert REFUSAL in body or any(REFUSAL in json.dumps(c.params) for c in new)
    assert not any(
        c.method == "views.open" and c.params["view"].get("callback_id") == GATE_VIEW for c in new
    )
    assert _state(db) == before
