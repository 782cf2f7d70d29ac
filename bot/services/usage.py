"""Product usage: batches of daily records from the product (`POST /usage`) or a CSV file
(`onboard usage import`), validated all or nothing, then stored one row per onboarding and day
(a record sent again for the same day replaces the first)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import Onboarding, UsageRecord
from bot.services.lookup import CustomerIndex

# Counts are stored in 32-bit integer columns; a larger one is a mistake of the sender.
MAX_COUNT = 2_000_000_000
MAX_FEATURES = 200
FEATURE_NAME_MAX = 100
# A batch may send days up to one day ahead of ours (the sender's zone may be ahead).
FUTURE_SLACK = timedelta(days=1)
FIELDS = frozenset(
    {"customer", "onboarding_id", "date", "active_users", "licensed_users", "features"}
)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UsageError(ValueError):
    """One record of a batch is invalid: which (0-based index), which field and why."""

    def __init__(self, index: int, field_name: str, reason: str) -> None:
        super().__init__(f"record {index}, {field_name}: {reason}")
        self.index = index
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class ValidRecord:
    onboarding_id: int
    day: date
    active_users: int
    licensed_users: int
    features: dict[str, int] = field(default_factory=dict)


def record_batch(session: Session, records: Any, today: date) -> int:
    """Validate every record, then store them all (nothing when one is invalid): how many."""
    valid = validate_batch(session, records, today)
    store(session, valid)
    return len(valid)


def validate_batch(session: Session, records: Any, today: date) -> list[ValidRecord]:
    """Every record checked; the first invalid one raises `UsageError` naming it."""
    if not isinstance(records, list):
        raise UsageError(0, "records", "must be a list of records")
    resolver = _Resolver(session)
    valid: list[ValidRecord] = []
    first_index: dict[tuple[int, date], int] = {}
    for index, raw in enumerate(records):
        record = _validate(index, raw, resolver, today)
        key = (record.onboarding_id, record.day)
        if key in first_index:
            raise UsageError(
                index, "date", f"this customer's {record.day} is also record {first_index[key]}"
            )
        first_index[key] = index
        valid.append(record)
    return valid


def store(session: Session, records: Sequence[ValidRecord]) -> None:
    """Upsert on (onboarding, day): one statement, so two senders racing cannot collide."""
    if not records:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(UsageRecord)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[UsageRecord.onboarding_id, UsageRecord.day],
            set_={
                name: insert.excluded[name]
                for name in ("active_users", "licensed_users", "features", "received_at")
            },
        ),
        [
            {
                "onboarding_id": r.onboarding_id,
                "day": r.day,
                "active_users": r.active_users,
                "licensed_users": r.licensed_users,
                "features": r.features,
                "received_at": datetime.now(UTC),
            }
            for r in records
        ],
    )


class _Resolver:
    """Customer names and onboarding ids to onboarding ids, each asked once per batch."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._index = CustomerIndex.load(session)
        self._closed = CustomerIndex.load(session, closed=True)
        self._names: dict[str, int | str] = {}
        self._ids: dict[int, bool] = {}

    def by_name(self, name: str) -> int | str:
        """The onboarding id, or why the name names none (or several)."""
        if name not in self._names:
            self._names[name] = self._find(name)
        return self._names[name]

    def _find(self, name: str) -> int | str:
        # As `/onboard acme` reads a name: exact, prefix, substring, abbreviation; never a guess
        # at a typo, since a record stored on the wrong customer would go unnoticed. A customer
        # whose onboarding closed still uses the product: its latest onboarding takes it.
        found = self._index.strict(name)
        if len(found) == 1:
            return found[0].onboarding_id
        if not found:
            closed = self._closed.strict(name)
            if closed and len({ref.key for ref in closed}) == 1:
                return closed[0].onboarding_id
        if found:
            names = ", ".join(ref.company_name for ref in found[:3])
            return f"{name!r} matches several customers ({names}); send onboarding_id"
        closest = self._index.closest(name, 1)
        hint = f" (closest: {closest[0].company_name})" if closest else ""
        return f"unknown customer {name!r}{hint}"

    def exists(self, onboarding_id: int) -> bool:
        if onboarding_id not in self._ids:
            self._ids[onboarding_id] = self._session.get(Onboarding, onboarding_id) is not None
        return self._ids[onboarding_id]


def _validate(index: int, raw: Any, resolver: _Resolver, today: date) -> ValidRecord:
    if not isinstance(raw, Mapping):
        raise UsageError(index, "record", "must be an object")
    unknown = sorted(str(key) for key in raw if key not in FIELDS)
    if unknown:
        raise UsageError(index, unknown[0], "unknown field")
    onboarding_id = _onboarding(index, raw, resolver)
    day = _day(index, raw.get("date"), today)
    active = _count(index, "active_users", raw.get("active_users"))
    licensed = _count(index, "licensed_users", raw.get("licensed_users"))
    if active > licensed:
        raise UsageError(
            index, "active_users", f"{active} active is more than {licensed} licensed users"
        )
    return ValidRecord(onboarding_id, day, active, licensed, _features(index, raw.get("features")))


def _onboarding(index: int, raw: Mapping[str, Any], resolver: _Resolver) -> int:
    given = raw.get("onboarding_id")
    if given is not None:
        if not _is_int(given) or given < 1:
            raise UsageError(index, "onboarding_id", "must be a positive whole number")
        if not resolver.exists(given):
            raise UsageError(index, "onboarding_id", f"no onboarding {given}")
        return int(given)
    name = raw.get("customer")
    if not isinstance(name, str) or not name.strip():
        raise UsageError(index, "customer", "give the customer's name or an onboarding_id")
    found = resolver.by_name(" ".join(name.split()))
    if isinstance(found, str):
        raise UsageError(index, "customer", found)
    return found


def _day(index: int, raw: Any, today: date) -> date:
    if not isinstance(raw, str) or not _ISO_DAY.match(raw):
        raise UsageError(index, "date", "must be a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise UsageError(index, "date", f"{raw} is not a calendar date") from None
    if day > today + FUTURE_SLACK:
        raise UsageError(index, "date", f"{raw} is in the future")
    return day


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(index: int, name: str, raw: Any) -> int:
    if raw is None:
        raise UsageError(index, name, "is required")
    if not _is_int(raw):
        raise UsageError(index, name, "must be a whole number")
    if raw < 0:
        raise UsageError(index, name, "cannot be negative")
    if raw > MAX_COUNT:
        raise UsageError(index, name, f"is over {MAX_COUNT}")
    return int(raw)


def _features(index: int, raw: Any) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise UsageError(index, "features", "must be an object of feature: count")
    if len(raw) > MAX_FEATURES:
        raise UsageError(index, "features", f"more than {MAX_FEATURES} features")
    features: dict[str, int] = {}
    for name, count in raw.items():
        if not isinstance(name, str) or not name.strip() or len(name) > FEATURE_NAME_MAX:
            raise UsageError(index, "features", f"feature names are 1-{FEATURE_NAME_MAX} chars")
        features[name.strip()] = _count(index, f"features.{name}", count)
    return features


def latest_records(session: Session, onboarding_id: int, since: date) -> list[UsageRecord]:
    """The onboarding's records from `since` on, oldest first."""
    return list(
        session.scalars(
            select(UsageRecord)
            .where(UsageRecord.onboarding_id == onboarding_id, UsageRecord.day >= since)
            .order_by(UsageRecord.day)
        )
    )
