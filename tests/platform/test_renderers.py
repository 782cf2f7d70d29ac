"""Posts store their kind and data; the sender renders them when it sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage, OutboxStatus
from bot.services.outbox import Post, enqueue, post_data
from bot.slack import renderers
from bot.slack.client import make_client
from bot.slack.mrkdwn import escape
from bot.slack.rendering import Rendered, renderer
from bot.slack.sender import OutboxSender
from tests.fakeslack import FakeSlack

CHANNEL = "C0ACME"


@dataclass(frozen=True)
class Greeting:
    company: str
    on: date


def _greeting(fact: Greeting) -> Rendered:
    text = f"Hello {escape(fact.company)}, see you {fact.on:%b %d}"
    return Rendered(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


@pytest.fixture
def greeting_kind(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(renderers.REGISTRY, "test_greeting", renderer(Greeting, _greeting))
    return "test_greeting"


def _send(db: Database, settings, fake_slack: FakeSlack, post: Post) -> OutboxMessage:  # type: ignore[no-untyped-def]
    fake_slack.add_channel(CHANNEL, "acme-onboarding")
    now = datetime.now(UTC)
    with db.transaction() as session:
        enqueue(session, post, now=now)
    OutboxSender(db, make_client(settings), settings, owner="A", timeout=1).deliver_due(now=now)
    with db.session() as session:
        return session.scalars(select(OutboxMessage)).one()


def test_a_post_is_rendered_from_its_data_when_it_is_sent(db, settings, fake_slack, greeting_kind):  # type: ignore[no-untyped-def]
    fact = Greeting("<!channel> & Co", date(2026, 12, 7))
    post = Post("g:1::", greeting_kind, CHANNEL, data=post_data(fact))
    row = _send(db, settings, fake_slack, post)
    assert row.payload["data"] == {"company": "<!channel> & Co", "on": "2026-12-07"}
    assert "blocks" not in row.payload  # the outbox holds facts, not markup
    posted = fake_slack.calls_to("chat.postMessage")[-1].params
    assert posted["text"] == "Hello &lt;!channel&gt; &amp; Co, see you Dec 07"
    assert row.status == OutboxStatus.SENT


def test_a_post_of_an_unknown_kind_fails_without_reaching_slack(db, settings, fake_slack):  # type: ignore[no-untyped-def]
    row = _send(db, settings, fake_slack, Post("x:1::", "no_such_kind", CHANNEL, data={"a": 1}))
    assert row.status == OutboxStatus.FAILED and row.last_error == "cannot_render"
    assert fake_slack.calls_to("chat.postMessage") == []


def test_data_that_no_longer_fits_its_kind_fails_cleanly(db, settings, fake_slack, greeting_kind):  # type: ignore[no-untyped-def]
    row = _send(db, settings, fake_slack, Post("g:2::", greeting_kind, CHANNEL, data={"on": "x"}))
    assert row.status == OutboxStatus.FAILED and row.last_error == "cannot_render"
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_row_queued_before_send_time_rendering_is_sent_as_it_was(db, settings, fake_slack):  # type: ignore[no-untyped-def]
    post = Post("old:1::", "celebration", CHANNEL, text="Kickoff held")
    row = _send(db, settings, fake_slack, post)
    assert fake_slack.calls_to("chat.postMessage")[-1].params["text"] == "Kickoff held"
    assert row.status == OutboxStatus.SENT


def test_every_post_kind_has_one_renderer() -> None:
    assert renderers._gather() == renderers.REGISTRY
