"""A playbook made into an onboarding's rows: its phases, its milestones with their due dates,
its checklist and go-live gate items."""

from __future__ import annotations

from datetime import date

from bot.calendar import add_business_days, not_on_friday
from bot.models import ChecklistItem, Milestone, Onboarding, Phase
from bot.playbooks import Playbook


def milestone_due_dates(
    playbook: Playbook, start: date, go_live_target: date | None = None
) -> dict[str, date]:
    """Due date per milestone key: business days from `start`; go-live never on a Friday.

    Milestones after go-live keep their distance from it, so a later go-live target moves
    hypercare exit and transition with it.
    """
    go_live = next(m for m in playbook.milestones if m.go_live)
    go_live_due = not_on_friday(
        go_live_target or add_business_days(start, go_live.offset_business_days)
    )
    dates: dict[str, date] = {}
    after_go_live = False
    for milestone in playbook.milestones:
        if milestone.go_live:
            dates[milestone.key] = go_live_due
            after_go_live = True
        elif after_go_live:
            distance = max(milestone.offset_business_days - go_live.offset_business_days, 0)
            dates[milestone.key] = add_business_days(go_live_due, distance)
        else:
            dates[milestone.key] = add_business_days(start, milestone.offset_business_days)
    return dates


def instantiate_playbook(
    onboarding: Onboarding, playbook: Playbook, go_live_target: date | None = None
) -> None:
    dates = milestone_due_dates(playbook, onboarding.start_date, go_live_target)
    onboarding.phases = [
        Phase(position=i, key=p.key, name=p.name) for i, p in enumerate(playbook.phases)
    ]
    onboarding.milestones = [
        Milestone(
            position=i,
            key=m.key,
            name=m.name,
            phase_key=m.phase,
            due_date=dates[m.key],
            is_first_value=m.first_value,
            is_go_live=m.go_live,
        )
        for i, m in enumerate(playbook.milestones)
    ]
    items = [(c.phase, c.text, c.owner, False) for c in playbook.checklist]
    items += [("go_live", f"[{g.group}] {g.text}", g.owner, True) for g in playbook.gate]
    onboarding.checklist_items = [
        ChecklistItem(position=i, phase_key=phase, text=text, owner_role=owner, is_gate=gate)
        for i, (phase, text, owner, gate) in enumerate(items)
    ]
    onboarding.baseline_plan_items = len(onboarding.milestones) + len(onboarding.checklist_items)
    first_value = next(m for m in onboarding.milestones if m.is_first_value)
    go_live = next(m for m in onboarding.milestones if m.is_go_live)
    onboarding.target_first_value_date = first_value.due_date
    onboarding.target_go_live_date = go_live.due_date
