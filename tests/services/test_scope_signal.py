"""The "Scope growing" signal: approved change requests past threshold_percent of the plan made
at the handoff (10%, seed 004), read by the scan on both databases; deferred ones do not count;
a playbook may set its own percentage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.services.changes import ApprovalRequest, approve_change, defer_change, log_change
from bot.services.signals import SignalCatalog, SignalKind, detect_all, load_catalog
from bot.services.signals.catalog import SignalOverride
from bot.slack.alert_views import load_checked_catalog
from tests.factories import CSM
from tests.services.test_hypercare import make_onboarding

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "templates")


def decide(session: Session, onboarding_id: int, approved: int, deferred: int = 0) -> None:
    for i in range(approved + deferred):
        card = log_change(session, onboarding_id, f"Change {i}", CSM, now=NOW)
        if i < approved:
            approve_change(session, card.change_id, ApprovalRequest(), CSM, admins=(),
                           holidays=(), now=NOW)  # fmt: skip
        else:
            defer_change(session, card.change_id, CSM, admins=(), now=NOW)
    session.commit()


def scope_signals(session: Session, settings, catalog: SignalCatalog = CATALOG):  # type: ignore[no-untyped-def]
    return [
        s
        for _, signals in detect_all(session, settings, catalog, NOW)
        for s in signals
        if s.kind is SignalKind.SCOPE_GROWING
    ]


def test_scope_growing_fires_past_ten_percent_of_the_plan(session, playbooks, settings) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    items = onboarding.baseline_plan_items
    assert items and items > 10
    at_threshold = items // 10  # 10% or less: not yet
    decide(session, onboarding.id, at_threshold, deferred=3)  # deferred ones never count
    assert scope_signals(session, settings) == []
    decide(session, onboarding.id, 1)
    (signal,) = scope_signals(session, settings)
    approved = at_threshold + 1
    assert signal.facts == {
        "approved": approved,
        "plan_items": items,
        "percent": round(approved * 100 / items),
        "threshold": 10,
    }
    assert signal.level == approved and signal.severity == "medium"
    assert load_checked_catalog(Path(__file__).resolve().parents[2] / "templates")


def test_a_playbook_sets_its_own_percentage(session, playbooks, settings) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decide(session, onboarding.id, 1)
    assert scope_signals(session, settings) == []
    strict = SignalCatalog(
        {kind: CATALOG.definition(kind) for kind in SignalKind},
        {onboarding.playbook: {SignalKind.SCOPE_GROWING: SignalOverride(threshold_percent=0)}},
    )
    assert [s.facts["threshold"] for s in scope_signals(session, settings, strict)] == [0]
