"""`GET /metrics` over real HTTP: what an operator's Prometheus scrapes after real traffic.

Each app is served with its own outbox loop, not started (`drain()` then delivers on the test's
thread), so what sits in the outbox is what the test put there.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import jobs
from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.entry.app import create_app
from bot.entry.scheduler import JobScheduler
from bot.entry.server import create_server, make_wsgi_app
from bot.observability import OTHER, BoundedValues, Metrics
from bot.playbooks import PlaybookLibrary
from bot.services.outbox import Post, enqueue
from bot.slack.api_metrics import count_api_calls, error_of
from bot.slack.client import make_client
from bot.slack.deps import Deps
from bot.slack.guard import NOT_YET_KNOWN
from bot.slack.listener_names import ListenerNames
from bot.slack.outbox_loop import OutboxLoop
from bot.slack.sender import OutboxSender
from jobs.context import JobContext, JobResult
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.slack_http import SlackHttp

TOKEN = "scrape-me-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Served:
    slack: SlackHttp
    deps: Deps
    metrics_url: str

    def scrape(self, token: str | None = None) -> Samples:
        request = urllib.request.Request(self.metrics_url)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            text = response.read().decode()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for metric, labels in samples if metric == name}


def _run_until_closed(server: Any) -> None:
    with contextlib.suppress(OSError):  # closing the socket ends select() with EBADF
        server.run()


@pytest.fixture
def serve(
    settings: Settings, db: Database, playbooks: PlaybookLibrary, fake_slack: FakeSlack
) -> Iterator[Callable[..., Served]]:
    """Start the real app behind the real WSGI server, with `settings` changed as given."""
    running: list[tuple[Any, threading.Thread, ThreadPoolExecutor, Deps]] = []

    def start(**changes: Any) -> Served:
        app_settings = replace(settings, **changes)
        loop = OutboxLoop(OutboxSender(db, None, app_settings, owner="test", timeout=5))
        listeners = ThreadPoolExecutor(max_workers=8)
        app = create_app(
            app_settings, db=db, playbooks=playbooks, listener_executor=listeners, outbox=loop
        )
        server = create_server(make_wsgi_app(app, db), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=_run_until_closed, args=(server,), daemon=True)
        thread.start()
        running.append((server, thread, listeners, app.onboard_deps))  # type: ignore[attr-defined]
        base = f"http://127.0.0.1:{server.effective_port}"
        http = SlackHttp(
            base + "/slack/events", SIGNING_SECRET, team_id=fake_slack.team_id, fake=fake_slack
        )
        return Served(http, app.onboard_deps, base + "/metrics")  # type: ignore[attr-defined]

    yield start
    for server, thread, listeners, deps in running:
        server.close()
        thread.join(timeout=5)
        listeners.shutdown(wait=True)
        deps.users.close()  # no users.info asked in the background lands in the next test


def _status(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as err:
        with err:
            return err.code


# ---- requests by listener and outcome, and the ack latency --------------------------------


def test_signed_commands_are_counted_by_listener_and_their_acks_timed(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve()
    for text in ("help", "help", "list", "secret-customer-words and more"):
        assert served.slack.command(text).status == 200

    samples = served.scrape()

    requests = "onboard_slack_requests_total"
    assert value(samples, requests, listener="/onboard help", outcome="ok") == 2
    assert value(samples, requests, listener="/onboard list", outcome="ok") == 1
    assert value(samples, requests, listener=f"/onboard {OTHER}", outcome="ok") == 1
    assert not any("secret" in v for v in label_values(samples, requests, "listener"))
    assert value(samples, "onboard_slack_ack_seconds_count", kind="command") == 4
    assert value(samples, "onboard_slack_ack_seconds_bucket", kind="command", le="+Inf") == 4
    assert value(samples, "onboard_slack_ack_seconds_sum", kind="command") > 0


def test_refused_and_replayed_requests_are_counted_with_why(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve()
    slack = served.slack
    body = b"command=%2Fonboard&text=help&user_id=UCSM"
    assert slack.post(body, "application/x-www-form-urlencoded", signed=False).status == 401
    stale = int(time.time()) - 301
    assert slack.post(body, "application/x-www-form-urlencoded", timestamp=stale).status == 401
    assert _status(slack.app_url) == 405
    assert slack.command("help").status == 200
    assert slack.replay().status == 200

    samples = served.scrape()

    requests = "onboard_slack_requests_total"
    assert value(samples, requests, listener="unverified", outcome="rejected_signature") == 1
    assert value(samples, requests, listener="unverified", outcome="rejected_stale") == 1
    assert value(samples, requests, listener="unverified", outcome="rejected_method") == 1
    assert value(samples, requests, listener="/onboard help", outcome="ok") == 1
    assert value(samples, requests, listener="/onboard help", outcome="replay") == 1
    # Only what Bolt acknowledged is timed.
    assert value(samples, "onboard_slack_ack_seconds_count", kind="command") == 1


def test_interactions_are_named_by_their_ids_with_digits_folded() -> None:
    names = ListenerNames(["status"])
    click = {"type": "block_actions", "actions": [{"action_id": "status-pick-customer-42"}]}
    submitted = {"type": "view_submission", "view": {"callback_id": "handoff"}}
    event = {"type": "event_callback", "event": {"type": "app_home_opened"}}
    assert names.of(click) == ("block_actions", "action:status-pick-customer-N")
    assert names.of(submitted) == ("view_submission", "view_submission:handoff")
    assert names.of(event) == ("event_callback", "event:app_home_opened")
    assert names.of({"command": "/onboard", "text": "STATUS acme"})[1] == "/onboard status"
    assert names.of({"command": "/onboard", "text": ""})[1] == "/onboard help"
    odd = {"type": "block_actions", "actions": {"action_id": "x"}}  # never raises
    assert names.of(odd) == ("block_actions", f"action:{OTHER}")
    assert names.of({"type": "view_closed", "view": {"callback_id": "a b <@U1>"}})[1].endswith(
        OTHER
    )


def test_a_label_keeps_a_bounded_number_of_values() -> None:
    bounded = BoundedValues(limit=2)
    assert [bounded(v) for v in ("a", "b", "c", "a", "d")] == ["a", "b", OTHER, "a", OTHER]


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()  # the global registry would refuse the second
    first.api_call("chat.postMessage", "none")
    assert b'method="chat.postMessage"' in first.exposition()
    assert b'method="chat.postMessage"' not in second.exposition()


# ---- Web API calls by method and error ------------------------------------------------------


def _until_known(slack: SlackHttp, user_id: str) -> None:
    """Send until Onboard knows who is asking (its users.info goes on in the background)."""
    for _ in range(60):
        if NOT_YET_KNOWN not in slack.command("help", user_id=user_id).text:
            return
        time.sleep(0.1)
    raise AssertionError("Onboard never learnt who the user is")


def _eventually(served: Served, name: str, **labels: str) -> Samples:
    """A scrape once a sample with `labels` exists (work after an ack is counted when Slack's
    answer is back, just after the fake Slack saw the call)."""
    for _ in range(50):
        samples = served.scrape()
        if any(m == name and labels.items() <= dict(ls).items() for m, ls in samples):
            return samples
        time.sleep(0.1)
    raise AssertionError(f"no {name} sample with {labels}")


def test_web_api_calls_are_counted_by_method_and_error_429s_included(  # type: ignore[no-untyped-def]
    serve, fake_slack
) -> None:
    served = serve()
    fake_slack.add_user("UNEW", name="newcomer", real_name="New Comer")
    fake_slack.rate_limit("users.info", retry_after=1)

    _until_known(served.slack, "UNEW")  # a 429, then the retry answered
    _until_known(served.slack, "UGHOST")  # no such user: refused, and an error counted
    post = Post(key="metrics:one", kind="test", channel="C0GENERAL", text="hello")
    with served.deps.db.session() as session:
        enqueue(session, post, now=datetime.now(UTC))
        session.commit()
    served.deps.outbox.drain()  # the sender's own client: counted too
    assert (
        served.slack.command("new", user_id="UNEW").status == 200
    )  # views.open on Bolt's per-request client
    samples = _eventually(served, "onboard_slack_api_calls_total", method="views.open")

    calls = "onboard_slack_api_calls_total"
    assert value(samples, calls, method="users.info", error="ratelimited") == 1
    assert value(samples, calls, method="users.info", error="none") == 1
    assert value(samples, calls, method="users.info", error="user_not_found") == 1
    assert value(samples, calls, method="auth.test", error="none") >= 1  # at start-up
    assert value(samples, calls, method="chat.postMessage", error="none") == 1
    assert value(samples, calls, method="views.open", error="none") == 1


def test_a_failed_answer_without_a_slack_error_is_named_by_status_or_network() -> None:
    from slack_sdk.http_retry import HttpResponse

    assert error_of(None) == "network"
    assert error_of(HttpResponse(status_code=503, headers={}, data=b"<html>")) == "http_503"
    assert error_of(HttpResponse(status_code=429, headers={}, data=b"")) == "ratelimited"
    ok = HttpResponse(status_code=200, headers={}, body={"ok": True})
    assert error_of(ok) == "none"


def test_the_sender_keeps_the_call_counter_but_no_retry(db, settings) -> None:  # type: ignore[no-untyped-def]
    metrics = Metrics()
    client = count_api_calls(make_client(settings), metrics)
    count_api_calls(client, metrics)  # twice: still one counter
    kept = OutboxSender(db, client, settings).client.retry_handlers
    assert [type(h).__name__ for h in kept] == ["ApiCallCounter"]
    assert len(client.retry_handlers) == 4  # the app's client keeps its retries


# ---- the outbox ---------------------------------------------------------------------------


def test_outbox_depth_and_oldest_age_are_read_at_each_scrape(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve()
    empty = served.scrape()
    assert value(empty, "onboard_outbox_pending") == 0
    assert value(empty, "onboard_outbox_oldest_pending_age_seconds") == 0
    now = datetime.now(UTC)
    with served.deps.db.session() as session:
        for key, queued in (("old", now - timedelta(hours=2)), ("new", now)):
            post = Post(key=f"metrics:{key}", kind="test", channel="C0GENERAL", text=key)
            enqueue(session, post, now=queued)
        session.commit()

    waiting = served.scrape()

    assert value(waiting, "onboard_outbox_pending") == 2
    assert 7200 <= value(waiting, "onboard_outbox_oldest_pending_age_seconds") < 7200 + 600
    served.deps.outbox.drain()
    sent = served.scrape()
    assert value(sent, "onboard_outbox_pending") == 0
    assert value(sent, "onboard_outbox_oldest_pending_age_seconds") == 0


# ---- scheduled jobs -------------------------------------------------------------------------


def test_scheduled_job_ticks_are_counted_by_outcome_with_durations(  # type: ignore[no-untyped-def]
    serve, monkeypatch
) -> None:
    def fine(ctx: JobContext) -> JobResult:
        return JobResult()

    def broken(ctx: JobContext) -> JobResult:
        raise RuntimeError("a bug")

    monkeypatch.setattr(jobs, "JOBS", {"test-fine": fine, "test-broken": broken})
    served = serve()
    deps = served.deps
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    scheduler = JobScheduler(
        deps.settings, deps.db, deps.playbooks, clock=lambda: at, metrics=deps.metrics
    )
    scheduler.tick("test-fine")
    scheduler.tick("test-fine")  # the same period again: stands down
    scheduler.tick("test-broken")

    samples = served.scrape()

    runs = "onboard_job_runs_total"
    assert value(samples, runs, job="test-fine", outcome="done") == 1
    assert value(samples, runs, job="test-fine", outcome="stood_down") == 1
    assert value(samples, runs, job="test-broken", outcome="failed") == 1
    assert value(samples, "onboard_job_duration_seconds_count", job="test-fine") == 1
    assert value(samples, "onboard_job_duration_seconds_count", job="test-broken") == 1


# ---- access to /metrics -----------------------------------------------------------------------


def test_a_token_is_required_when_one_is_set(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve(metrics_token=TOKEN)
    assert _status(served.metrics_url) == 401
    assert _status(served.metrics_url, headers={"Authorization": f"Bearer {TOKEN}x"}) == 401
    assert _status(served.metrics_url, headers={"Authorization": TOKEN}) == 401
    samples = served.scrape(token=TOKEN)
    assert ("onboard_outbox_pending", frozenset()) in samples


def test_metrics_answers_get_only(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve()
    assert _status(served.metrics_url, method="POST") == 405
    assert _status(served.metrics_url, method="DELETE") == 405
    assert _status(served.metrics_url) == 200


@pytest.mark.parametrize("token", ["short", "has a space in it somewhere"])
def test_a_weak_or_malformed_metrics_token_stops_start_up(token: str) -> None:
    env = {"ONBOARD_METRICS_TOKEN": token}
    with pytest.raises(SettingsError, match="ONBOARD_METRICS_TOKEN"):
        load_settings(env, require_slack=False)
    assert load_settings({"ONBOARD_METRICS_TOKEN": TOKEN}, require_slack=False).metrics_token
