"""The "Log on onboarding" message shortcut over signed HTTP against the fake Slack: a message
in the customer's channel becomes a blocker or a hypercare issue."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.models import ActivityEntry, Blocker, HypercareIssue
from bot.slack.message_log_views import readable_text
from tests.slack.test_hypercare_slack import seed, seed_live
from tests.slack_http import plain, select_value

CHANNEL = "C0ACME"
SHORTCUT = "log-message-on-onboarding"
VIEW = "message-log-submit"


def _customer_channel(fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-shared", is_ext_shared=True)
    fake_slack.add_user("UCUST", name="pat", real_name="Pat Customer", team_id="T0ACME")


def open_modal(slack, fake_slack, text: str, channel: str = CHANNEL, user: str = "UCSM") -> dict:  # type: ignore[no-untyped-def]
    """The shortcut on a message the customer posted in `channel`: the modal it opens."""
    message = fake_slack.add_message(channel, text, user="UCUST")
    opened = len(fake_slack.calls_to("views.open"))
    slack.message_shortcut(
        SHORTCUT, text, user_id=user, channel_id=channel, message_ts=message["ts"]
    )
    return fake_slack.wait_for("views.open", count=opened + 1)[-1].params["view"]


def _radio(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def values(
    customer: str = "Acme Manufacturing",
    kind: str = "blocker",
    text: str = "SSO fails for the Dayton plant",
    severity: str | None = None,
) -> dict[str, Any]:
    return {
        "message-log-customer": {"value": plain(customer)},
        "message-log-kind": {"value": _radio(kind)},
        "message-log-severity": {"value": select_value(severity)},
        "message-log-text": {"value": plain(text)},
    }


def submit(slack, view: dict, user: str = "UCSM", view_id: str = "VLOG", **fields: Any):  # type: ignore[no-untyped-def]
    return slack.view_submission(
        VIEW,
        values(**fields),
        user_id=user,
        private_metadata=view["private_metadata"],
        view_id=view_id,
    )


def _inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Blocker)) or 0,
            session.scalar(select(func.count()).select_from(HypercareIssue)) or 0,
        )


def _ephemeral(fake_slack, contains: str) -> dict:  # type: ignore[no-untyped-def]
    return fake_slack.wait_for(
        "chat.postEphemeral", lambda p: contains in json.dumps(p.get("blocks"))
    )[-1].params


def test_readable_text_of_a_message() -> None:
    text = (
        "Hi <@UCSM>, SSO &amp; SAML fail on <https://acme.example/login|the login page> "
        "<!here> see <#C0ACME|acme-shared> &lt;3 <mailto:it@acme.example|it@acme.example>"
    )
    assert readable_text(text) == (
        "Hi <@UCSM>, SSO & SAML fail on the login page (https://acme.example/login) "
        "@here see #acme-shared <3 it@acme.example"
    )


def test_shortcut_in_the_linked_channel_prefills_customer_and_text(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, playbooks
) -> None:
    seed(db, playbooks, customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "SSO &amp; SAML fail <!channel> <https://x.example|here>")
    inputs = _inputs(view)
    assert view["callback_id"] == VIEW
    assert inputs["message-log-customer"]["element"]["initial_value"] == "Acme Manufacturing"
    assert inputs["message-log-text"]["element"]["initial_value"] == (
        "SSO & SAML fail @channel here (https://x.example)"
    )
    # Not live yet: a blocker is all it can be.
    kinds = inputs["message-log-kind"]["element"]["options"]
    assert [o["value"] for o in kinds] == ["blocker"]
    assert "message-log-severity" not in inputs


def test_submit_as_blocker_logs_it_with_the_permalink(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = seed(db, playbooks, customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "Our SSO still fails")
    permalink = fake_slack.calls_to("chat.getPermalink")[-1].response["permalink"]

    response = submit(slack, view, text="Our SSO still fails")

    assert response.status == 200 and not response.json()
    told = _ephemeral(fake_slack, "Blocker *#1*")
    assert told["channel"] == CHANNEL and told["user"] == "UCSM"
    text = json.dumps(told["blocks"])
    assert "Our SSO still fails" in text and permalink in text
    assert any(
        e["action_id"] == "status-open" and e["value"] == str(onboarding_id)
        for b in told["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )
    with db.session() as session:
        blocker = session.scalars(select(Blocker)).one()
        assert (blocker.owner_user_id, blocker.opened_by) == ("UCSM", "UCSM")
        assert blocker.reason == "Our SSO still fails"
        entry = session.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "blocker_added")
        ).one()
        assert entry.data["permalink"] == permalink and entry.data["message_channel"] == CHANNEL
    fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")  # App Home redrawn


def test_hypercare_issue_during_hypercare(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed_live(db, playbooks, datetime.now(UTC) - timedelta(days=1), customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "Orders do not sync")
    inputs = _inputs(view)
    kind = inputs["message-log-kind"]["element"]
    assert [o["value"] for o in kind["options"]] == ["blocker", "issue"]
    assert kind["initial_option"]["value"] == "issue"
    assert "message-log-severity" in inputs

    # An issue needs a severity: said next to the field, nothing stored.
    missing = submit(slack, view, kind="issue", text="Orders do not sync").json()
    assert missing["response_action"] == "errors"
    assert set(missing["errors"]) == {"message-log-severity"}
    assert _counts(db) == (0, 0)

    response = submit(slack, view, kind="issue", severity="P2", text="Orders do not sync")

    assert response.status == 200 and not response.json()
    told = json.dumps(_ephemeral(fake_slack, "*#1*")["blocks"])
    assert "P2" in told and "Orders do not sync" in told
    assert "response due" in told and "resolve by" in told  # the SLA clock
    with db.session() as session:
        issue = session.scalars(select(HypercareIssue)).one()
        assert (issue.number, issue.severity, issue.opened_by) == (1, "P2", "UCSM")
        entry = session.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "hypercare_issue_opened")
        ).one()
        assert entry.data["permalink"].startswith("https://") and entry.data["number"] == 1


def test_an_issue_before_go_live_is_refused_next_to_the_field(
    slack, fake_slack, db, playbooks
) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks)
    view = open_modal(slack, fake_slack, "Orders do not sync", channel="C0GENERAL")
    inputs = _inputs(view)
    assert inputs["message-log-customer"]["element"].get("initial_value") is None
    assert "message-log-severity" in inputs  # no linked onboarding: offered, checked on submit

    answer = submit(slack, view, customer="acme mfg", kind="issue", severity="P2").json()

    assert answer["response_action"] == "errors"
    assert "Hypercare starts at go-live" in answer["errors"]["message-log-kind"]
    assert _counts(db) == (0, 0)


def test_unknown_or_ambiguous_customer_is_refused_next_to_the_field(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, playbooks
) -> None:
    seed(db, playbooks)
    seed(db, playbooks, "Acme Labs")
    view = open_modal(slack, fake_slack, "Orders do not sync", channel="C0GENERAL")

    unknown = submit(slack, view, customer="Zenith").json()
    why = unknown["errors"]["message-log-customer"]
    assert "No open customer matches “Zenith”; closest:" in why and "Acme Manufacturing" in why

    several = submit(slack, view, customer="acme").json()
    assert (
        "matches several: Acme Labs, Acme Manufacturing"
        in (several["errors"]["message-log-customer"])
    )
    assert _counts(db) == (0, 0)
    # Corrected, the same modal goes through.
    assert not submit(slack, view, customer="acme labs").json()
    assert _counts(db) == (1, 0)


def test_someone_who_may_not_change_it_gets_a_notice(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks, customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "Our SSO still fails", user="UOTHER")

    answer = submit(slack, view, user="UOTHER").json()

    assert answer["response_action"] == "update"
    assert "Only the CSM" in json.dumps(answer["view"])
    assert _counts(db) == (0, 0)
    with db.session() as session:
        actions = session.scalars(select(ActivityEntry.action)).all()
        assert "blocker_added" not in actions


def test_mentions_in_the_text_are_escaped_in_the_confirmation(
    slack, fake_slack, db, playbooks
) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks, customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "hello")

    submit(slack, view, text="<!channel> SSO down & <b>bold</b>")

    told = _ephemeral(fake_slack, "Blocker *#1*")
    text = json.dumps(told["blocks"])
    assert "&lt;!channel&gt; SSO down &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "<!channel>" not in text and "<!channel>" not in told["text"]


def test_a_double_submission_logs_once(slack, fake_slack, db, playbooks) -> None:  # type: ignore[no-untyped-def]
    seed(db, playbooks, customer_channel_id=CHANNEL)
    _customer_channel(fake_slack)
    view = open_modal(slack, fake_slack, "Our SSO still fails")

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: submit(slack, view, view_id="VTWICE"), range(2)))
    again = submit(slack, view, view_id="VTWICE")

    closed = [a for a in [*answers, again] if a.status == 200 and not a.json()]
    told = [a.json() for a in [*answers, again] if a.json()]
    assert len(closed) == 1 and len(told) == 2  # the first closes the modal, the others:
    assert all("already logged" in json.dumps(t["view"]) for t in told)
    _ephemeral(fake_slack, "Blocker *#1*")
    assert _counts(db) == (1, 0)
    # Another modal is another log.
    submit(slack, view, view_id="VOTHER")
    assert _counts(db) == (2, 0)


def test_where_onboard_is_not_a_member_the_confirmation_comes_by_dm(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, playbooks
) -> None:
    seed(db, playbooks, customer_channel_id="C0NOTIN")
    fake_slack.add_channel("C0NOTIN", "acme-elsewhere", is_member=False)
    view = open_modal(slack, fake_slack, "Our SSO still fails", channel="C0NOTIN")

    submit(slack, view)

    fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p["channel"] == "UCSM" and "Blocker *#1*" in json.dumps(p["blocks"]),
    )
    assert _counts(db) == (1, 0)
