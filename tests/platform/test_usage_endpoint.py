"""`POST /usage` over real HTTP against the real server, as the product would send it."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.entry.app import create_app
from bot.entry.server import create_server, make_wsgi_app
from bot.entry.usage_endpoint import MAX_BODY_BYTES, signature
from bot.models import UsageRecord
from bot.playbooks import PlaybookLibrary
from tests.factories import open_onboarding
from tests.fakeslack import FakeSlack

SECRET = "usage-secret-0123456789"
Post = Callable[..., tuple[int, Any]]


def _serve(settings: Settings, db: Database, playbooks: PlaybookLibrary) -> Iterator[str]:
    app = create_app(settings, db=db, playbooks=playbooks)
    wsgi = make_wsgi_app(app, db)
    server = create_server(
        wsgi, host="127.0.0.1", port=0, threads=4, max_body_bytes=2 * MAX_BODY_BYTES
    )
    thread = threading.Thread(target=_run, args=(server,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/usage"
    server.close()
    thread.join(timeout=5)
    app.onboard_deps.users.close()


def _run(server: Any) -> None:
    with contextlib.suppress(OSError):  # closing the socket from the test thread ends run()
        server.run()


def _poster(url: str) -> Post:
    def post(body: Any, *, sign_with: str | None = SECRET, header: str | None = None) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(url, data=raw, method="POST")
        request.add_header("Content-Type", "application/json")
        if header is not None:
            request.add_header("X-Onboard-Signature", header)
        elif sign_with is not None:
            request.add_header("X-Onboard-Signature", signature(sign_with, raw))
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text.startswith(b"{") else text

    return post


@pytest.fixture
def post(
    settings: Settings, db: Database, playbooks: PlaybookLibrary, fake_slack: FakeSlack
) -> Iterator[Post]:
    served = _serve(replace(settings, usage_secret=SECRET), db, playbooks)
    yield _poster(next(served))
    next(served, None)


@pytest.fixture
def acme(session, playbooks) -> int:  # type: ignore[no-untyped-def]
    open_onboarding(session, playbooks, "Northwind Traders")
    return open_onboarding(session, playbooks, "Acme Manufacturing")


def _record(**fields: Any) -> dict[str, Any]:
    record = {
        "customer": "Acme Manufacturing",
        "date": "2026-12-01",
        "active_users": 12,
        "licensed_users": 40,
        "features": {"dashboards": 3, "alerts": 0},
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


def _rows(db: Database) -> list[tuple[int, str, int, int, dict[str, Any]]]:
    with db.session() as session:
        return [
            (r.onboarding_id, r.day.isoformat(), r.active_users, r.licensed_users, r.features)
            for r in session.scalars(select(UsageRecord).order_by(UsageRecord.day))
        ]


def test_a_signed_batch_is_stored_and_counted(post: Post, db: Database, acme: int) -> None:
    status, answer = post(
        {"records": [_record(), _record(date="2026-12-02", customer="acme", active_users=15)]}
    )

    assert (status, answer) == (200, {"ok": True, "accepted": 2})
    assert _rows(db) == [
        (acme, "2026-12-01", 12, 40, {"dashboards": 3, "alerts": 0}),
        (acme, "2026-12-02", 15, 40, {"dashboards": 3, "alerts": 0}),
    ]


def test_sending_a_day_again_replaces_it(post: Post, db: Database, acme: int) -> None:
    post({"records": [_record()]})
    status, answer = post(
        {"records": [_record(onboarding_id=acme, customer=None, active_users=20, features={})]}
    )

    assert (status, answer) == (200, {"ok": True, "accepted": 1})
    assert _rows(db) == [(acme, "2026-12-01", 20, 40, {})]


@pytest.mark.parametrize(
    ("header", "secret"),
    [(None, None), ("sha256=" + "0" * 64, None), (None, "another-secret-0123456"), ("", None)],
    ids=["missing", "wrong-digest", "wrong-secret", "empty"],
)
def test_an_unsigned_or_badly_signed_batch_is_refused(
    post: Post, db: Database, acme: int, header: str | None, secret: str | None
) -> None:
    status, answer = post({"records": [_record()]}, sign_with=secret, header=header)

    assert status == 401
    assert answer["ok"] is False
    assert _rows(db) == []


def test_the_signature_covers_the_raw_body(post: Post, db: Database, acme: int) -> None:
    raw = json.dumps({"records": [_record()]}).encode()
    header = signature(SECRET, raw)
    tampered = raw.replace(b"12", b"13")

    assert post(tampered, header=header)[0] == 401
    assert _rows(db) == []


@pytest.mark.parametrize(
    ("bad", "field", "says"),
    [
        ({"customer": "Globex"}, "customer", "unknown customer 'Globex'"),
        ({"active_users": -1}, "active_users", "cannot be negative"),
        ({"licensed_users": 40.5}, "licensed_users", "whole number"),
        ({"active_users": "12"}, "active_users", "whole number"),
        ({"date": "2026-02-30"}, "date", "not a calendar date"),
        ({"date": "12/10/2026"}, "date", "YYYY-MM-DD"),
        ({"active_users": 41}, "active_users", "41 active is more than 40 licensed"),
        ({"features": {"alerts": -2}}, "features.alerts", "cannot be negative"),
        ({"onboarding_id": 999999, "customer": None}, "onboarding_id", "no onboarding 999999"),
        ({"seats": 3}, "seats", "unknown field"),
    ],
)
def test_an_invalid_record_refuses_the_whole_batch_naming_it(
    post: Post, db: Database, acme: int, bad: dict[str, Any], field: str, says: str
) -> None:
    good = _record(date="2026-11-30")
    status, answer = post({"records": [good, _record(**bad)]})

    assert status == 400
    assert answer["ok"] is False
    assert answer["error"]["index"] == 1
    assert answer["error"]["field"] == field
    assert says in answer["error"]["message"]
    assert _rows(db) == []  # not even the valid first record


def test_a_body_that_is_not_a_batch_is_a_400(post: Post, db: Database, acme: int) -> None:
    assert post(b"not json")[0] == 400
    status, answer = post({"rows": []})
    assert status == 400
    assert "records" in answer["error"]


def test_a_body_over_one_megabyte_is_refused(post: Post, db: Database, acme: int) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    status, _ = post({"records": [_record()], "padding": padding})

    assert status == 413
    assert _rows(db) == []


def test_without_a_secret_the_endpoint_is_off_and_says_so(
    settings: Settings,
    db: Database,
    playbooks: PlaybookLibrary,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    acme: int,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.entry.usage_endpoint"):
        served = _serve(replace(settings, usage_secret=""), db, playbooks)
        url = next(served)
    try:
        status, answer = _poster(url)({"records": [_record()]}, sign_with="")
    finally:
        next(served, None)

    assert status == 404
    assert answer["ok"] is False
    assert "POST /usage is off: ONBOARD_USAGE_SECRET is not set" in caplog.text
    assert _rows(db) == []


def test_a_customer_whose_onboarding_closed_still_gets_its_usage(
    post: Post,
    db: Database,
    session,
    acme: int,  # type: ignore[no-untyped-def]
) -> None:
    from bot.models import Onboarding, OnboardingStatus

    session.get(Onboarding, acme).status = OnboardingStatus.CLOSED
    session.commit()

    assert post({"records": [_record()]}) == (200, {"ok": True, "accepted": 1})
    assert [row[0] for row in _rows(db)] == [acme]
