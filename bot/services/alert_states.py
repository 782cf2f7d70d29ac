"""Alert bookkeeping: one AlertState row per (onboarding, signal, subject), and what each
stall-alerts run changes in it.

The telling rule (quiet by default): a signal is told once, when it is new. It is told again
only when it gets worse (`Gravity`: a higher severity or level, or its measure reaching the next
`worse_at` value of templates/signals.yml), when a snooze ran out, or as the weekly reminder:
on Mondays (local), when it was last told at least ONBOARD_RENOTIFY_DAYS local calendar days
ago. Never while snoozed; once acknowledged, only when it gets worse, until the acknowledgement
ends (ONBOARD_ACKNOWLEDGE_DAYS, then it is told once more); a signal another one
covers (signals.yml `covered_by`) is not reminded. A signal that is no longer detected is
cleared; back within ONBOARD_ALERT_RETURN_DAYS it goes on where it was, later it is new again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from bot.calendar import time_zone
from bot.models import AlertState, Onboarding, OnboardingStatus
from bot.services.signals import (
    OPEN_STATUSES,
    Gravity,
    OnboardingRow,
    Signal,
    fingerprint_gravity,
    fingerprint_level,
)

# Reminders of every lasting signal come together, on Mondays (local), so they make one post.
REMINDER_WEEKDAY = 0


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
    ACKNOWLEDGEMENT_OVER = "acknowledgement over"


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
    return_days: int = 0,
    acknowledge_days: int = 0,
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
        elif row.cleared_at is not None and not _returns(row, now, return_days):
            change.values = _seen_again(signal, now) | seen
            change.reason = Reason.NEW
        else:
            if row.cleared_at is not None:  # back within days: the same alert, continued
                seen["cleared_at"] = None
            change.reason = _verdict(
                signal, row, now, renotify_days, onboarding, default_timezone, acknowledge_days
            )
            if change.reason is None and signal.gravity.better_than(_told(signal, row)):
                seen["state"] = signal.fingerprint  # better: remember quietly
            if (
                change.reason is not None
                or len(seen) > 3
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


def _returns(row: AlertRow, now: datetime, days: int) -> bool:
    """A told alert that went away fewer than `days` days ago: its coming back is not news."""
    assert row.cleared_at is not None
    return row.last_notified_at is not None and (now - row.cleared_at).days < days


def _new_day(row: AlertRow, now: datetime, onboarding: OnboardingRow, default: str) -> bool:
    return _local_days(row.last_seen_at, now, onboarding.timezone, default) >= 1


def _told(signal: Signal, row: AlertRow) -> Gravity:
    """How bad the alert was when last told (or remembered better since). A row stored before
    steps and severities were kept counts as told at the signal's own step and severity."""
    return fingerprint_gravity(row.state) or Gravity(
        fingerprint_level(row.state), signal.step, signal.severity.rank
    )


def _verdict(
    signal: Signal,
    row: AlertRow,
    now: datetime,
    renotify_days: int,
    onboarding: OnboardingRow,
    default_timezone: str,
    acknowledge_days: int = 0,
) -> Reason | None:
    told = _told(signal, row)
    # A covered signal (a late milestone while "Multiple delays" lists it) is told again only
    # when its level or severity rises, not at each step of its measure.
    gravity = signal.gravity._replace(step=told.step) if signal.covered else signal.gravity
    worse = gravity.worse_than(told)
    if not worse and gravity.better_than(told):
        return None
    if row.snoozed_until is not None and row.snoozed_until > now:
        return None
    if worse:
        return Reason.WORSE
    if row.acknowledged_at is not None:
        # An acknowledgement holds `acknowledge_days` days (0: until it gets worse); when it
        # ends the signal is told once more, then Monday's reminders resume.
        ends = row.acknowledged_at + timedelta(days=acknowledge_days)
        if not acknowledge_days or now < ends:
            return None
        if row.last_notified_at is not None and row.last_notified_at < ends:
            return Reason.ACKNOWLEDGEMENT_OVER
    if row.last_notified_at is None:
        return Reason.NEW
    if row.snoozed_until is not None and row.last_notified_at < row.snoozed_until <= now:
        return Reason.SNOOZE_OVER
    if signal.covered:
        return None  # reminded by the signal that covers it
    tz = time_zone(onboarding.timezone, default_timezone)
    if now.astimezone(tz).weekday() != REMINDER_WEEKDAY:
        return None
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
