"""`/onboard settings` over signed HTTP: a CSM chooses the daily digest, and from then on the
stall alerts of every onboarding they own come as one DM per business day (through the job,
the outbox and the sender to the fake Slack), with each onboarding's own buttons."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.models import AlertState, UserSetting
from bot.slack.ids import AlertId, SettingsId
from tests.slack.test_alerts_slack import at, bare, day, deliver, posts, run


def settings_card(fake_slack, text: str) -> dict:  # type: ignore[no-untyped-def]
    [response] = fake_slack.wait_for_response(lambda r: text in json.dumps(r))
    return response


def button(card: dict, action_id: str) -> dict:
    return next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def choose_digest(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    slack.command("settings", user_id="UCSM")
    card = settings_card(fake_slack, "Each onboarding")
    assert card["response_type"] == "ephemeral"
    choice = button(card, SettingsId.ALERTS_DIGEST)
    slack.block_action(choice["action_id"], choice["value"], user_id="UCSM")
    saved = settings_card(fake_slack, "Saved")
    assert "One daily digest" in json.dumps(saved) and saved["replace_original"] is True


def test_settings_card_stores_the_choice_per_user(slack, db, fake_slack) -> None:  # type: ignore[no-untyped-def]
    choose_digest(slack, fake_slack)
    with db.session() as session:
        [row] = session.scalars(select(UserSetting)).all()
    assert row.user_id == "UCSM" and row.alert_digest is True
    fake_slack.responses.clear()
    slack.command("settings", user_id="UCSM")  # the card shows the choice, and the way back
    card = settings_card(fake_slack, "One daily digest")
    button(card, SettingsId.ALERTS_PER_ONBOARDING)
    slack.command("settings", user_id="UAE")  # someone else keeps the default
    settings_card(fake_slack, "Each onboarding")


def test_the_digest_is_one_dm_a_day_for_all_of_a_csms_onboardings(
    slack, db, session, settings, playbooks, fake_slack
) -> None:  # type: ignore[no-untyped-def]
    choose_digest(slack, fake_slack)
    fake_slack.add_channel("CINT", "onb-acme", is_private=True)
    fake_slack.add_channel("CBETA", "onb-beta", is_private=True)
    bare(session, "Acme <Co>", blockers=1, internal_channel_id="CINT")
    bare(session, "Beta", internal_channel_id="CBETA", last_activity_at=at(day(-10)))
    bare(session, "Gamma", blockers=1, internal_channel_id="CINT", csm_user_id="UOTHER")
    run(settings, db, playbooks, at(day(0)))
    run(settings, db, playbooks, at(day(0), 17))  # a second run that day: nothing more
    deliver(db, settings, at(day(0)))
    assert [p.kind for p in posts(db)] == ["alert", "alert-digest"]  # Gamma, then the digest
    assert fake_slack.messages_in("CBETA") == []
    [digest] = fake_slack.messages_in("DUCSM")
    text = json.dumps(digest["blocks"])
    assert digest["text"] == "Stall alerts today: 2 signals in 2 onboardings"
    assert text.index("Beta") < text.index("Acme &lt;Co&gt;")  # silence (high) first
    assert "Gamma" not in text
    with db.session() as s:
        assert all(a.notify_count == 1 for a in s.scalars(select(AlertState)))
    # Acknowledge Beta's alert from the digest: only Beta's alerts are answered.
    beta = next(
        e
        for b in digest["blocks"]
        if b.get("block_id", "").startswith("alert-actions-")
        for e in b["elements"]
        if e["action_id"] == AlertId.ACKNOWLEDGE
    )
    slack.block_action(
        beta["action_id"], beta["value"], channel_id="DUCSM", message_ts=digest["ts"]
    )
    fake_slack.wait_for("chat.update", lambda p: p["channel"] == "DUCSM")
    with db.session() as s:
        answered = {a.signal: a.acknowledged_by for a in s.scalars(select(AlertState))}
    assert answered["silence"] == "UCSM" and answered["blocker_open"] is None
