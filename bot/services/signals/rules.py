"""What the detection of every onboarding at one moment shares (bot/services/signals/
detection.py): worked out once per scan rather than per onboarding or per signal."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import NamedTuple

from bot.calendar import BusinessHours, local_midnight, time_zone
from bot.config import Settings
from bot.playbooks import playbook_touch
from bot.services.health import health_rules
from bot.services.hypercare.sla import business_hours
from bot.services.signals.catalog import SignalCatalog
from bot.services.signals.kinds import AlertSeverity, SignalKind
from bot.services.signals.usage import usage_rules
from bot.services.training import attendance_thresholds


class _KindRules(NamedTuple):
    enabled: bool
    stepped: bool  # has `worse_at` values (else its step is 0)
    covered_by: SignalKind | None


class Rules:
    """What the detection of every onboarding at `now` shares, worked out once per scan rather
    than per onboarding or per signal: each zone's local date, each signal's severity in each
    playbook (and whether it is on, stepped or covered), thresholds, local midnights."""

    def __init__(self, settings: Settings, catalog: SignalCatalog, now: datetime) -> None:
        self.settings = settings
        self.catalog = catalog
        self.now = now
        self.attendance = attendance_thresholds(settings.templates_dir)
        self.health = health_rules(settings)
        self.usage = usage_rules(settings.templates_dir)
        self.touch = playbook_touch(settings.templates_dir)
        self._kinds: dict[tuple[SignalKind, str], _KindRules] = {}
        self._hours: dict[tzinfo, BusinessHours] = {}
        self._zones: dict[str | None, tuple[tzinfo, date, bool]] = {}
        self._severities: dict[tuple[SignalKind, str, str | None], AlertSeverity] = {}
        self._midnights: dict[tuple[date, tzinfo], datetime] = {}

    def zone(self, name: str | None) -> tuple[tzinfo, date, bool]:
        """The zone of an onboarding (its own, else ONBOARD_TIMEZONE), its date at `now`, and
        whether it is UTC (where a UTC timestamp's date is its local date)."""
        found = self._zones.get(name)
        if found is None:
            tz = time_zone(name, self.settings.timezone)
            found = self._zones[name] = (tz, self.now.astimezone(tz).date(), _is_utc(tz))
        return found

    def kind(self, kind: SignalKind, playbook: str) -> _KindRules:
        """Whether a signal is detected in a playbook, its `worse_at` and `covered_by`."""
        key = (kind, playbook)
        found = self._kinds.get(key)
        if found is None:
            definition = self.catalog.definition(kind, playbook)
            enabled = self.catalog.enabled(kind, playbook, self.touch.get(playbook, ""))
            found = _KindRules(enabled, bool(definition.worse_at), definition.covered_by)
            self._kinds[key] = found
        return found

    def severity(self, kind: SignalKind, playbook: str, of: str | None) -> AlertSeverity:
        key = (kind, playbook, of)
        found = self._severities.get(key)
        if found is None:
            found = self._severities[key] = self.catalog.severity(kind, playbook, of)
        return found

    def midnight(self, day: date, tz: tzinfo) -> datetime:
        """`local_midnight`, remembered: due dates repeat across the book."""
        key = (day, tz)
        found = self._midnights.get(key)
        if found is None:
            found = self._midnights[key] = local_midnight(day, tz)
        return found

    def hours(self, tz: tzinfo) -> BusinessHours:
        """The business hours of a zone (the conversation signals' clock)."""
        found = self._hours.get(tz)
        if found is None:
            found = self._hours[tz] = business_hours(self.settings, tz)
        return found


def _is_utc(tz: tzinfo) -> bool:
    return tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC")
