"""Logging a message on an onboarding, without Slack: the form's checks."""

from __future__ import annotations

import pytest

from bot.services.hypercare import IssueSeverity
from bot.services.message_log import (
    LinkedOnboarding,
    LogField,
    LogKind,
    MessageLogForm,
    MessageLogInvalid,
    check_form,
    linked_onboarding,
)
from tests.services.test_hypercare import live, make_onboarding


def test_the_channel_names_its_one_open_onboarding(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = make_onboarding(session, playbooks, customer_channel_id="C0ACME")
    labs = make_onboarding(
        session, playbooks, "Acme Labs", customer_channel_id="C0LABS", internal_channel_id="G0LABS"
    )
    assert linked_onboarding(session, "C0ACME") == LinkedOnboarding(
        acme.id, "Acme Manufacturing", False
    )
    assert linked_onboarding(session, "G0LABS") == LinkedOnboarding(labs.id, "Acme Labs", False)
    assert linked_onboarding(session, "C0OTHER") is None
    labs.customer_channel_id = "C0ACME"  # two onboardings on one channel: no guess
    session.commit()
    assert linked_onboarding(session, "C0ACME") is None


def test_every_wrong_field_is_named_at_once(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    make_onboarding(session, playbooks)
    form = MessageLogForm(customer="acme", kind=LogKind.ISSUE, severity=None, text="  ")
    with pytest.raises(MessageLogInvalid) as refused:
        check_form(session, form)
    assert set(refused.value.errors) == {LogField.SEVERITY, LogField.KIND, LogField.TEXT}
    assert "Hypercare starts at go-live" in refused.value.errors[LogField.KIND]


def test_an_issue_is_accepted_in_hypercare_and_the_linked_name_wins(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = live(session, playbooks)
    linked = LinkedOnboarding(onboarding.id, onboarding.company_name, True)
    form = MessageLogForm(
        customer="Acme Manufacturing",
        kind=LogKind.ISSUE,
        severity=IssueSeverity.P3,
        text="Export is slow",
        linked=linked,
    )
    assert check_form(session, form) == onboarding.id
