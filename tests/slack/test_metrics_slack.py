"""/onboard metrics and export over signed HTTP against the fake Slack; the CLI export;
App Home's "Book health" for admins only; outsiders refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from bot.entry.cli import main
from bot.services.export import COLUMNS
from bot.slack.guard import REFUSAL
from tests.services.test_metrics import BOOK, Seed, replan_in_place, seed


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


OUTSIDERS = {
    "other organisation": ({"team_id": "T0THEIRS"}, "T0THEIRS"),
    "guest": ({"is_restricted": True}, None),
}


@pytest.fixture
def book(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        seed(session, BOOK)


def reply(fake_slack, contains: str) -> dict:  # type: ignore[no-untyped-def]
    return fake_slack.wait_for_response(lambda r: contains in dumps(r))[-1]


def test_metrics_by_segment_is_an_ephemeral_card_with_targets_and_n(
    slack, fake_slack, book
) -> None:  # type: ignore[no-untyped-def]
    slack.command("metrics segment", user_id="UOTHER")
    card = reply(fake_slack, "Onboarding metrics")
    assert card["response_type"] == "ephemeral"
    text = dumps(card)
    assert "the book by segment" in text
    assert "median 12 d · p75 18 d" in text and "5 of 7 within target (n = 7)" in text
    assert "38% (3 of 8 started) · target 85% :warning:" in text
    assert "67% (2 of 3 completed) · target 80% :warning:" in text
    assert (
        "75% (27 of 36 milestones) · target 90% :warning:\\nbaseline 75% (27 of 36) :warning:, "
        "7 onboardings" in text
    )
    # NPS against the playbooks' target (50 in every shipped playbook), and the survey's means.
    assert "+33 · target 50 :warning: (3 promoters, 1 detractors of 6 answers" in text
    assert "satisfaction 7.3 / 10 (n = 7) · effort 2.3 / 5 (n = 6)" in text
    assert "median 34 h · 3 of 4 within 48 h (75%) (n = 4)" in text
    assert "P1 median 1.5 h, 2 of 3 within SLA (n = 3) · P2 median 4.5 h, 1 of 2" in text
    assert "signed 9 → kicked off 7 (78%)" in text and "adopted 3 (75%)" in text
    assert "(n = 8 open)" in text
    # Each segment against its own target, and its slice.
    assert "median 27.5 d · p75 31.2 d · target 30 d · 1 of 2 within target" in text
    sections = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section" and "text" in b]
    assert [s.split(" · ")[0] for s in sections if s.endswith(")") and "onboardings\n" in s] == [
        "*SMB*", "*Mid-Market*", "*Enterprise*",
    ]  # fmt: skip
    assert not fake_slack.calls_to("chat.postMessage")  # never in the channel


def test_metrics_show_on_time_against_the_baseline_and_replans_by_segment_and_csm(  # type: ignore[no-untyped-def]
    slack, fake_slack, db, book
) -> None:
    with db.session() as session:
        replan_in_place(
            session, "Bravo", {"technical_setup": 2, "training": 5, "transition": 10}, 2
        )
        replan_in_place(session, "Delta", {"technical_setup": 4}, 1)
    slack.command("metrics segment", user_id="UOTHER")
    text = dumps(reply(fake_slack, "the book by segment"))
    assert "plan 100% (3 of 3 completed) · target 80% :white_check_mark:" in text
    assert "baseline 67% (2 of 3) :warning:" in text  # Bravo's replan does not hide its lateness
    assert "plan 83% (30 of 36 milestones)" in text and "baseline 75% (27 of 36)" in text
    assert "*Replans*\\n0.3 per onboarding (3 replans; 2 of 9 onboardings replanned)" in text
    assert "Replans: 1.0 per onboarding (2 replans; 1 of 2 onboardings replanned)" in text
    assert "on time 100% (2 of 2 completed) · target 80% :white_check_mark:, baseline 50%" in text
    slack.command("metrics csm", user_id="UOTHER")
    text = dumps(reply(fake_slack, "the book by csm"))
    assert "Replans: 0.5 per onboarding (2 replans; 1 of 4 onboardings replanned)" in text
    assert "Replans: 0.2 per onboarding (1 replan; 1 of 5 onboardings replanned)" in text


def test_metrics_by_csm_cohort_and_a_filter(slack, fake_slack, book) -> None:  # type: ignore[no-untyped-def]
    slack.command("metrics csm", user_id="UCSM")
    text = dumps(reply(fake_slack, "the book by csm"))
    assert "<@UCSM> · 5 onboardings" in text and "<@UCSM2> · 4 onboardings" in text
    slack.command("metrics cohort 2026-01", user_id="UCSM")
    text = dumps(reply(fake_slack, "cohort 2026-01"))
    assert "*Onboardings*\\n3" in text and "100% (3 of 3 started)" in text
    slack.command("metrics csm me", user_id="UCSM2")
    assert "*Onboardings*\\n4" in dumps(reply(fake_slack, "one CSM"))
    slack.command("metrics banana", user_id="UCSM")
    reply(fake_slack, "Usage: `/onboard metrics")
    slack.command("metrics cohort 2026-13", user_id="UCSM")
    reply(fake_slack, "A cohort is a start month")


def test_many_slices_stay_within_block_kit(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    months = [date(2020 + i // 12, i % 12 + 1, 1) for i in range(60)]
    with db.session() as session:
        seed(session, [Seed(f"Co {i}", "smb", "UCSM", start) for i, start in enumerate(months)])
    slack.command("metrics cohort", user_id="UCSM")
    card = reply(fake_slack, "the book by cohort")
    assert len(card["blocks"]) <= 50
    assert "…and 20 more" in dumps(card)


def test_export_uploads_the_csv_to_the_requesters_dm(slack, fake_slack, book) -> None:  # type: ignore[no-untyped-def]
    slack.command("export", user_id="UCSM2")
    reply(fake_slack, "I sent you the book as CSV (9 onboardings) in a DM")
    [record] = fake_slack.files.values()
    assert record["shared"] and record["channel_id"] == "DUCSM2"
    assert record["name"].startswith("onboard-book-") and record["name"].endswith(".csv")
    assert "Internal" in record["initial_comment"]
    rows = list(csv.DictReader(io.StringIO(record["content"].decode())))
    assert len(rows) == 9 and list(rows[0]) == list(COLUMNS)
    alpha = next(r for r in rows if r["company"] == "Alpha")
    assert (alpha["ttfv_days"], alpha["latest_health"], alpha["completed_on_time"]) == (
        "20", "healthy", "yes"
    )  # fmt: skip


def test_metrics_chart_goes_to_the_requesters_dm_as_a_png(slack, fake_slack, book) -> None:  # type: ignore[no-untyped-def]
    slack.command("metrics segment chart", user_id="UCSM2", channel_id="C0GENERAL")
    reply(fake_slack, "Onboarding metrics")
    fake_slack.wait_for("files.completeUploadExternal")
    [record] = fake_slack.files.values()
    assert record["shared"] and record["channel_id"] == "DUCSM2"
    assert record["name"].endswith(".png") and record["content"].startswith(b"\x89PNG")


def test_export_is_for_admins_and_csms_only(slack, fake_slack, book) -> None:  # type: ignore[no-untyped-def]
    slack.command("export", user_id="UOTHER")
    reply(fake_slack, "Only Onboard admins and CSMs can export the book")
    assert not fake_slack.calls_to("files.getUploadURLExternal")
    slack.command("export", user_id="UADMIN")
    reply(fake_slack, "I sent you the book as CSV")
    assert [f["channel_id"] for f in fake_slack.files.values()] == ["DUADMIN"]


def test_the_cli_export(db, book, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "book.csv"
    assert main(["export", "--database", db.url, "--output", str(target)]) == 0
    rows = list(csv.DictReader(target.open(newline="")))
    assert len(rows) == 9 and rows[0]["company"] == "Alpha"
    assert "9 onboardings" in capsys.readouterr().err
    assert main(["export", "--database", db.url]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ",".join(COLUMNS) and len(out.splitlines()) == 10


def _home(fake_slack, user_id: str, count: int = 1) -> str:  # type: ignore[no-untyped-def]
    calls = fake_slack.wait_for("views.publish", lambda p: p["user_id"] == user_id, count=count)
    return dumps(calls[-1].params["view"])


def test_book_health_on_app_home_for_admins_only(slack, fake_slack, book) -> None:  # type: ignore[no-untyped-def]
    slack.event({"type": "app_home_opened", "user": "UCSM", "tab": "home", "channel": "DUCSM"})
    assert "Book health" not in _home(fake_slack, "UCSM")
    slack.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home", "channel": "DU"})
    home = _home(fake_slack, "UADMIN")
    assert "Book health" in home and "median 12 d · 5 of 7 within their segment" in home
    assert "38% (3 of 8 started)" in home and ":large_green_circle: healthy 1" in home
    slack.block_action(
        "metrics-open", "segment", user_id="UADMIN", view={"id": "VH", "type": "home"}
    )
    modal = fake_slack.wait_for("views.open")[-1].params["view"]
    assert modal["title"]["text"] == "Book metrics" and "By segment" in dumps(modal)


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("text", ["metrics", "metrics segment", "export"])
def test_outsiders_are_refused(slack, fake_slack, book, who, text) -> None:  # type: ignore[no-untyped-def]
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", **flags)
    response = slack.command(text, user_id="UOUT", user_team_id=team)
    assert REFUSAL in response.text
    assert not fake_slack.responses and not fake_slack.files


@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_outsiders_cannot_open_the_full_metrics(slack, fake_slack, book, who) -> None:  # type: ignore[no-untyped-def]
    flags, team = OUTSIDERS[who]
    fake_slack.add_user("UOUT", name="outsider", **flags)
    slack.block_action(
        "metrics-open",
        "segment",
        user_id="UOUT",
        user_team_id=team,
        view={"id": "VH", "type": "home"},
    )
    fake_slack.wait_for("views.open")
    views = [c.params["view"] for c in fake_slack.calls_to("views.open")]
    assert views and all(REFUSAL in dumps(v) for v in views)
