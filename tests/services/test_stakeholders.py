"""The stakeholder map: editing with validation, logging a contact, a departure; the champion
leaving adds the champion-loss checklist once and raises the critical signal on the next scan;
departed stakeholders do not count towards the single-threaded minimum."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.models import ActivityEntry, ChecklistItem, Stakeholder
from bot.services.checklist import build_checklist
from bot.services.errors import Conflict, NotAllowed
from bot.services.signals import SignalKind, detect_all, load_catalog
from bot.services.stakeholder_changes import (
    CHAMPION_LOSS_PHASE,
    log_contact,
    mark_departed,
    save_stakeholder,
)
from bot.services.stakeholders import (
    StakeholderField,
    StakeholderForm,
    StakeholderInvalid,
    load_stakeholder_map,
    open_stakeholder_form,
)
from bot.slack.refusals import refusal_text
from tests.factories import CSM
from tests.jobs.test_plan import NOW, acme

ADMINS = ("UADMIN",)
TEMPLATES = __import__("pathlib").Path(__file__).resolve().parents[2] / "templates"


def person(session, onboarding_id: int, name: str) -> Stakeholder:  # type: ignore[no-untyped-def]
    return session.scalars(
        select(Stakeholder).where(
            Stakeholder.onboarding_id == onboarding_id, Stakeholder.name == name
        )
    ).one()


def actions(session, onboarding_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(ActivityEntry.action)
            .where(ActivityEntry.onboarding_id == onboarding_id)
            .order_by(ActivityEntry.id)
        )
    )


def test_the_map_lists_present_people_by_role_then_the_departed(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    priya = person(session, onboarding.id, "Priya Raman")
    priya.departed_at = NOW
    session.commit()
    stakeholders = load_stakeholder_map(session, onboarding.id, minimum=2)
    names = [p.name for p in stakeholders.people]
    assert names[0] == "Dana Whitfield" and names[-1] == "Priya Raman"
    assert len(stakeholders.present) == len(names) - 1 and not stakeholders.single_threaded


def test_add_and_edit_with_every_error_at_once(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    bad = StakeholderForm(name=" ", role="boss", power="huge", email="not-an-email")
    with pytest.raises(StakeholderInvalid) as invalid:
        save_stakeholder(session, onboarding.id, None, bad, CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {
        StakeholderField.NAME,
        StakeholderField.ROLE,
        StakeholderField.POWER,
        StakeholderField.EMAIL,
    }
    no_contact = StakeholderForm(name="Ola", role="technical_lead")
    with pytest.raises(StakeholderInvalid) as invalid:
        save_stakeholder(session, onboarding.id, None, no_contact, CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {StakeholderField.EMAIL}

    form = StakeholderForm(
        name="  Ola  Nordmann ",
        title="CFO",
        role="detractor",
        power="high",
        interest="low",
        sentiment="skeptic",
        email="ola@acme-mfg.example",
        notes="Worried about cost",
    )
    change = save_stakeholder(session, onboarding.id, None, form, CSM, admins=ADMINS, now=NOW)
    assert change.added and change.name == "Ola Nordmann"
    ola = person(session, onboarding.id, "Ola Nordmann")
    assert (ola.power, ola.interest, ola.sentiment) == ("high", "low", "skeptic")

    company, loaded = open_stakeholder_form(session, onboarding.id, ola.id, CSM, admins=ADMINS)
    assert company == "Acme Manufacturing" and loaded.email == "ola@acme-mfg.example"
    loaded.sentiment, loaded.slack_user_id = "detractor", "U0OLA"
    save_stakeholder(session, onboarding.id, ola.id, loaded, CSM, admins=ADMINS, now=NOW)
    same = save_stakeholder(session, onboarding.id, ola.id, loaded, CSM, admins=ADMINS, now=NOW)
    assert not same.changed
    entries = session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "stakeholder_updated")
    ).all()
    [entry] = entries
    assert entry.detail == "Stakeholder Ola Nordmann updated: sentiment, Slack user"
    assert "detractor" not in entry.detail  # the activity never quotes the sentiment


def test_only_the_csm_ae_or_an_admin_can_change_the_map(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    priya = person(session, onboarding.id, "Priya Raman")
    form = StakeholderForm(name="X", role="champion", email="x@y.example")
    with pytest.raises(NotAllowed):
        save_stakeholder(session, onboarding.id, None, form, "UOTHER", admins=ADMINS, now=NOW)
    with pytest.raises(NotAllowed):
        log_contact(session, priya.id, "UOTHER", admins=ADMINS, now=NOW)
    with pytest.raises(NotAllowed):
        mark_departed(session, priya.id, "UOTHER", admins=ADMINS, playbooks=playbooks, now=NOW)
    with pytest.raises(NotAllowed):
        open_stakeholder_form(session, onboarding.id, priya.id, "UOTHER", admins=ADMINS)
    log_contact(session, priya.id, "UADMIN", admins=ADMINS, now=NOW)  # an admin may


def test_log_contact_updates_last_contact_and_the_activity(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    priya = person(session, onboarding.id, "Priya Raman")
    later = NOW + timedelta(days=3)
    log_contact(session, priya.id, CSM, admins=ADMINS, now=later)
    session.commit()  # the edge commits
    session.expire_all()
    assert person(session, onboarding.id, "Priya Raman").last_contact_at == later
    assert onboarding.last_activity_at == later
    assert actions(session, onboarding.id)[-1] == "stakeholder_contacted"


def test_the_champion_leaving_adds_the_protocol_once(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    priya = person(session, onboarding.id, "Priya Raman")
    before = len(onboarding.checklist_items)

    change = mark_departed(session, priya.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    assert change.changed and change.was_champion and len(change.checklist_added) == 16
    again = mark_departed(session, priya.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    assert not again.changed and again.checklist_added == []

    session.commit()  # the edge commits
    session.expire_all()
    items = session.scalars(
        select(ChecklistItem).where(ChecklistItem.phase_key == CHAMPION_LOSS_PHASE)
    ).all()
    assert len(items) == 16 and len(onboarding.checklist_items) == before + 16
    assert items[0].text == "[Day 1] Acknowledge the departure with the champion"
    assert {i.text.split("]")[0] + "]" for i in items} == {
        "[Day 1]",
        "[Week 1]",
        "[Weeks 2-4]",
        "[Escalate if]",
    }
    assert person(session, onboarding.id, "Priya Raman").departed_at == NOW
    assert actions(session, onboarding.id).count("stakeholder_departed") == 1
    # The protocol is its own phase of the checklist modal.
    checklist = build_checklist(onboarding, CHAMPION_LOSS_PHASE)
    assert checklist.phase.name == "Champion Loss" and len(checklist.items) == 16
    with pytest.raises(Conflict) as refused:
        log_contact(session, priya.id, CSM, admins=ADMINS, now=NOW)
    assert refusal_text(refused.value) == "Priya Raman has left Acme Manufacturing."


def test_a_second_champion_leaving_while_the_protocol_is_open_adds_nothing(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    first = person(session, onboarding.id, "Priya Raman")
    mark_departed(session, first.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    form = StakeholderForm(name="Sam New", role="champion", email="sam@acme-mfg.example")
    save_stakeholder(session, onboarding.id, None, form, CSM, admins=ADMINS, now=NOW)
    sam = person(session, onboarding.id, "Sam New")
    change = mark_departed(session, sam.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    assert change.changed and change.checklist_added == []


def test_anyone_else_leaving_adds_no_checklist(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    marcus = person(session, onboarding.id, "Marcus Lee")
    change = mark_departed(session, marcus.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    assert change.changed and not change.was_champion and change.checklist_added == []


def _signals(session, settings: Settings, now: datetime) -> dict[SignalKind, object]:  # type: ignore[no-untyped-def]
    catalog = load_catalog(TEMPLATES)
    [(_, signals)] = list(detect_all(session, settings, catalog, now))
    return {s.kind: s for s in signals}


def test_departed_champion_is_the_critical_signal_on_the_next_scan(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    onboarding = acme(session, playbooks)
    priya = person(session, onboarding.id, "Priya Raman")
    assert SignalKind.CHAMPION_GONE not in _signals(session, settings, NOW)
    mark_departed(session, priya.id, CSM, admins=ADMINS, playbooks=playbooks, now=NOW)
    signal = _signals(session, settings, NOW + timedelta(hours=1))[SignalKind.CHAMPION_GONE]
    assert signal.severity == "critical" and signal.facts["name"] == "Priya Raman"  # type: ignore[attr-defined]


def test_departed_stakeholders_do_not_count_towards_the_minimum(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    onboarding = acme(session, playbooks)
    people = session.scalars(
        select(Stakeholder).where(Stakeholder.onboarding_id == onboarding.id)
    ).all()
    for p in people[2:]:
        session.delete(p)
    session.commit()
    now = datetime.combine(date(2026, 11, 3), datetime.min.time(), tzinfo=UTC)
    assert SignalKind.SINGLE_THREADED not in _signals(session, settings, now)
    mark_departed(session, people[1].id, CSM, admins=ADMINS, playbooks=playbooks, now=now)
    single = _signals(session, settings, now)[SignalKind.SINGLE_THREADED]
    assert single.facts["count"] == 1  # type: ignore[attr-defined]
    session.commit()  # the edge commits
    session.expire_all()
    shown = load_stakeholder_map(session, onboarding.id, minimum=2)
    assert [p.name for p in shown.present] == [people[0].name] and shown.single_threaded
