"""The go-live gate's automatic checks (the playbook's `gate_requires`): a finished pilot and
no open blocker. A failed check refuses go-live like a NO answer (bot/services/gate.py), and an
Onboard admin's override lets go-live proceed despite it. The blockers a gate refusal opened
for its NO items are not counted: the items themselves ask for them, and a YES resolves them.
"""

from __future__ import annotations

from bot.models import MilestoneStatus, Onboarding
from bot.playbooks import Playbook
from bot.services.gate_items import BLOCKER_PREFIX, GateCheck
from bot.text import truncate

PILOT_DONE, NO_OPEN_BLOCKERS = "pilot_done", "no_open_blockers"
DONE_STATUSES = (MilestoneStatus.COMPLETE, MilestoneStatus.WAIVED)
REASONS_MAX = 20


def gate_checks(onboarding: Onboarding, playbook: Playbook) -> list[GateCheck]:
    """The checks the playbook asks for; needs the onboarding's milestones and blockers."""
    requires = playbook.gate_requires
    checks: list[GateCheck] = []
    if requires.pilot_done:
        checks.append(_pilot_check(onboarding, requires.pilot_milestone))
    if requires.no_open_blockers:
        checks.append(_blockers_check(onboarding))
    return checks


def failed_checks(checks: list[GateCheck]) -> list[GateCheck]:
    return [c for c in checks if not c.passed]


def _pilot_check(onboarding: Onboarding, key: str) -> GateCheck:
    milestone = next((m for m in onboarding.milestones if m.key == key), None)
    if milestone is None:  # planned before the playbook asked for a pilot: nothing to wait for
        return GateCheck(PILOT_DONE, "Pilot finished", True)
    text = f"Pilot finished ({milestone.name})"
    if milestone.status in DONE_STATUSES:
        return GateCheck(PILOT_DONE, text, True)
    reason = f"The milestone “{milestone.name}” is not done (due {milestone.due_date:%Y-%m-%d})"
    return GateCheck(PILOT_DONE, text, False, [reason])


def _blockers_check(onboarding: Onboarding) -> GateCheck:
    open_ones = sorted(
        (
            b
            for b in onboarding.blockers
            if b.resolved_at is None and not b.reason.startswith(BLOCKER_PREFIX)
        ),
        key=lambda b: (b.opened_at, b.id),
    )
    if not open_ones:
        return GateCheck(NO_OPEN_BLOCKERS, "No open blocker", True)
    reasons = [truncate(b.reason, 300) for b in open_ones[:REASONS_MAX]]
    if len(open_ones) > REASONS_MAX:
        reasons.append(f"…and {len(open_ones) - REASONS_MAX} more")
    word = "blocker" if len(open_ones) == 1 else "blockers"
    return GateCheck(
        NO_OPEN_BLOCKERS, f"No open blocker ({len(open_ones)} open {word})", False, reasons
    )
