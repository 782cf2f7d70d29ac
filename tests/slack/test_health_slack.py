"""/onboard health over signed HTTP against the fake Slack (the modal, its validation, the
ephemeral result, who may use it), health on the status card (internal only), and the two
health signals through the stall-alerts job."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.models import ActivityEntry, FeedbackResponse, HealthCheck, Onboarding
from bot.services.health import health_rules
from bot.slack.guard import REFUSAL
from bot.slack.health_views import HealthMetadata
from bot.slack.picker import PickValue
from tests.slack.test_alerts_slack import at, bare, day, posts, run, states, text_of
from tests.slack.test_status_slack import onboard, reply
from tests.slack_http import checkboxes, plain, select_value

HEALTH_VIEW = "health-submit"
dumps = functools.partial(json.dumps, ensure_ascii=False)
ASKED = ("engagement", "adoption", "sentiment", "technical")


def opened_health(fake_slack, count: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    calls = fake_slack.wait_for(
        "views.open", lambda p: p["view"].get("callback_id") == HEALTH_VIEW, count=count
    )
    return calls[-1].response["view"]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def answers(view: dict[str, Any], no: int = 0, **ratings: str | None) -> dict[str, Any]:
    """Every question ticked YES except the first `no`, and the asked ratings (default 4, 4, 4,
    5); a rating given as None is left unchosen."""
    values: dict[str, Any] = {}
    left = no
    for b in view["blocks"]:
        if str(b.get("block_id", "")).startswith("health-area-"):
            options = [o["value"] for o in b["element"]["options"]]
            skip, left = min(left, len(options)), left - min(left, len(options))
            values[b["block_id"]] = {"value": checkboxes(*options[skip:])}
    chosen = {"engagement": "4", "adoption": "4", "sentiment": "4", "technical": "5", **ratings}
    for component in ASKED:
        values[f"health-rating-{component}"] = {"value": select_value(chosen[component])}
    values["health-note"] = {"value": plain("Pilot <went> well & on time")}
    return values


def submit(slack, view, values, user_id: str = "UCSM"):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        HEALTH_VIEW,
        values,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        view_id=view["id"],
    )


def checks(db) -> list[HealthCheck]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(HealthCheck).order_by(HealthCheck.id)))


def test_open_validate_submit_and_reply_ephemerally(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("health acme mfg", user_id="UCSM")
    view = opened_health(fake_slack)
    areas = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("health-area-")]
    assert [b["label"]["text"].split(":")[0] for b in areas] == [
        "Adoption",
        "Engagement",
        "Technical",
        "Relationship",
        "Timeline",
    ]
    assert all(b["element"]["type"] == "checkboxes" for b in areas)
    for component in ASKED:
        select = block(view, f"health-rating-{component}")["element"]
        assert [o["value"] for o in select["options"]] == ["1", "2", "3", "4", "5"]
    text = dumps(view)
    assert "health-rating-progress" not in text and "computed from the plan, not asked" in text
    assert "initial_option" not in dumps(block(view, "health-rating-sentiment"))

    invalid = submit(slack, view, answers(view, adoption=None, technical=None))
    assert invalid.json() == {
        "response_action": "errors",
        "errors": {
            "health-rating-adoption": "Choose a rating for adoption.",
            "health-rating-technical": "Choose a rating for technical.",
        },
    }
    assert checks(db) == []

    saved = submit(slack, view, answers(view, no=3))
    assert saved.status == 200 and not saved.json()
    told = fake_slack.wait_for("chat.postEphemeral", lambda p: "Health check for" in p["text"])
    params = told[0].params
    assert params["channel"] == "C0GENERAL" and params["user"] == "UCSM"
    result = dumps(params["blocks"])
    assert "85/100 · Healthy" in result and "first check" in result
    assert "Normal cadence" in result
    assert "3 NO of 20 answers: red" in result and "Escalation meeting within 24 hours" in result
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")
    [check] = checks(db)
    assert (check.score, check.status, check.no_count, check.checked_by) == (
        85,
        "healthy",
        3,
        "UCSM",
    )
    assert check.note == "Pilot <went> well & on time"  # stored raw, escaped where shown
    # Health is internal: nothing was posted where others can read it.
    assert not [c for c in fake_slack.calls_to("chat.postMessage") if "85/100" in dumps(c.params)]

    slack.command("health acme", user_id="UCSM")
    again = opened_health(fake_slack, count=2)
    assert "Last check" in dumps(again) and "85/100, Healthy" in dumps(again)
    submit(slack, again, answers(again, engagement="2"))
    second = fake_slack.wait_for(
        "chat.postEphemeral", lambda p: "Health check for" in p["text"], count=2
    )[-1]
    assert "▼ -12 since" in dumps(second.params["blocks"])  # 85 -> 72.5 -> 73: monitor
    assert "Monitor" in dumps(second.params["blocks"])


def test_sentiment_is_prefilled_from_customer_feedback(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    with db.session() as session:
        onboarding = session.scalars(select(Onboarding)).one()
        now = onboarding.created_at
        session.add_all(
            [
                FeedbackResponse(
                    onboarding_id=onboarding.id,
                    kind="pulse_kickoff",
                    respondent="U1",
                    pulse=2,
                    created_at=now,
                ),
                FeedbackResponse(
                    onboarding_id=onboarding.id,
                    kind="survey",
                    respondent="U2",
                    satisfaction=5,
                    created_at=now,
                ),
            ]
        )
        session.commit()
    slack.command("health acme", user_id="UCSM")
    sentiment = block(opened_health(fake_slack), "health-rating-sentiment")
    assert sentiment["element"]["initial_option"]["value"] == "2"  # (2 + 2.5) / 2 = 2.25
    assert "Prefilled from 2 customer responses" in sentiment["hint"]["text"]


def test_the_result_goes_by_dm_when_the_channel_does_not_take_it(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("health acme", user_id="UCSM", channel_id="DSOMEONE")
    view = opened_health(fake_slack)
    assert HealthMetadata.model_validate_json(view["private_metadata"]).channel_id == "DSOMEONE"
    submit(slack, view, answers(view))
    dm = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == "UCSM" and "Health check for" in p["text"]
    )
    assert "85/100" in dumps(dm[0].params["blocks"])


def test_unknown_and_ambiguous_customers(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    onboard(slack, fake_slack, "Acme Labs", n=2)
    slack.command("health", user_id="UCSM")
    reply(fake_slack, "Usage: `/onboard health <customer>`")
    slack.command("health acme", user_id="UCSM")
    ask = reply(fake_slack, "Which one did you mean")
    buttons = [e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labs = next(b for b in buttons if b["text"]["text"] == "Acme Labs")
    assert labs["action_id"].startswith("health-pick-customer-")
    slack.block_action(labs["action_id"], labs["value"], user_id="UCSM")
    assert "Acme Labs" in dumps(opened_health(fake_slack))


def test_only_the_team_may_run_the_check(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("health acme", user_id="UOTHER")
    assert "<@UCSM>" in dumps(reply(fake_slack, "Only the CSM"))
    assert not fake_slack.calls_to("views.open")
    slack.command("health acme", user_id="UCSM")
    view = opened_health(fake_slack)
    refused = submit(slack, view, answers(view), user_id="UOTHER")
    assert refused.json()["response_action"] == "update"
    assert "Only the CSM" in dumps(refused.json()["view"])
    assert checks(db) == []
    assert submit(slack, view, answers(view), user_id="UADMIN").status == 200
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == "UADMIN")
    assert [c.checked_by for c in checks(db)] == ["UADMIN"]


OUTSIDERS = {
    "other organisation": ({"team_id": "T0THEIRS"}, "T0THEIRS"),
    "guest": ({"is_restricted": True}, None),
}


@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_guests_and_other_organisations_are_refused(slack, fake_slack, db, who) -> None:  # type: ignore[no-untyped-def]
    """The command, the "which customer?" button and the submit: each refuses on its own."""
    onboard(slack, fake_slack)
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", real_name="Out Sider", **flags)
    with db.session() as session:
        onboarding_id = session.scalars(select(Onboarding.id)).one()
        activity = session.scalar(select(func.count()).select_from(ActivityEntry))
    opened = slack.command("health acme", user_id="UOUT", user_team_id=team)
    assert REFUSAL in opened.text
    metadata = HealthMetadata(onboarding_id=onboarding_id, channel_id="C0GENERAL")
    view = {"id": "VHEALTH", "private_metadata": metadata.model_dump_json(), "blocks": []}
    values = {
        "health-area-adoption": {"value": checkboxes("0", "1")},
        **{f"health-rating-{c}": {"value": select_value("5")} for c in ASKED},
    }
    submitted = slack.view_submission(
        HEALTH_VIEW,
        values,
        user_id="UOUT",
        user_team_id=team,
        private_metadata=view["private_metadata"],
        view_id="VHEALTH",
    )
    assert submitted.json()["response_action"] == "update"
    assert REFUSAL in dumps(submitted.json()["view"])
    pick = PickValue(onboarding_id=onboarding_id, sub="health").model_dump_json()
    slack.block_action("health-pick-customer-0", pick, user_id="UOUT", user_team_id=team)
    fake_slack.wait_for("chat.postEphemeral", lambda p: REFUSAL in p["text"])
    assert not [c for c in fake_slack.calls if c.method == "views.open"]
    assert checks(db) == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ActivityEntry)) == activity


# ---- the status card ---------------------------------------------------------------------------


def test_the_status_card_shows_health_internally_and_never_in_a_shared_channel(
    slack, fake_slack, db
) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    slack.command("status acme", user_id="UCSM")
    assert "Health score" not in dumps(reply(fake_slack, "Milestones"))  # none yet
    slack.command("health acme", user_id="UCSM")
    view = opened_health(fake_slack)
    submit(slack, view, answers(view, sentiment="1"))
    fake_slack.wait_for("chat.postEphemeral", lambda p: "Health check for" in p["text"])

    slack.command("status acme", user_id="UOTHER")
    card = fake_slack.wait_for_response(lambda r: "Health score" in dumps(r))[-1]
    text = dumps(card)
    assert card["response_type"] == "ephemeral"
    assert "74/100 · Monitor · first check" in text and "More attention from the CSM" in text

    fake_slack.add_channel("CTEAM", "acme-team", is_ext_shared=False)
    slack.command("status acme share", channel_id="CTEAM")
    internal = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "CTEAM")[0]
    assert "74/100" in dumps(internal.params["blocks"])

    fake_slack.add_channel("CEXT", "acme-shared", is_ext_shared=True)
    slack.command("status acme share", channel_id="CEXT")
    shared = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "CEXT")[0]
    text = dumps(shared.params)
    assert "Acme Manufacturing" in text
    for internal_only in ("74/100", "Health", "Monitor", "More attention"):
        assert internal_only not in text


# ---- signals through the stall-alerts job ------------------------------------------------------


def unchecked(session, name: str = "Bare Co", **fields):  # type: ignore[no-untyped-def]
    """An onboarding with no signal but for its health (its weekly check removed)."""
    onboarding = bare(session, name, **fields)
    onboarding.health_checks.clear()
    session.commit()
    return onboarding


def add_check(session, onboarding, when, score: int, status: str) -> None:  # type: ignore[no-untyped-def]
    session.add(
        HealthCheck(
            onboarding_id=onboarding.id,
            checked_at=when,
            checked_by="UCSM",
            score=score,
            status=status,
        )
    )
    session.commit()


def test_a_missing_weekly_check_is_a_signal(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = unchecked(session, internal_channel_id="CINT")  # started Monday, day(0)
    assert run(settings, db, playbooks, at(day(4))).queued == []  # Friday: 4 days, not yet
    first = run(settings, db, playbooks, at(day(7)))  # the next Monday: 7 days since the start
    assert len(first.queued) == 1
    assert "Health check missing" in text_of(posts(db)[-1])
    assert "No weekly health check for 7 days since the start" in text_of(posts(db)[-1])
    add_check(session, onboarding, at(day(8), 8), 90, "healthy")
    assert run(settings, db, playbooks, at(day(9))).queued == []  # checked: cleared
    assert run(settings, db, playbooks, at(day(14))).queued == []  # 6 days since the check
    # 7 days since Tuesday's check: missing again, 6 days after it went away, it goes on where
    # it was (ONBOARD_ALERT_RETURN_DAYS) and is told in Monday's reminder, not as new.
    assert run(settings, db, playbooks, at(day(15))).queued == []
    # The interval is a setting.
    longer = replace(settings, health_check_days=14)
    assert run(longer, db, playbooks, at(day(16))).queued == []
    assert states(db)[0].cleared_at is not None
    reminder = run(settings, db, playbooks, at(day(21)))
    text = text_of(posts(db)[-1])
    assert len(reminder.queued) == 1 and "(last on Tue Mar 9, 2027)" in text
    assert "(reminder)" in text


def test_a_drop_to_at_risk_or_worse_raises_a_high_alert(
    db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel("CESC", "cs-escalations", is_private=True)
    settings = replace(settings, escalation_channel_id="CESC")
    onboarding = unchecked(session, internal_channel_id="CINT")
    add_check(session, onboarding, at(day(0), 8), 88, "healthy")
    add_check(session, onboarding, at(day(1), 8), 84, "monitor")
    assert run(settings, db, playbooks, at(day(1))).queued == []  # monitor is not a signal
    add_check(session, onboarding, at(day(2), 8), 62, "at_risk")
    at_risk = run(settings, db, playbooks, at(day(2)))
    by_channel = {p.channel: text_of(p) for p in posts(db)}
    assert set(by_channel) == {"CINT"} and len(at_risk.queued) == 1  # the team's channel
    assert "*Health low* · high" in by_channel["CINT"]
    assert "scored 62/100" in by_channel["CINT"] and "*At risk*" in by_channel["CINT"]
    assert "Intervention within 48 hours" in by_channel["CINT"]

    add_check(session, onboarding, at(day(3), 8), 41, "critical")
    worse = run(settings, db, playbooks, at(day(3)))  # worse: told again at once
    assert len(worse.queued) == 1
    critical = text_of(posts(db)[-1])
    assert "*Health low* · critical" in critical and "Leadership escalation" in critical
    add_check(session, onboarding, at(day(4), 8), 80, "monitor")
    assert run(settings, db, playbooks, at(day(4))).queued == []  # recovered: cleared
    assert health_rules(settings).status("critical").name == "Critical"
