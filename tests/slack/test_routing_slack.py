"""How a request finds its listener (bot/entry/routing.py) and is acknowledged
(bot/entry/ack_runner.py), over signed HTTP: one Bolt listener per payload kind, ids looked up
in a table, the first registration that matches wins as in Bolt."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack, App

from bot.entry.app import create_app
from bot.entry.server import create_server, make_wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.slack.test_status_slack import onboard
from tests.slack_http import SlackHttp


@pytest.fixture
def served(settings, db, playbooks, fake_slack, outbox_loop) -> Iterator[tuple[App, SlackHttp]]:  # type: ignore[no-untyped-def]
    """The app as the `slack` fixture serves it, with the app object at hand to add to."""
    listeners = ThreadPoolExecutor(max_workers=8)
    app = create_app(
        settings, db=db, playbooks=playbooks, listener_executor=listeners, outbox=outbox_loop
    )
    server = create_server(make_wsgi_app(app, db), host="127.0.0.1", port=0, threads=4)

    def run() -> None:
        with contextlib.suppress(OSError):  # closing the socket ends select() with EBADF
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    yield app, SlackHttp(url, SIGNING_SECRET, team_id=fake_slack.team_id, fake=fake_slack)
    server.close()
    thread.join(timeout=5)
    listeners.shutdown(wait=True)
    app.onboard_deps.users.close()


def answering(text: str) -> Any:
    def listener(ack: Ack, action: dict[str, Any]) -> None:
        ack(f"{text}: {action['action_id']}")  # Bolt answers a click's text as plain text

    return listener


def test_a_listener_added_last_is_reached_and_bolt_still_sees_one_per_kind(served) -> None:  # type: ignore[no-untyped-def]
    app, slack = served
    before = len(app._listeners)
    for n in range(100):
        app.action(f"extra-{n}")(answering("extra"))
    app.view("extra-view")(lambda ack: ack(response_action="clear"))
    assert len(app._listeners) == before  # tables grew, not Bolt's list of listeners
    assert slack.block_action("extra-99", "1").text == "extra: extra-99"
    submitted = slack.view_submission("extra-view", {})
    assert submitted.status == 200 and submitted.json() == {"response_action": "clear"}
    assert slack.block_action("nobody-listens", "1").status == 404  # Bolt's "unhandled"


def test_the_first_registration_that_matches_wins(served) -> None:  # type: ignore[no-untyped-def]
    app, slack = served
    app.action(re.compile(r"^early-\d+$"))(answering("pattern"))
    app.action("early-1")(answering("exact, later"))
    app.action("late-1")(answering("exact"))
    app.action(re.compile(r"^late-\d+$"))(answering("pattern, later"))
    assert slack.block_action("early-1", "1").text == "pattern: early-1"
    assert slack.block_action("late-1", "1").text == "exact: late-1"
    assert slack.block_action("late-2", "1").text == "pattern, later: late-2"


def test_an_error_before_the_ack_is_answered_with_a_reference(served, fake_slack) -> None:  # type: ignore[no-untyped-def]
    app, slack = served

    def broken(ack: Ack) -> None:
        raise RuntimeError("boom")

    app.action("broken")(broken)
    response = slack.block_action("broken", "1")
    assert response.status == 500  # as Bolt answers it: the user is told through respond
    told = fake_slack.wait_for_response(lambda r: "Something went wrong" in json.dumps(r))
    assert "reference" in json.dumps(told[-1])


def test_help_is_the_help_even_when_a_customer_starts_with_help(served, fake_slack) -> None:  # type: ignore[no-untyped-def]
    _, slack = served
    onboard(slack, fake_slack, "Helpful Robots")
    answer = slack.command("help").json()
    assert "Commands:" in json.dumps(answer["blocks"]) and "Helpful" not in json.dumps(answer)
    assert not slack.command("helpful").body  # the name alone still shows its status
