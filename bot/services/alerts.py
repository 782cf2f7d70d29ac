"""Stall alerts: where an onboarding's grouped alert goes, what it tells, and its answers
(acknowledge, snooze). The bookkeeping of each alert's state is bot/services/alert_states.py.

Routing is decided from what a `ChannelPrivacy` knows about the channels;
bot/slack/channel_privacy.py asks Slack.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import local_midnight, time_zone
from bot.models import AlertState, Onboarding
from bot.services.activity import record_activity
from bot.services.errors import NotFound
from bot.services.onboardings import get_onboarding
from bot.services.permissions import ensure_can_change
from bot.services.signals import OnboardingRow, Signal, SignalCatalog, SignalDef, signal_kind

ALERT_KIND = "alert"
DIGEST_KIND = "alert-digest"
SNOOZE_DAYS = (1, 3)


@dataclass(frozen=True)
class AlertItem:
    """One signal in a grouped alert, with its definition and why it is told now."""

    alert_id: int
    signal: Signal
    definition: SignalDef
    reason: str = "new"


@dataclass(frozen=True)
class AlertGroup:
    """The data of an `alert` post: every signal of one onboarding told to one destination."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    ae_user_id: str
    timezone: ZoneInfo
    items: list[AlertItem]
    # Named where a signal's `act` includes leadership (its wording says where they read).
    escalation_channel_id: str = ""


@dataclass(frozen=True)
class AlertDigest:
    """The data of an `alert-digest` post: the day's alerts of every onboarding a CSM owns, by
    DM, for a CSM who chose the digest (`/onboard settings`); worst onboarding first."""

    csm_user_id: str
    timezone: ZoneInfo
    groups: list[AlertGroup]


def worst_first(groups: list[AlertGroup]) -> list[AlertGroup]:
    """Onboardings by their worst signal (then their number of signals), worst first."""
    return sorted(
        groups,
        key=lambda g: (
            -max(i.signal.severity.rank for i in g.items),
            -len(g.items),
            g.company_name,
        ),
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


@dataclass(frozen=True)
class Destination:
    channel: str
    kind: DestinationKind


def route(onboarding: OnboardingRow, privacy: ChannelPrivacy) -> Destination:
    """Where one onboarding's grouped alert goes: the team's, never a leader's.

    The customer channel only when it is known to be internal; else the internal channel
    unless it is known to be shared (Onboard creates it private; an admin chose it as internal);
    else the owner's DM. Never a channel shared externally. CS leadership hears of a signal
    only when it escalates (bot/services/escalations.py), never by a copy of every alert."""
    customer, internal = onboarding.customer_channel_id, onboarding.internal_channel_id
    if customer and privacy.shared(customer) is False:
        return Destination(customer, DestinationKind.CUSTOMER_CHANNEL)
    if internal and privacy.shared(internal) is not True:
        return Destination(internal, DestinationKind.INTERNAL_CHANNEL)
    return Destination(onboarding.csm_user_id, DestinationKind.OWNER_DM)


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
    return AlertAnswer(onboarding.id, onboarding.company_name, names, actor, now, until)
