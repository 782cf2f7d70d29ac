"""Alert bookkeeping: one AlertState row per (onboarding, signal, subject), and what each
stall-alerts run changes in it.

No alert fatigue: a detected signal notifies when it is new, when its state got worse, when
the re-notify interval (ONBOARD_RENOTIFY_DAYS, counted in local calendar days) has passed since
it was last notified, or when a snooze ran out - never while snoozed, and never again once
acknowledged until it gets worse. A signal that is no longer detected is cleared and stops; if
it comes back it is new again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.models import AlertState, Onboarding, OnboardingStatus
from bot.services.signals import OPEN_STATUSES, OnboardingRow, Signal, fingerprint_level


class AlertRow(NamedTuple):
    onboarding_id: int
    id: int
    signal: str
    subject: str
    state: str
    since: datetime
    last_seen_at: datetime
    last_notified_at: datetime | None
    notify_count: int
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    cleared_at: datetime | None


def alert_rows_statement() -> Select:
    """Every alert state of the open onboardings, ordered for `signals.Aligned`."""
    return (
        select(
            AlertState.onboarding_id,
            AlertState.id,
            AlertState.signal,
            AlertState.subject,
            AlertState.state,
            AlertState.since,
            AlertState.last_seen_at,
            AlertState.last_notified_at,
            AlertState.notify_count,
            AlertState.acknowledged_at,
            AlertState.snoozed_until,
            AlertState.cleared_at,
        )
        .where(
            AlertState.onboarding_id.in_(
                select(Onboarding.id).where(Onboarding.status.in_(OPEN_STATUSES))
            )
        )
        .order_by(AlertState.onboarding_id, AlertState.id)
    )


class Reason(enum.StrEnum):
    NEW = "new"
    WORSE = "worse"
    REMINDER = "reminder"
    SNOOZE_OVER = "snooze over"


@dataclass
class Change:
    """What one run does to one alert state.

    `values` are written whatever happens; `notified` only when the alert was really queued
    (so an alert whose post could not be queued is notified on the next run, not lost)."""

    signal: Signal | None
    row: AlertRow | None
    reason: Reason | None = None
    values: dict[str, Any] = field(default_factory=dict)
    notified: dict[str, Any] = field(default_factory=dict)
    alert_id: int | None = None

    @property
    def notify(self) -> bool:
        return self.reason is not None


def _local_days(earlier: datetime, later: datetime, tz_name: str | None, default: str) -> int:
    tz = time_zone(tz_name, default)
    return (later.astimezone(tz).date() - earlier.astimezone(tz).date()).days


def reconcile(
    onboarding: OnboardingRow,
    signals: Iterable[Signal],
    rows: Iterable[AlertRow],
    now: datetime,
    *,
    renotify_days: int,
    default_timezone: str,
) -> list[Change]:
    """Decide, for each signal and each known alert state of one onboarding, what changes."""
    by_key = {(r.signal, r.subject): r for r in rows}
    changes: list[Change] = []
    for signal in signals:
        row = by_key.pop((signal.alert_key, signal.subject), None)
        change = Change(signal, row)
        seen = {"last_seen_at": now, "severity": signal.severity.value, "since": signal.since}
        if row is None:
            change.values = _first_seen(onboarding, signal, now) | seen
            change.reason = Reason.NEW
        elif row.cleared_at is not None:
            change.values = _seen_again(signal, now) | seen
            change.reason = Reason.NEW
        else:
            change.reason = _verdict(signal, row, now, renotify_days, onboarding, default_timezone)
            if signal.level < fingerprint_level(row.state):
                seen["state"] = signal.fingerprint  # better: remember quietly
            if (
                change.reason is not None
                or seen.get("state")
                or _new_day(row, now, onboarding, default_timezone)
                or row.since != signal.since
            ):
                change.values = seen
        if change.reason is not None:
            change.notified = _notified(signal, row, change.reason, now)
        changes.append(change)
    for row in by_key.values():
        if row.cleared_at is None:
            changes.append(Change(None, row, values={"cleared_at": now}))
    return changes


def _first_seen(onboarding: OnboardingRow, signal: Signal, now: datetime) -> dict[str, Any]:
    return {
        "onboarding_id": onboarding.id,
        "signal": signal.alert_key,
        "subject": signal.subject,
        "state": signal.fingerprint,
        "first_seen_at": now,
        "notify_count": 0,
    }


def _seen_again(signal: Signal, now: datetime) -> dict[str, Any]:
    """A cleared alert that came back: new again, its answers forgotten."""
    return {
        "state": signal.fingerprint,
        "first_seen_at": now,
        "cleared_at": None,
        "last_notified_at": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "snoozed_until": None,
        "snoozed_by": None,
    }


def _notified(
    signal: Signal, row: AlertRow | None, reason: Reason, now: datetime
) -> dict[str, Any]:
    notified: dict[str, Any] = {
        "state": signal.fingerprint,
        "last_notified_at": now,
        "notify_count": (row.notify_count if row else 0) + 1,
    }
    if reason == Reason.WORSE:
        notified.update(acknowledged_at=None, acknowledged_by=None)
    return notified


def _new_day(row: AlertRow, now: datetime, onboarding: OnboardingRow, default: str) -> bool:
    return _local_days(row.last_seen_at, now, onboarding.timezone, default) >= 1


def _verdict(
    signal: Signal,
    row: AlertRow,
    now: datetime,
    renotify_days: int,
    onboarding: OnboardingRow,
    default_timezone: str,
) -> Reason | None:
    stored_level = fingerprint_level(row.state)
    worse = signal.level > stored_level or (
        signal.level == stored_level and signal.fingerprint != row.state
    )
    if signal.level < stored_level:
        return None
    if row.snoozed_until is not None and row.snoozed_until > now:
        return None
    if worse:
        return Reason.WORSE
    if row.acknowledged_at is not None:
        return None
    if row.last_notified_at is None:
        return Reason.NEW
    if row.snoozed_until is not None and row.last_notified_at < row.snoozed_until <= now:
        return Reason.SNOOZE_OVER
    days = _local_days(row.last_notified_at, now, onboarding.timezone, default_timezone)
    return Reason.REMINDER if days >= renotify_days else None


def save_changes(session: Session, changes: list[Change], *, notified: set[int]) -> None:
    """Write a batch of changes after `insert_new`. `notified` holds the alert ids whose post
    was queued; the others keep their last notification."""
    updates: list[dict[str, Any]] = []
    for change in changes:
        values = {} if change.row is None else dict(change.values)
        if change.alert_id in notified:
            values.update(change.notified)
        if values:
            updates.append({"id": change.alert_id, **values})
    if updates:
        session.execute(update(AlertState), updates)


def insert_new(session: Session, changes: list[Change]) -> None:
    """Insert the alert states seen for the first time, giving each change its alert id."""
    new = [c for c in changes if c.row is None]
    states = [AlertState(**c.values) for c in new]
    session.add_all(states)
    session.flush()
    for change, state in zip(new, states, strict=True):
        change.alert_id = state.id
    for change in changes:
        if change.row is not None:
            change.alert_id = change.row.id


def clear_closed(session: Session, now: datetime) -> None:
    """Alerts of onboardings that closed stop for good."""
    session.execute(
        update(AlertState)
        .where(
            AlertState.cleared_at.is_(None),
            AlertState.onboarding_id.in_(
                select(Onboarding.id).where(Onboarding.status == OnboardingStatus.CLOSED)
            ),
        )
        .values(cleared_at=now)
        .execution_options(synchronize_session=False)
    )


def chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
