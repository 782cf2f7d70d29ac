"""The outbox in the database: one row per key, leases that one process wins, and two real
sender processes against one database posting each of 200 rows exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.models import OutboxMessage, OutboxStatus
from bot.services import outbox
from bot.services.outbox import Post, enqueue, enqueue_update, outbox_key
from bot.slack.sender import EVENT_TYPE, OutboxSender

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def post(key: str = "celebration:1:kickoff:", **fields) -> Post:
    fields.setdefault("channel", "C0ACME")
    fields.setdefault("text", f"text of {key}")
    return Post(key=key, kind=key.split(":")[0], **fields)


def one(session, key: str = "celebration:1:kickoff:") -> OutboxMessage:
    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def test_enqueue_twice_is_one_row_and_one_post(db, session, settings, fake_slack) -> None:
    fake_slack.add_channel("C0ACME", "acme")
    assert enqueue(session, post(), now=NOW) is True
    assert enqueue(session, post(text="another wording"), now=NOW) is False
    session.commit()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    sender = OutboxSender(db, None, settings, owner="A")
    assert sender.deliver_due(now=NOW).sent == ["celebration:1:kickoff:"]
    assert enqueue(session, post(), now=NOW) is False  # sent, and still only once
    session.commit()
    assert sender.deliver_due(now=NOW + timedelta(days=1)).sent == []
    assert [m["text"] for m in fake_slack.messages_in("C0ACME")] == [
        "text of celebration:1:kickoff:"
    ]


def test_a_claim_is_won_by_one_owner_until_its_lease_expires(session) -> None:
    enqueue(session, post(), now=NOW)
    session.commit()
    row_id = one(session).id
    first = outbox.claim(session, row_id, owner="A", now=NOW, lease=LEASE)
    session.commit()
    assert first is not None and (first.lease_owner, first.attempts) == ("A", 1)
    assert (
        outbox.claim(session, row_id, owner="B", now=NOW + timedelta(minutes=1), lease=LEASE)
        is None
    )
    assert outbox.due_messages(session, now=NOW + timedelta(minutes=1)) == []
    later = NOW + LEASE + timedelta(seconds=1)
    assert [m.id for m in outbox.due_messages(session, now=later)] == [row_id]
    second = outbox.claim(session, row_id, owner="B", now=later, lease=LEASE)
    session.commit()
    assert second is not None and (second.lease_owner, second.attempts) == ("B", 2)
    # A, whose lease expired, can no longer record anything on the row.
    assert outbox.record_ts(session, row_id, owner="A", channel="C0ACME", ts="1.000001") is False
    assert outbox.renew(session, row_id, owner="A", now=later, lease=LEASE) is False


def test_a_row_not_yet_due_or_settled_is_not_claimed(session) -> None:
    enqueue(session, post("a:1::"), now=NOW + timedelta(hours=1))
    enqueue(session, post("b:1::"), now=NOW)
    session.commit()
    b = one(session, "b:1::")
    outbox.claim(session, b.id, owner="A", now=NOW, lease=LEASE)
    outbox.settle(session, b.id, owner="A", status=OutboxStatus.SKIPPED, error="expired")
    session.commit()
    assert outbox.due_messages(session, now=NOW) == []
    a = one(session, "a:1::")
    assert outbox.claim(session, a.id, owner="A", now=NOW, lease=LEASE) is None
    assert outbox.claim(session, b.id, owner="A", now=NOW, lease=LEASE) is None


def test_new_content_in_flight_keeps_the_row_pending(session) -> None:
    enqueue_update(session, post("plan:1::", text="v1"), now=NOW)
    session.commit()
    row_id = one(session, "plan:1::").id
    outbox.claim(session, row_id, owner="A", now=NOW, lease=LEASE)
    session.commit()
    sent_payload = dict(one(session, "plan:1::").payload)
    enqueue_update(session, post("plan:1::", text="v2"), now=NOW)  # while A is posting v1
    session.commit()
    assert outbox.record_ts(session, row_id, owner="A", channel="C0ACME", ts="1.000001")
    assert not outbox.finish_sent(
        session, row_id, owner="A", channel="C0ACME", payload=sent_payload, now=NOW
    )
    session.commit()
    row = one(session, "plan:1::")
    assert (row.status, row.ts, row.lease_owner, row.payload["text"]) == (
        "pending",
        "1.000001",
        None,
        "v2",
    )
    # The next attempt edits the message in place (it has a ts) with v2.
    assert row.attempts == 1


def test_an_update_of_a_row_whose_outcome_is_unknown_keeps_the_doubt(session) -> None:
    enqueue_update(session, post("plan:1::", text="v1"), now=NOW)
    session.commit()
    row_id = one(session, "plan:1::").id
    outbox.claim(session, row_id, owner="A", now=NOW, lease=LEASE)  # posted? nobody knows
    session.commit()
    enqueue_update(session, post("plan:1::", text="v2"), now=NOW)
    session.commit()
    assert one(session, "plan:1::").attempts == 1  # > 0: the sender looks before posting


def test_keys_carry_kind_onboarding_subject_and_period() -> None:
    assert outbox_key("digest", None, "UCSM", "2026-W48") == "digest:-:UCSM:2026-W48"
    assert outbox_key("stall-alerts", 7, "", "2026-11-24") == "stall-alerts:7::2026-11-24"


def test_two_sender_processes_post_each_of_200_rows_exactly_once(db, session, fake_slack) -> None:
    """Two real processes, one database, one fake Slack that drops and refuses some answers."""
    fake_slack.add_channel("C0ACME", "acme")
    keys = [outbox_key("celebration", 1, f"m{i}", "") for i in range(200)]
    for key in keys:
        enqueue(session, post(key), now=datetime.now(UTC))
    session.commit()
    fake_slack.lose_response("chat.postMessage", how=500, times=4)  # stored, answer lost
    fake_slack.rate_limit("chat.postMessage", times=4, retry_after=1)
    fake_slack.lose_response("chat.postMessage", how="drop", times=3)
    fake_slack.server_error("chat.postMessage", times=4)  # refused, not stored

    start_at = time.time() + 3  # both import, then begin together
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.outbox_worker",
                db.url,
                fake_slack.url,
                owner,
                str(start_at),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for owner in ("process-1", "process-2")
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=150)
        assert worker.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    delivered = Counter(
        m["metadata"]["event_payload"]["key"]
        for m in fake_slack.messages_in("C0ACME")
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    )
    assert set(delivered) == set(keys)
    assert [k for k, n in delivered.items() if n > 1] == []  # nothing doubled
    session.expire_all()
    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    by_key = {
        m["metadata"]["event_payload"]["key"]: m["ts"] for m in fake_slack.messages_in("C0ACME")
    }
    assert all(r.ts == by_key[r.idempotency_key] for r in rows)
    sent = [key for result in results for key in result["sent"]]
    assert sorted(sent) == sorted(keys)  # each reported sent by exactly one process
    assert all(result["sent"] for result in results), "both processes took part"
