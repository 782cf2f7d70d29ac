"""The book the stall-detection bench loads: N open onboardings with rows for every fact
source of the scan it knows (`FILLED`), bulk-loaded with Core `insert()` executemany."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from sqlalchemy import insert, text

from bot import rollup
from bot.db import Database
from bot.models import (
    Blocker,
    ChangeRequest,
    Commitment,
    ConversationMessage,
    HealthCheck,
    HypercareIssue,
    Integration,
    Milestone,
    Onboarding,
    Stakeholder,
    TrainingSession,
    UsageRecord,
)
from bot.services.signals import SOURCES

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, after 09:00 UTC
NOON = clock(12)
BATCH = 5000
# Mid-market milestones, as calendar-day offsets from the start date (business days * 1.4).
MILESTONES = [
    ("handoff", "Handoff complete", 1),
    ("kickoff", "Kickoff held", 4),
    ("technical_setup", "Technical setup complete", 11),
    ("first_value", "First value", 14),
    ("training", "Training delivered", 38),
    ("pilot", "Pilot success", 45),
    ("go_live", "Go-live", 53),
    ("hypercare_exit", "Hypercare exit", 74),
    ("transition", "Transition", 84),
]
ROLES = ["executive_sponsor", "champion", "technical_lead"]
HEALTH = ["healthy"] * 6 + ["monitor", "monitor", "at_risk", "critical"]
INTEGRATIONS = ["SSO", "SAP ERP", "Salesforce"]
TRACKS = ["admins", "power_users", "end_users"]
# The tables this bench fills for each fact source of the scan (bot/services/signals/scan.py).
# A source missing here is reported, and its signals are not measured.
FILLED = {
    "milestones": Milestone,
    "blockers": Blocker,
    "stakeholders": Stakeholder,
    "champions": Stakeholder,
    "commitments": Commitment,
    "issues": HypercareIssue,
    "health": HealthCheck,
    "integrations": Integration,
    "training": TrainingSession,
    "usage": UsageRecord,
    "conversation": ConversationMessage,
    "customer_replies": ConversationMessage,
    "scope": ChangeRequest,
}


def unfilled_sources() -> list[str]:
    return [source.field for source in SOURCES if source.field not in FILLED]


def rows_for(first_id: int, count: int, rng: random.Random) -> dict[type, list[dict]]:
    out: dict[type, list[dict]] = {Onboarding: []} | {model: [] for model in FILLED.values()}
    for oid in range(first_id, first_id + count):
        start = (NOW - timedelta(days=rng.randint(0, 150))).date()
        hypercare = rng.random() < 0.10
        out[Onboarding].append(
            {
                "id": oid,
                "company_name": f"Customer {oid:06d}",
                "company_key": f"customer {oid:06d}",
                "arr": Decimal(rng.randint(25, 99) * 1000),
                "start_date": start,
                "segment": "Mid-Market",
                "playbook": "mid_market",
                "status": "hypercare" if hypercare else "active",
                "csm_user_id": f"UCSM{oid % 20:02d}",
                "ae_user_id": "UAE",
                "customer_channel_id": f"C{oid:08d}",
                "internal_channel_id": None,
                "timezone": rng.choice([None, None, "America/New_York", "Europe/Berlin"]),
                "last_activity_at": NOW - timedelta(hours=rng.randint(0, 24 * 12)),
                "created_by": "UAE",
                "created_at": datetime.combine(start, datetime.min.time(), UTC),
                "updated_at": NOW,
                "handoff_missing": [],
                "baseline_plan_items": 49,  # 9 milestones and 40 checklist items
                "go_live_at": datetime.combine(start + timedelta(days=53), NOON, UTC)
                if (NOW.date() - start).days > 55
                else None,
            }
        )
        for position, (key, name, offset) in enumerate(MILESTONES):
            due = start + timedelta(days=offset)
            done = due < NOW.date() - timedelta(days=rng.randint(-5, 6)) and rng.random() < 0.9
            out[Milestone].append(
                {
                    "onboarding_id": oid,
                    "position": position,
                    "key": key,
                    "name": name,
                    "phase_key": key,
                    "due_date": due,
                    "status": "complete" if done else "pending",
                }
            )
        for i, role in enumerate(ROLES[: 1 if rng.random() < 0.05 else 3]):
            out[Stakeholder].append(
                {
                    "onboarding_id": oid,
                    "name": f"Person {oid}-{i}",
                    "role": role,
                    "departed_at": NOW - timedelta(days=3)
                    if role == "champion" and rng.random() < 0.02
                    else None,
                    "last_contact_at": NOW - timedelta(days=rng.randint(0, 10)),
                }
            )
        for i in range(2):
            due = start + timedelta(days=rng.randint(10, 120))
            kept = due < NOW.date() and rng.random() < 0.85  # most promises are delivered
            out[Commitment].append(
                {
                    "onboarding_id": oid,
                    "text": f"Promise {i}",
                    "status": "done" if kept else "open",
                    "due_date": due,
                    "owner_user_id": "UAE",
                }
            )
        if rng.random() < 0.2:
            out[Blocker].append(
                {
                    "onboarding_id": oid,
                    "reason": "Waiting on IT",
                    "owner_user_id": "UIT",
                    "opened_at": NOW - timedelta(hours=rng.randint(1, 24 * 10)),
                    "opened_by": "UCSM",
                }
            )
        if hypercare:
            for number in (1, 2):
                opened = NOW - timedelta(hours=rng.randint(1, 72))
                out[HypercareIssue].append(
                    {
                        "onboarding_id": oid,
                        "number": number,
                        "severity": rng.choice(["P1", "P2", "P3", "P4"]),
                        "title": "Issue",
                        "opened_at": opened,
                        "opened_by": "UCSM",
                        "first_response_at": None
                        if rng.random() < 0.5
                        else opened + timedelta(minutes=20),
                        "resolved_at": None if rng.random() < 0.6 else opened + timedelta(hours=1),
                    }
                )
        _later_rows(out, oid, start, rng)
        _usage_rows(out, oid, start, rng)
        _conversation_rows(out, oid, rng)
        _change_rows(out, oid, rng)
    return out


def _change_rows(out: dict[type, list[dict]], oid: int, rng: random.Random) -> None:
    """Change requests on 20 %: 1-8 each, 70 % approved (more than 4 of 49 is scope growing)."""
    if rng.random() >= 0.2:
        return
    for number in range(1, rng.randint(1, 8) + 1):
        asked = NOW - timedelta(days=rng.randint(1, 60))
        approved = rng.random() < 0.7
        out[ChangeRequest].append(
            {
                "onboarding_id": oid,
                "number": number,
                "text": "Add the Munich plant",
                "requested_by": "UCUST",
                "requested_at": asked,
                "status": "approved" if approved else "open",
                "decided_by": "UCSM" if approved else None,
                "decided_at": asked + timedelta(hours=4) if approved else None,
            }
        )


def _conversation_rows(out: dict[type, list[dict]], oid: int, rng: random.Random) -> None:
    """0-12 top-level messages in the customer channel over the last three weeks, the sides
    mixed, each answering the other side's pending ones (the conversation signals: some
    customers wait on us, some have gone quiet, some answer slowly)."""
    sent = NOW - timedelta(days=rng.randint(1, 21))
    pending: list[dict] = []
    for _ in range(rng.randint(0, 12)):
        side = "customer" if rng.random() < 0.5 else "team"
        answered = [m for m in pending if m["side"] != side]
        row = {
            "onboarding_id": oid,
            "channel_id": f"C{oid:08d}",
            "ts": f"{sent.timestamp():.6f}",
            "thread_ts": None,
            "sent_at": sent,
            "side": side,
            "kind": "reply" if answered else "question",
            "answers_at": answered[0]["sent_at"] if answered else None,
            "answered_at": None,
        }
        for m in answered:
            m["answered_at"] = sent
        pending = [m for m in pending if m["answered_at"] is None] + [row]
        out[ConversationMessage].append(row)
        sent += timedelta(minutes=rng.randint(5, 60 * 30))
        if sent >= NOW:
            break


def _usage_rows(out: dict[type, list[dict]], oid: int, start: date, rng: random.Random) -> None:
    """Two weeks of daily usage for 70 % of those past technical setup (day 11): some idle,
    some dropping, most steady (the usage signals)."""
    if (NOW.date() - start).days <= 11 or rng.random() >= 0.7:
        return
    licensed = rng.randint(10, 200)
    weeks = [rng.randint(0, licensed), rng.randint(0, licensed)]
    for back in range(1, 15):
        active = weeks[back > 7]
        out[UsageRecord].append(
            {
                "onboarding_id": oid,
                "day": NOW.date() - timedelta(days=back),
                "active_users": max(0, min(licensed, active + rng.randint(-3, 3))),
                "licensed_users": licensed,
                "features": {"dashboards": rng.randint(0, 5), "alerts": rng.randint(0, 2)},
                "received_at": NOW,
            }
        )


def _later_rows(out: dict[type, list[dict]], oid: int, start: date, rng: random.Random) -> None:
    """Health checks, integrations and training sessions (the signals of issues 5 and 6)."""
    # Up to 6 weekly checks, the last 0-13 days ago: about half are due again (7 days).
    last = NOW - timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 12))
    for week in range(min((last.date() - start).days // 7, rng.randint(0, 6))):
        out[HealthCheck].append(
            {
                "onboarding_id": oid,
                "checked_at": last - timedelta(days=7 * week),
                "checked_by": "UCSM",
                "answers": {},
                "ratings": {},
                "no_count": 0,
                "score": 70,
                "status": rng.choice(HEALTH),
                "note": "",
            }
        )
    for name in INTEGRATIONS[: rng.randint(0, 3)]:
        failing = rng.random() < 0.1
        out[Integration].append(
            {
                "onboarding_id": oid,
                "name": name,
                "owner_user_id": "UIT",
                "status": "failing" if failing else "verified",
                "config_notes": "IDoc sync   times out" if failing else "",
                "updated_at": NOW - timedelta(hours=rng.randint(1, 24 * 20)),
            }
        )
    if (NOW.date() - start).days > 40:  # training is due about 38 days in
        for track in TRACKS:
            invited = rng.randint(5, 40)
            out[TrainingSession].append(
                {
                    "onboarding_id": oid,
                    "track": track,
                    "invited": invited,
                    "attended": round(invited * rng.uniform(0.6, 1.0)),  # half below 80 %
                    "delivered_at": datetime.combine(start + timedelta(days=38), NOON, UTC),
                }
            )


def load(db: Database, first_id: int, count: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed + first_id)
    totals: dict[str, int] = {}
    for offset in range(0, count, BATCH):
        rows = rows_for(first_id + offset, min(BATCH, count - offset), rng)
        with db.engine.begin() as connection:
            for model, values in rows.items():
                if values:
                    connection.execute(insert(model), values)
                    totals[model.__tablename__] = totals.get(model.__tablename__, 0) + len(values)
            # What the app's flush does for the rows it writes (a bulk insert skips the ORM).
            rollup.refresh(connection, [row["id"] for row in rows[Onboarding]])
    with db.engine.begin() as connection:  # what autovacuum / a nightly ANALYZE would do
        connection.execute(text("ANALYZE"))
    return totals
