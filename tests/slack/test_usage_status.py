"""The adoption line of the status card over signed HTTP: for our team, never in a channel
shared with the customer (unless the playbook lets it), absent before any usage record."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from bot.models import Onboarding
from bot.playbooks import UsageDef
from bot.services.status import load_status
from bot.services.usage import record_batch
from bot.slack.status_sections import adoption_text
from bot.slack.status_views import build_status_blocks
from tests.slack.test_status_sections import shared, status
from tests.slack.test_status_slack import onboard

LINE = "12 of 40 licensed users active (30%) · core features 2 of 4"
TODAY = date(2026, 12, 10)


def send_usage(db) -> None:  # type: ignore[no-untyped-def]
    """Two days of Acme's usage: dashboards and alerts used, work orders and reports not."""
    records = [
        {
            "customer": "Acme Manufacturing",
            "date": "2026-12-09",
            "active_users": 10,
            "licensed_users": 40,
            "features": {"dashboards": 4, "work_orders": 0},
        },
        {
            "customer": "Acme Manufacturing",
            "date": "2026-12-10",
            "active_users": 12,
            "licensed_users": 40,
            "features": {"alerts": 2, "reports": 0, "exports": 9},
        },
    ]
    with db.transaction() as session:
        record_batch(session, records, TODAY)


def test_the_card_shows_adoption_to_our_team(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    assert "Adoption" not in json.dumps(status(slack, fake_slack)["blocks"])  # no data yet

    send_usage(db)
    card = json.dumps(status(slack, fake_slack, contains="Adoption")["blocks"], ensure_ascii=False)

    assert f"*Adoption:* {LINE}" in card


def test_a_channel_shared_with_the_customer_never_sees_adoption(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    send_usage(db)

    assert LINE not in shared(slack, fake_slack, "CEXT", external=True)
    assert LINE in shared(slack, fake_slack, "CINT", external=False)


def test_a_playbook_may_share_usage_with_the_customer(session, playbooks, db) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import open_onboarding

    open_onboarding(session, playbooks, "Acme Manufacturing")
    send_usage(db)
    onboarding_id = session.scalars(select(Onboarding.id)).one()
    card = load_status(session, onboarding_id, TODAY, playbooks=playbooks)
    assert card.adoption is not None
    assert adoption_text(card.adoption) == f"Adoption: {LINE}"

    external = json.dumps(build_status_blocks(card, internal=False), ensure_ascii=False)
    assert LINE not in external
    sharing = replace(card, adoption_shared=True)
    assert LINE in json.dumps(build_status_blocks(sharing, internal=False), ensure_ascii=False)
    assert UsageDef().share_with_customer is False  # the default: internal


def test_the_health_check_prefills_adoption_from_usage(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    from tests.slack.test_health_slack import answers, block, checks, opened_health, submit

    onboard(slack, fake_slack)
    slack.command("health acme", user_id="UCSM")
    unprefilled = block(opened_health(fake_slack), "health-rating-adoption")
    assert "initial_option" not in unprefilled["element"]  # no usage yet: the CSM rates it

    send_usage(db)
    slack.command("health acme", user_id="UCSM")
    view = opened_health(fake_slack, count=2)
    adoption = block(view, "health-rating-adoption")
    assert adoption["element"]["initial_option"]["value"] == "2"  # 30% active: 20-39% is 2
    assert f"Prefilled from usage on Dec 10: {LINE}." in adoption["hint"]["text"]

    submit(slack, view, answers(view, adoption="4"))  # the CSM knows better: kept as typed
    fake_slack.wait_for("chat.postEphemeral", lambda p: "Health check for" in p["text"])
    assert checks(db)[0].ratings["adoption"] == 4


def test_the_usage_chart_button_uploads_weekly_active_users(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    from tests.slack.test_charts import PNG_SIGNATURE, png_size

    onboard(slack, fake_slack)
    assert "chart-usage" not in json.dumps(status(slack, fake_slack)["blocks"])  # no data
    send_usage(db)
    card = status(slack, fake_slack, contains="Adoption")
    [button] = [
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == "chart-usage"
    ]

    slack.block_action("chart-usage", button["value"], user_id="UCSM", channel_id="C0GENERAL")

    params, content = _uploaded(fake_slack)
    assert params["channel_id"] == "C0GENERAL"
    assert content[:8] == PNG_SIGNATURE and png_size(content) == (1200, 675)
    assert (
        "weekly active users, 1 weeks to the week of Dec 7 (12 of 40 licensed)"
        in (params["initial_comment"])
    )
    fake_slack.wait_for_response(lambda r: "Here are the weekly active users" in str(r))


def test_the_usage_chart_never_goes_to_a_shared_channel(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    send_usage(db)
    fake_slack.add_channel("C0ACME", "acme-onboarding", is_ext_shared=True)
    onboarding_id = str(_onboarding_id(db))

    slack.block_action("chart-usage", onboarding_id, user_id="UCSM", channel_id="C0ACME")

    params, _ = _uploaded(fake_slack)
    [opened] = fake_slack.calls_to("conversations.open")
    assert params["channel_id"] == opened.response["channel"]["id"] != "C0ACME"
    fake_slack.wait_for_response(lambda r: "Usage is internal" in str(r))


def test_weekly_active_users_are_the_highest_day_of_each_week() -> None:
    from bot.services.usage_adoption import DayUsage, UsageWeek, weekly

    days = [
        DayUsage(date(2026, 11, 30), 10, 40, {}),  # Monday
        DayUsage(date(2026, 12, 2), 14, 40, {}),
        DayUsage(date(2026, 12, 6), 9, 45, {}),  # Sunday: same week, licence grew
        DayUsage(date(2026, 12, 7), 12, 45, {}),
    ]
    assert weekly(days) == [
        UsageWeek(date(2026, 11, 30), 14, 45),
        UsageWeek(date(2026, 12, 7), 12, 45),
    ]


def _onboarding_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalars(select(Onboarding.id)).one()


def _uploaded(fake_slack) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    """The uploaded chart; the first drawing imports matplotlib, slow on a loaded machine."""
    [complete] = fake_slack.wait_for("files.completeUploadExternal", timeout=30)
    [entry] = complete.params["files"]
    return complete.params, fake_slack.files[entry["id"]]["content"]
