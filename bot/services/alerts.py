"""Alert bookkeeping: one AlertState row per (onboarding, signal, subject), and its answers.

No alert fatigue: a detected signal notifies when it is new, when its state got worse, when
the re-notify interval (ONBOARD_RENOTIFY_DAYS, counted in local calendar days) has passed since
it was last notified, or when a snooze ran out - never while snoozed, and never again once
acknowledged until it gets worse. A signal that is no longer detected is cleared and stops; if
it comes back it is new again.

Routing (where an onboarding's grouped alert goes) is decided here too, from what a
`ChannelPrivacy` knows about the channels; bot/slack/channel_privacy.py asks Slack.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from bot.calendar import local_midnight, time_zone
from bot.models import AlertState, Onboarding, OnboardingStatus
from bot.services.activity import record_activity
from bot.services.errors import NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.signals import (
    OPEN_STATUSES,
    OnboardingRow,
    Signal,
    SignalCatalog,
    fingerprint_level,
    signal_kind,
)

SNOOZE_DAYS = (1, 3)


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
    """Every alert state of the open onboardings, ordered for `signals.align`."""
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
        changes.append(change)
        seen = {"last_seen_at": now, "severity": signal.severity.value, "since": signal.since}
        if row is None:
            change.values = {
                "onboarding_id": onboarding.id,
                "signal": signal.alert_key,
                "subject": signal.subject,
                "state": signal.fingerprint,
                "first_seen_at": now,
                "notify_count": 0,
                **seen,
            }
            change.reason = Reason.NEW
        elif row.cleared_at is not None:
            change.values = {
                **seen,
                "state": signal.fingerprint,
                "first_seen_at": now,
                "cleared_at": None,
                "last_notified_at": None,
                "acknowledged_at": None,
                "acknowledged_by": None,
                "snoozed_until": None,
                "snoozed_by": None,
            }
            change.reason = Reason.NEW
        else:
            change.reason = _verdict(signal, row, now, renotify_days, onboarding, default_timezone)
            stored_level = fingerprint_level(row.state)
            if signal.level < stored_level:
                seen["state"] = signal.fingerprint  # better: remember quietly
            if (
                change.reason is not None
                or seen.get("state")
                or _new_day(row, now, onboarding, default_timezone)
                or row.since != signal.since
            ):
                change.values = seen
        if change.reason is not None:
            change.notified = {
                "state": signal.fingerprint,
                "last_notified_at": now,
                "notify_count": (row.notify_count if row else 0) + 1,
            }
            if change.reason == Reason.WORSE:
                change.notified.update(acknowledged_at=None, acknowledged_by=None)
    for row in by_key.values():
        if row.cleared_at is None:
            changes.append(Change(None, row, values={"cleared_at": now}))
    return changes


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
    """Write a batch of changes after `insert_new` (the caller commits). `notified` holds the
    alert ids whose post was queued; the others keep their last notification."""
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


# ---- routing ----------------------------------------------------------------------------------


class ChannelPrivacy(Protocol):
    def shared(self, channel_id: str) -> bool | None:
        """True when another organisation may read the channel, False when it is known to be
        internal, None when it cannot be told (Slack unreachable, no token)."""


class NoPrivacyInfo:
    """Without Slack nothing is known: customer channels are treated as shared."""

    def shared(self, channel_id: str) -> bool | None:
        return None


class DestinationKind(enum.StrEnum):
    CUSTOMER_CHANNEL = "customer channel"
    INTERNAL_CHANNEL = "internal channel"
    OWNER_DM = "owner DM"
    ESCALATION_CHANNEL = "escalation channel"


@dataclass(frozen=True)
class Destination:
    channel: str
    kind: DestinationKind
    # Only the high and critical signals go to the escalation destinations.
    escalated_only: bool = False


def route(
    onboarding: OnboardingRow,
    escalate: bool,
    privacy: ChannelPrivacy,
    escalation_channel_id: str = "",
) -> list[Destination]:
    """Where one onboarding's grouped alert goes.

    The customer channel only when it is known to be internal; else the internal channel
    unless it is known to be shared (Onboard creates it private; an admin chose it as internal);
    else the owner's DM. High and critical signals also go to the owner by DM and to the
    escalation channel (unless it is known to be shared). Never a channel shared externally."""
    customer, internal = onboarding.customer_channel_id, onboarding.internal_channel_id
    if customer and privacy.shared(customer) is False:
        primary = Destination(customer, DestinationKind.CUSTOMER_CHANNEL)
    elif internal and privacy.shared(internal) is not True:
        primary = Destination(internal, DestinationKind.INTERNAL_CHANNEL)
    else:
        primary = Destination(onboarding.csm_user_id, DestinationKind.OWNER_DM)
    destinations = [primary]
    if not escalate:
        return destinations
    if primary.kind != DestinationKind.OWNER_DM:
        destinations.append(Destination(onboarding.csm_user_id, DestinationKind.OWNER_DM, True))
    escalation = escalation_channel_id
    if (
        escalation
        and escalation not in {d.channel for d in destinations}
        and privacy.shared(escalation) is not True
    ):
        destinations.append(Destination(escalation, DestinationKind.ESCALATION_CHANNEL, True))
    return destinations


# ---- acknowledge and snooze (from the alert's buttons) -----------------------------------------


@dataclass(frozen=True)
class AlertAnswer:
    onboarding_id: int
    company_name: str
    names: list[str]
    actor: str
    at: datetime
    snoozed_until: datetime | None = None


def _answer_targets(
    session: Session,
    onboarding_id: int,
    alert_ids: Collection[int],
    actor: str,
    admins: Collection[str],
) -> tuple[Onboarding, list[AlertState]]:
    onboarding = get_onboarding(session, onboarding_id)
    ensure_can_change(onboarding, actor, admins)
    states = list(
        session.scalars(
            select(AlertState)
            .where(AlertState.onboarding_id == onboarding_id, AlertState.id.in_(list(alert_ids)))
            .order_by(AlertState.id)
        )
    )
    if not states:
        raise NotFound("These alerts no longer exist.")
    return onboarding, states


def _names(states: Iterable[AlertState], catalog: SignalCatalog, playbook: str) -> list[str]:
    names = []
    for state in states:
        kind = signal_kind(state.state) or signal_kind(f"0|{state.signal}")
        names.append(catalog.definition(kind, playbook).name if kind else state.signal)
    return names


def _record(
    session: Session,
    onboarding: Onboarding,
    actor: str,
    action: str,
    detail: str,
    states: list[AlertState],
    now: datetime,
    **data: Any,
) -> None:
    # Answering an alert is not work on the onboarding: it must not end the silence signal.
    last_activity = onboarding.last_activity_at
    record_activity(
        session,
        onboarding,
        actor,
        action,
        detail,
        now=now,
        data={"alerts": [s.id for s in states], **data},
    )
    onboarding.last_activity_at = last_activity


def acknowledge_alerts(
    session: Session,
    onboarding_id: int,
    alert_ids: Collection[int],
    actor: str,
    *,
    admins: Collection[str],
    catalog: SignalCatalog,
    now: datetime,
) -> AlertAnswer:
    """Acknowledge alerts: no more reminders until they get worse."""
    onboarding, states = _answer_targets(session, onboarding_id, alert_ids, actor, admins)
    for state in states:
        state.acknowledged_at = now
        state.acknowledged_by = actor
    names = _names(states, catalog, onboarding.playbook)
    _record(
        session,
        onboarding,
        actor,
        "alert_acknowledged",
        f"Acknowledged: {', '.join(names)}",
        states,
        now,
    )
    session.commit()
    return AlertAnswer(onboarding.id, onboarding.company_name, names, actor, now)


def snooze_alerts(
    session: Session,
    onboarding_id: int,
    alert_ids: Collection[int],
    days: int,
    actor: str,
    *,
    admins: Collection[str],
    catalog: SignalCatalog,
    default_timezone: str,
    now: datetime,
) -> AlertAnswer:
    """Snooze alerts until the start of the local day `days` days from today."""
    if days not in SNOOZE_DAYS:
        raise ValueError(f"snooze for {days} days is not offered")
    onboarding, states = _answer_targets(session, onboarding_id, alert_ids, actor, admins)
    tz = time_zone(onboarding.timezone, default_timezone)
    until = local_midnight(now.astimezone(tz).date() + timedelta(days=days), tz)
    for state in states:
        state.snoozed_until = until
        state.snoozed_by = actor
    names = _names(states, catalog, onboarding.playbook)
    _record(
        session,
        onboarding,
        actor,
        "alert_snoozed",
        f"Snoozed for {days} day{'s' if days != 1 else ''}: {', '.join(names)}",
        states,
        now,
        until=until.isoformat(),
    )
    session.commit()
    return AlertAnswer(onboarding.id, onboarding.company_name, names, actor, now, until)


def chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
