"""Runtime contract: settings, CLI exit codes, request signing, health check, manifest in step
with the code, and who may use the app."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from slack_bolt import App

from bot.config import SettingsError, load_settings
from handlers import register_handlers

ROOT = Path(__file__).resolve().parents[2]
# Slack's own manifest JSON Schema (slackapi/manifest-schema, MIT), kept as test data.
SCHEMA_DIR = ROOT / "tests" / "data" / "slack-manifest-schema"
ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**ENV, "PORT": "eighty"}, "PORT"),
        ({**ENV, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({**ENV, "ONBOARD_TIMEZONE": "Mars/Base"}, "ONBOARD_TIMEZONE"),
        ({**ENV, "SLACK_API_URL": "not a url"}, "SLACK_API_URL"),
        ({**ENV, "ONBOARD_ADMINS": "bob"}, "ONBOARD_ADMINS"),
        ({**ENV, "ONBOARD_HOLIDAYS": "2026-12-25,Boxing Day"}, "ONBOARD_HOLIDAYS"),
    ],
)
def test_a_bad_setting_is_named_in_one_line_with_exit_code_2(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)
    result = run_cli("serve", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_mode_needs_an_app_token() -> None:
    result = run_cli("socket", env=ENV)
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr


def test_settings_defaults() -> None:
    settings = load_settings(ENV)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.timezone == "UTC" and settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.holidays == frozenset()
    holidays = load_settings({**ENV, "ONBOARD_HOLIDAYS": "2026-12-25, 2027-01-01"}).holidays
    assert holidays == {date(2026, 12, 25), date(2027, 1, 1)}
    assert load_settings({**ENV, "SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    result = run_cli("db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert run_cli("db", "upgrade", env={"DATABASE_URL": url}).returncode == 0


def test_unsigned_wrongly_signed_and_stale_requests_are_rejected(slack, fake_slack) -> None:
    body = b"command=%2Fonboard&text=help&user_id=UCSM&team_id=T0OWN"
    content = "application/x-www-form-urlencoded"
    assert slack.post(body, content, signed=False).status == 401
    assert slack.post(body, content, signature="v0=" + "0" * 64).status == 401
    assert slack.post(body, content, timestamp=int(time.time()) - 6 * 60).status == 401
    assert slack.post(body, content).status == 200


def test_help_for_empty_and_unknown_commands(slack) -> None:
    for text in ("", "help", "frobnicate"):
        reply = slack.command(text).json()
        assert reply["response_type"] == "ephemeral"
        assert "/onboard new" in json.dumps(reply["blocks"])
    assert "frobnicate" in json.dumps(slack.command("frobnicate").json()["blocks"])
    help_text = json.dumps(slack.command("help").json()["blocks"])
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    for shortcut in manifest["features"]["shortcuts"]:  # the help names each one as Slack does
        assert f"*{shortcut['name']}*" in help_text
    assert "Did you mean" not in json.dumps(slack.command("frobnicate").json()["blocks"])


def test_a_mistyped_command_gets_a_suggestion(slack) -> None:
    reply = json.dumps(slack.command("stauts <!channel> acme").json()["blocks"])
    assert "I don't know `stauts`. Did you mean `/onboard status &lt;!channel&gt; acme`?" in reply
    assert "/onboard new" in reply  # and the whole help below it
    assert "Did you mean `/onboard golive`" in json.dumps(slack.command("golve").json()["blocks"])


def test_healthz_checks_the_database(slack) -> None:
    url = slack.app_url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "up"}


def test_manifest_is_valid_against_slacks_schema() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    schema = json.loads((SCHEMA_DIR / "manifest.schema.1.0.0.json").read_text())
    jsonschema.validate(manifest, schema)


class RecordingApp(App):
    """Records what the handlers register, without serving anything."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
        self.registered: dict[str, set[str]] = {"command": set(), "shortcut": set(), "event": set()}

    def command(self, command, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        self.registered["command"].add(str(command))
        return super().command(command, *args, **kwargs)

    def shortcut(self, constraints, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        self.registered["shortcut"].add(str(constraints))
        return super().shortcut(constraints, *args, **kwargs)

    def event(self, event, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        self.registered["event"].add(str(event))
        return super().event(event, *args, **kwargs)


def test_code_and_manifest_are_in_step() -> None:
    app = RecordingApp()
    register_handlers(app)
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    features = manifest["features"]
    assert app.registered["command"] == {c["command"] for c in features["slash_commands"]}
    assert app.registered["shortcut"] == {s["callback_id"] for s in features["shortcuts"]}
    # Bolt hears every message.<channel type> event as "message".
    subscribed = {
        e.split(".")[0] for e in manifest["settings"]["event_subscriptions"]["bot_events"]
    }
    assert app.registered["event"] == subscribed
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_app_home_lists_the_users_onboardings(slack, fake_slack) -> None:
    from tests.slack.test_handoff_slack import handoff_values, submit

    submit(slack, handoff_values())
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UAE")
    slack.event({"type": "app_home_opened", "user": "UCSM", "tab": "home", "channel": "DUCSM"})
    view = fake_slack.wait_for("views.publish", lambda p: p["user_id"] == "UCSM")[0].params["view"]
    assert "Acme Manufacturing" in json.dumps(view["blocks"])


@pytest.mark.parametrize(
    "who",
    [
        {"user_id": "UEXT", "team_id": "T0THEIRS"},
        {"user_id": "UGUEST", "is_restricted": True},
        {"user_id": "USINGLE", "is_ultra_restricted": True},
    ],
)
def test_guests_and_other_organisations_are_refused_everywhere(slack, fake_slack, db, who) -> None:
    from bot.models import Onboarding
    from tests.slack.test_handoff_slack import count

    user_id = who["user_id"]
    fake_slack.add_user(
        user_id,
        name="x",
        real_name="X",
        team_id=who.get("team_id"),
        is_restricted=who.get("is_restricted", False),
        is_ultra_restricted=who.get("is_ultra_restricted", False),
    )
    team = who.get("team_id")
    reply = slack.command("new", user_id=user_id, user_team_id=team).json()
    assert "only available to members" in reply["text"]
    slack.shortcut("new-handoff", user_id=user_id, user_team_id=team)
    refused_view = fake_slack.wait_for("views.open")[0].params["view"]
    assert "only available to members" in json.dumps(refused_view)
    submitted = submit_as(slack, user_id, team)
    assert submitted["response_action"] == "update"
    assert count(db, Onboarding) == 0
    slack.block_action(
        "handoff-acknowledge",
        "1",
        user_id=user_id,
        user_team_id=team,
        channel_id="C0GENERAL",
        message_ts="1.1",
    )
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == user_id)
    assert not fake_slack.calls_to("chat.update")


def submit_as(slack, user_id: str, team: str | None) -> dict:  # type: ignore[no-untyped-def]
    from tests.slack.test_handoff_slack import METADATA, handoff_values

    return slack.view_submission(
        "handoff-submit",
        handoff_values(),
        user_id=user_id,
        user_team_id=team,
        view_id="VEXT",
        private_metadata=METADATA,
    ).json()


def test_a_burst_of_commands_is_acknowledged_within_slacks_three_seconds(slack, fake_slack):
    from concurrent.futures import ThreadPoolExecutor

    fake_slack.delay("views.open", 1.0, times=40)  # slow Slack after the ack must not matter

    def timed_command(n: int) -> tuple[int, float]:
        started = time.monotonic()
        response = slack.command("new", user_id="UAE")
        return response.status, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(timed_command, range(40)))
    assert all(status == 200 for status, _ in results)
    assert max(elapsed for _, elapsed in results) < 3.0
    fake_slack.wait_for("views.open", count=40, timeout=20)
