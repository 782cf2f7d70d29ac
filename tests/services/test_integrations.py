"""Integrations: the handoff's systems become rows (at creation, and lazily for onboardings made
before), the edit rules (a waiver needs a reason), technical setup refused until each is
verified end to end or waived, the failing signal, and the known limitations for the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.models import ActivityEntry, Integration, IntegrationStatus, Milestone
from bot.services.errors import Conflict, NotAllowed
from bot.services.integration_rows import integration_names, split_systems
from bot.services.integrations import (
    IntegrationField,
    IntegrationForm,
    IntegrationInvalid,
    known_limitations,
    load_setup,
    open_integration_form,
    save_integration,
)
from bot.services.milestones import complete_named_milestone
from bot.services.signals import SignalKind, detect_all, load_catalog
from bot.slack.refusals import refusal_text
from tests.factories import CSM
from tests.jobs.test_plan import NOW, acme

ADMINS = ("UADMIN",)
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def rows(session, onboarding_id: int) -> list[Integration]:  # type: ignore[no-untyped-def]
    session.commit()  # the edge commits
    session.expire_all()
    return list(
        session.scalars(
            select(Integration)
            .where(Integration.onboarding_id == onboarding_id)
            .order_by(Integration.id)
        )
    )


def test_systems_and_sso_are_split_into_names() -> None:
    assert split_systems("SAP ERP (S/4HANA, EU), Salesforce;\n- NetSuite\n• none") == [
        "SAP ERP (S/4HANA, EU)",
        "Salesforce",
        "NetSuite",
    ]
    assert split_systems("SAP ERP + Salesforce, salesforce") == ["SAP ERP", "Salesforce"]
    assert integration_names("SAP ERP, Salesforce", "Okta") == ["SAP ERP", "Salesforce", "Okta SSO"]
    assert integration_names("", "Okta SSO (SAML)") == ["Okta SSO (SAML)"]
    assert integration_names("N/A", "none") == []
    assert len(integration_names("x" * 300, "")[0]) == 120


def test_the_handoff_creates_one_row_per_system(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    found = rows(session, onboarding.id)
    assert [i.name for i in found] == ["SAP ERP (S/4HANA)", "Salesforce", "Okta SSO (SAML)"]
    assert {i.status for i in found} == {IntegrationStatus.NOT_STARTED}


def test_older_onboardings_get_their_rows_when_setup_first_opens(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    for i in rows(session, onboarding.id):
        session.delete(i)
    session.commit()
    card = load_setup(session, onboarding.id)
    assert [line.name for line in card.lines] == [
        "SAP ERP (S/4HANA)",
        "Salesforce",
        "Okta SSO (SAML)",
    ]
    again = load_setup(session, onboarding.id)
    assert len(rows(session, onboarding.id)) == 3 and len(again.lines) == 3


def test_a_waiver_needs_a_reason_and_errors_come_at_once(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap = rows(session, onboarding.id)[0]
    bad = IntegrationForm(name=" ", status="waived", waived_reason="  ", config_notes="x" * 2001)
    with pytest.raises(IntegrationInvalid) as invalid:
        save_integration(session, onboarding.id, sap.id, bad, CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {
        IntegrationField.NAME,
        IntegrationField.WAIVED_REASON,
        IntegrationField.NOTES,
    }
    duplicate = IntegrationForm(name="salesforce", status="configuring")
    with pytest.raises(IntegrationInvalid) as invalid:
        save_integration(session, onboarding.id, sap.id, duplicate, CSM, admins=ADMINS, now=NOW)
    assert set(invalid.value.errors) == {IntegrationField.NAME}
    with pytest.raises(NotAllowed):
        open_integration_form(session, onboarding.id, sap.id, "USTRANGER", admins=ADMINS)
    with pytest.raises(NotAllowed):
        save_integration(
            session,
            onboarding.id,
            sap.id,
            IntegrationForm(name="SAP"),
            "USTRANGER",
            admins=ADMINS,
            now=NOW,
        )


def test_technical_setup_waits_for_every_integration(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap, salesforce, okta = rows(session, onboarding.id)
    with pytest.raises(Conflict) as refused:
        complete_named_milestone(
            session, onboarding.id, "technical setup", CSM, admins=ADMINS, now=NOW
        )
    message = refusal_text(refused.value)
    assert "SAP ERP (S/4HANA)" in message and "Okta SSO (SAML)" in message
    assert "`/onboard setup Acme Manufacturing`" in message
    session.rollback()

    _, form = open_integration_form(session, onboarding.id, sap.id, CSM, admins=ADMINS)
    form.status, form.owner_user_id = "verified", "UIT"
    form.migration_result = "4,812 of 4,812 supplier records reconciled"
    change = save_integration(session, onboarding.id, sap.id, form, CSM, admins=ADMINS, now=NOW)
    assert change.status == "verified" and not change.added
    waive = IntegrationForm(
        name="Salesforce",
        status="waived",
        waived_reason="Phase 2: after go-live",
        known_limitations="Opportunities sync nightly, not live",
    )
    save_integration(session, onboarding.id, salesforce.id, waive, "UADMIN", admins=ADMINS, now=NOW)
    session.commit()  # each save is its own use case: the edge commits
    with pytest.raises(Conflict) as refused:
        complete_named_milestone(
            session, onboarding.id, "technical setup", CSM, admins=ADMINS, now=NOW
        )
    message = refusal_text(refused.value)
    assert "Okta" in message and "Salesforce" not in message
    session.rollback()

    save_integration(
        session,
        onboarding.id,
        okta.id,
        IntegrationForm(name="Okta SSO (SAML)", status="verified"),
        CSM,
        admins=ADMINS,
        now=NOW,
    )
    session.commit()
    change = complete_named_milestone(
        session, onboarding.id, "technical setup", CSM, admins=ADMINS, now=NOW
    )
    assert change.changed
    setup = session.scalars(
        select(Milestone).where(
            Milestone.onboarding_id == onboarding.id, Milestone.key == "technical_setup"
        )
    ).one()
    assert setup.is_done and load_setup(session, onboarding.id).technical_setup_done
    details = list(
        session.scalars(
            select(ActivityEntry.detail).where(ActivityEntry.onboarding_id == onboarding.id)
        )
    )
    assert "Integration SAP ERP (S/4HANA): Not started → Verified end to end" in details
    assert any("Salesforce: Not started → Waived (Phase 2" in d for d in details)

    session.commit()  # the edge commits
    session.expire_all()
    assert known_limitations(session.get(type(onboarding), onboarding.id)) == [
        "Salesforce: Opportunities sync nightly, not live",
        "Salesforce: waived (Phase 2: after go-live)",
    ]


def test_an_onboarding_without_systems_completes_technical_setup(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, systems="", sso="none")
    assert rows(session, onboarding.id) == []
    change = complete_named_milestone(
        session, onboarding.id, "technical setup", CSM, admins=ADMINS, now=NOW
    )
    assert change.changed


def test_added_integration_and_a_failing_one_signals(db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    change = save_integration(
        session,
        onboarding.id,
        None,
        IntegrationForm(
            name="Snowflake",
            status="failing",
            owner_user_id="UIT",
            config_notes="Key-pair auth rejected",
        ),
        CSM,
        admins=ADMINS,
        now=NOW,
    )
    session.commit()  # the edge commits
    assert change.added
    catalog = load_catalog(TEMPLATES_DIR)
    later = NOW + timedelta(days=2)
    with db.session() as scan_session:
        found = {
            o.id: [s for s in signals if s.kind == SignalKind.INTEGRATION_FAILING]
            for o, signals in detect_all(scan_session, Settings(), catalog, later)
        }
    [signal] = found[onboarding.id]
    assert signal.facts["name"] == "Snowflake" and signal.facts["subject_owner"] == "UIT"
    assert signal.facts["days"] == 2 and signal.severity == "medium"
    snowflake = rows(session, onboarding.id)[-1]
    form = IntegrationForm(name="Snowflake", status="verified", owner_user_id="UIT")
    save_integration(session, onboarding.id, snowflake.id, form, CSM, admins=ADMINS, now=later)
    session.commit()
    with db.session() as scan_session:
        kinds = [
            s.kind
            for o, signals in detect_all(scan_session, Settings(), catalog, later)
            for s in signals
            if o.id == onboarding.id
        ]
    assert SignalKind.INTEGRATION_FAILING not in kinds


def test_an_unchanged_save_records_nothing(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sap = rows(session, onboarding.id)[0]
    _, form = open_integration_form(session, onboarding.id, sap.id, CSM, admins=ADMINS)
    change = save_integration(session, onboarding.id, sap.id, form, CSM, admins=ADMINS, now=NOW)
    assert not change.changed
    assert datetime(2026, 1, 1, tzinfo=UTC) < NOW
