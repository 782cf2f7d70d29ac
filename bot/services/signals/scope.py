"""The "Scope growing" signal (seed 004: scope creeping, >10% growth, change control): its
fact source and its rule.

Approved change requests (bot/services/changes.py) are counted against the plan made at the
handoff (`baseline_plan_items`: its milestones plus checklist items). The signal fires when they
pass `threshold_percent` of it (signals.yml; 10, per playbook overridable), and is told again
as worse with each further approval (its level is the count).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select, type_coerce

from bot.models import ChangeRequest, ChangeStatus, Onboarding, UTCDateTime
from bot.services.signals.facts import ScopeRow
from bot.services.signals.kinds import SignalKind
from bot.services.signals.queries import ScanWindow

DEFAULT_THRESHOLD_PERCENT = 10
AddSignal = Callable[..., None]


def approved_changes(window: ScanWindow) -> Select:
    """Per open onboarding with an approved change request: how many, the latest, the plan's
    size at the handoff."""
    return (
        select(
            ChangeRequest.onboarding_id,
            func.count(),
            type_coerce(func.max(ChangeRequest.decided_at), UTCDateTime()),
            Onboarding.baseline_plan_items,
        )
        .join(Onboarding, Onboarding.id == ChangeRequest.onboarding_id)
        .where(
            ChangeRequest.onboarding_id.in_(window.open_ids),
            ChangeRequest.status == ChangeStatus.APPROVED,
        )
        .group_by(ChangeRequest.onboarding_id, Onboarding.baseline_plan_items)
        .order_by(ChangeRequest.onboarding_id)
    )


def detect_scope(add: AddSignal, row: ScopeRow | None, threshold_percent: int | None) -> None:
    if row is None or not row.baseline_items:
        return
    threshold = DEFAULT_THRESHOLD_PERCENT if threshold_percent is None else threshold_percent
    if row.approved * 100 <= threshold * row.baseline_items:
        return
    add(
        SignalKind.SCOPE_GROWING,
        "",
        row.last_approved_at,
        state=str(row.approved),
        level=row.approved,
        approved=row.approved,
        plan_items=row.baseline_items,
        percent=round(row.approved * 100 / row.baseline_items),
        threshold=threshold,
    )
