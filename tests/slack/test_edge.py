"""The edge of /slack/events: nothing unverified or malformed gets in, a replay is acted on once,
and every request is acknowledged without waiting on Slack."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot import logs
from bot.entry.app import _handle_error
from bot.models import Base, Blocker
from bot.slack.guard import NOT_YET_KNOWN
from tests.slack.test_status_slack import onboard
from tests.slack_http import FORM

JSON = "application/json"


def _rows(db, but: str = "") -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name != but
        }


def _settle(fake_slack, outbox_loop) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app has stopped talking to Slack (work after acks, the outbox)."""
    outbox_loop.drain()
    seen = -1
    while seen != len(fake_slack.calls):
        seen = len(fake_slack.calls)
        time.sleep(0.3)


@pytest.fixture
def quiet(slack, fake_slack, db, caplog, outbox_loop) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Whatever the test sends must cause no Web API call, no response_url post, no database
    write and no traceback."""
    onboard(slack, fake_slack)
    _settle(fake_slack, outbox_loop)
    calls, responses, rows = len(fake_slack.calls), len(fake_slack.responses), _rows(db)
    caplog.clear()
    yield
    _settle(fake_slack, outbox_loop)  # anything done after an ack has had its chance
    assert fake_slack.calls[calls:] == []
    assert fake_slack.responses[responses:] == []
    assert _rows(db) == rows
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"


def _command_fields(slack, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fields = {
        "command": "/onboard",
        "text": "block acme waiting on IT",
        "user_id": "UCSM",
        "team_id": slack.team_id,
        "channel_id": "C0GENERAL",
        "response_url": slack.fake.response_url(),
        "trigger_id": "1.2.3",
    }
    return {**fields, **extra}


def _home_opened(slack) -> bytes:  # type: ignore[no-untyped-def]
    event = {"type": "app_home_opened", "user": "UCSM", "tab": "home", "channel": "D0CSM"}
    envelope = {"type": "event_callback", "team_id": slack.team_id, "event": event}
    return json.dumps(envelope).encode()


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "", "-1", "12.5", " 1"])
@pytest.mark.parametrize("kind", ["command", "app_home_opened"])
def test_a_request_with_a_malformed_timestamp_is_refused_untouched(  # type: ignore[no-untyped-def]
    slack, quiet, timestamp, kind
) -> None:
    if kind == "command":
        body, content_type = urlencode(_command_fields(slack)).encode(), FORM
    else:
        body, content_type = _home_opened(slack), JSON
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
    response = slack.post(body, content_type, signed=False, headers=headers)
    assert response.status == 401


@pytest.mark.parametrize(
    "signature",
    [None, "", "v0=", "v1=" + "a" * 64, "v0=" + "g" * 64, "v0=" + "a" * 64, "v0=" + "A" * 64],
)
def test_a_request_with_a_wrong_or_missing_signature_is_refused(  # type: ignore[no-untyped-def]
    slack, quiet, signature
) -> None:
    body = urlencode(_command_fields(slack)).encode()
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": signature}
    assert slack.post(body, FORM, signed=False, headers=headers).status == 401


def test_a_request_signed_too_long_ago_is_refused(slack, quiet) -> None:  # type: ignore[no-untyped-def]
    body = urlencode(_command_fields(slack)).encode()
    assert slack.post(body, FORM, timestamp=int(time.time()) - 301).status == 401


MALFORMED = [
    (b"payload=not+json", FORM),
    (b"payload=%5B%5D", FORM),  # payload=[]
    (b"payload=%22x%22", FORM),  # payload="x"
    (b"payload=%7B%7D", FORM),  # payload={}: no type
    (b"payload=%7B%22type%22%3A1%7D&payload=%7B%7D", FORM),  # two payloads
    (b"user_id=U1&text=hi", FORM),  # neither a command nor an interaction
    (b"\xff\xfe", FORM),  # not UTF-8
    (b"{nope", JSON),
    (b"[1]", JSON),
    (b'{"event": {}}', JSON),  # no type
]


@pytest.mark.parametrize("body,content_type", MALFORMED)
@pytest.mark.parametrize("signed", [False, True])
def test_a_malformed_body_is_refused_before_it_is_parsed(  # type: ignore[no-untyped-def]
    slack, quiet, body, content_type, signed
) -> None:
    response = slack.post(body, content_type, signed=signed)
    assert response.status == (400 if signed else 401)
    assert b"Traceback" not in response.body


@pytest.mark.parametrize("signed", [False, True])
def test_a_body_over_the_size_cap_is_refused(slack, quiet, signed) -> None:  # type: ignore[no-untyped-def]
    body = urlencode(_command_fields(slack, text="x" * 1_000_000)).encode()
    assert slack.post(body, FORM, signed=signed).status == 413


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data", "", "text/html"])
def test_only_the_content_types_slack_sends_are_accepted(  # type: ignore[no-untyped-def]
    slack, quiet, content_type
) -> None:
    body = urlencode(_command_fields(slack)).encode()
    assert slack.post(body, content_type).status == 415


def test_a_request_other_than_post_is_refused(slack, quiet) -> None:  # type: ignore[no-untyped-def]
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(slack.app_url, timeout=5)
    assert refused.value.code == 405


def _blockers(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Blocker)) or 0


def test_a_replayed_request_is_acted_on_once(slack, fake_slack, db) -> None:  # type: ignore[no-untyped-def]
    onboard(slack, fake_slack)
    first = slack.command("block acme waiting on IT")
    assert first.status == 200
    fake_slack.wait_for_response(lambda r: "blocker" in json.dumps(r).lower())
    responses = len(fake_slack.responses)

    replayed = slack.replay()

    assert replayed.status == 200 and replayed.body == b""
    time.sleep(0.3)
    assert _blockers(db) == 1
    assert len(fake_slack.responses) == responses
    slack.command("block acme waiting on IT")  # the same words sent again: a new request
    fake_slack.wait_for_response(lambda r: "blocker" in json.dumps(r).lower(), count=2)
    assert _blockers(db) == 2


def test_a_charset_in_the_content_type_is_fine(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    body = urlencode(_command_fields(slack, text="help")).encode()
    response = slack.post(body, "application/x-www-form-urlencoded; charset=utf-8")
    assert response.status == 200 and "Onboard help" in response.text


# ---- the error handler and its reference --------------------------------------------------


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.append(name)


def test_the_error_handler_never_replies_to_an_unverified_request() -> None:
    client, said = RecordingClient(), []

    class Context(dict):
        respond = staticmethod(lambda **kwargs: said.append(kwargs))

    body = {"command": "/onboard", "response_url": "https://evil.example/x", "user_id": "U1"}
    _handle_error(RuntimeError("boom"), body, client, Context())  # type: ignore[arg-type]
    assert client.calls == [] and said == []


class JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_the_error_reference_is_the_request_id_in_the_log(  # type: ignore[no-untyped-def]
    slack, fake_slack, monkeypatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("handlers.command.help_blocks", broken)
    captured = JsonLines()
    logging.getLogger().addHandler(captured)
    try:
        slack.command("help", user_id="UCSM")
        said = fake_slack.wait_for_response(lambda r: "reference" in r.get("text", ""))[0]
    finally:
        logging.getLogger().removeHandler(captured)
    reference = said["text"].split("`")[1]
    assert reference != "-" and len(reference) == 12
    errors = [line for line in captured.lines if line["event"] == "unexpected error"]
    assert errors and errors[0]["request_id"] == reference
    assert errors[0]["user"] == "UCSM" and errors[0]["command"] == "/onboard help"
    assert "RuntimeError: a bug" in errors[0]["exception"]


# ---- ack first, whatever Slack does -------------------------------------------------------


def _until_answered(send, attempts: int = 40) -> Any:  # type: ignore[no-untyped-def]
    """Send until Onboard knows who is asking (its lookup goes on after a refusal)."""
    for _ in range(attempts):
        response = send()
        if NOT_YET_KNOWN not in response.text:
            return response
        time.sleep(0.1)
    raise AssertionError("Onboard never learnt who the user is")


def test_a_slow_users_info_does_not_hold_the_ack(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_user("UNEW", name="newcomer", real_name="New Comer")
    fake_slack.delay("users.info", 2.0)
    slack.timeout = 1.5  # the ack must come well before users.info answers

    first = slack.command("help", user_id="UNEW")

    assert first.status == 200 and NOT_YET_KNOWN in first.text  # fail closed, said clearly
    answered = _until_answered(lambda: slack.command("help", user_id="UNEW"))
    assert "Onboard help" in answered.json()["text"]
    assert len(fake_slack.calls_to("users.info")) == 1  # one question, however many requests


def test_a_rate_limited_users_info_does_not_hold_the_ack(slack, fake_slack) -> None:  # type: ignore[no-untyped-def]
    fake_slack.add_user("UNEW", name="newcomer", real_name="New Comer")
    fake_slack.rate_limit("users.info", retry_after=2)
    slack.timeout = 1.5

    first = slack.command("help", user_id="UNEW")

    assert NOT_YET_KNOWN in first.text
    answered = _until_answered(lambda: slack.command("help", user_id="UNEW"), attempts=60)
    assert "Onboard help" in answered.json()["text"]


def test_a_click_and_a_submission_fail_closed_when_slack_is_slow(  # type: ignore[no-untyped-def]
    slack, fake_slack, db
) -> None:
    onboard(slack, fake_slack)
    fake_slack.add_user("UNEW", name="newcomer", real_name="New Comer")
    fake_slack.delay("users.info", 2.0)
    slack.timeout = 1.5
    rows = _rows(db, but="seen_request")  # these requests are verified, so remembered
    calls = len(fake_slack.calls)

    clicked = slack.block_action("status-add-blocker", "1", user_id="UNEW")
    submitted = slack.view_submission("status-blocker-submit", {}, user_id="UNEW")

    assert clicked.status == 200 and clicked.body == b""
    told = fake_slack.wait_for("chat.postEphemeral", lambda p: NOT_YET_KNOWN in p["text"])
    assert told[0].params["user"] == "UNEW"
    assert submitted.json()["response_action"] == "update"
    assert NOT_YET_KNOWN in json.dumps(submitted.json()["view"])
    assert _rows(db, but="seen_request") == rows
    assert not [c for c in fake_slack.calls[calls:] if c.method == "views.open"]
