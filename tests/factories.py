"""Test data: a complete, realistic handoff as the AE types it into the modal."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.services.handoff import HandoffForm

# Monday. Tests pass it (or a date near it) as `today` so the start date is always valid.
ACME_START = date(2026, 11, 2)
AE = "UAE"
CSM = "UCSM"

ACME_STAKEHOLDERS = """\
- Dana Whitfield | VP Operations | Executive sponsor | dana.whitfield@acme-mfg.example
- Priya Raman | Operations Excellence Manager | Project lead (champion) | <@U0PRIYA>
- Marcus Lee | IT Director | Technical lead | marcus.lee@acme-mfg.example
- Tom Becker | Plant Manager, Dayton | End-user champion | tom.becker@acme-mfg.example
- Rosa Alvarez | Plant Manager, Monterrey | End-user champion | rosa.alvarez@acme-mfg.example
- Jin Park | Plant Manager, Busan | End-user champion | U0JINPARK
"""

ACME_CRITERIA = """\
Cut production-order entry time from 12 to 4 minutes | 2027-01-29
Reduce inventory mismatches between SAP and the plant floor by 50% (by 2027-02-26)
3 plants running the new work-order flow daily
"""

ACME_PROMISES = """\
1. SAP work-order sync connector delivered | 2026-12-18
2. Weekly status call with the VP Operations during the pilot
3. On-site admin training at the Dayton plant | 2027-01-15
"""

ACME_RISKS = """\
high: IT team stretched by a parallel SAP S/4HANA upgrade
Plant managers skeptical after a failed MES rollout in 2024 | medium
low: Budget owner may change in Q1
"""


def handoff_form(**overrides: Any) -> HandoffForm:
    """A complete, valid Acme Manufacturing handoff ($95K, mid-market); override any field."""
    fields: dict[str, Any] = {
        "company_name": "Acme Manufacturing",
        "website": "https://acme-mfg.example",
        "industry": "Manufacturing",
        "company_size": "1,200 employees",
        "arr": "$95K",
        "contract_term": "3 years",
        "closed_on": None,
        "start_date": ACME_START,
        "csm_user_id": CSM,
        "customer_channel_id": "C0ACME",
        "segment": None,
        "create_internal_channel": False,
        "stakeholders": ACME_STAKEHOLDERS,
        "why_bought": "Real-time visibility of work orders across 3 plants; SAP is the bottleneck.",
        "alternatives": "Spreadsheets and an in-house Access tool; a competitor MES suite.",
        "success_criteria": ACME_CRITERIA,
        "systems": "SAP ERP (S/4HANA), Salesforce",
        "sso": "Okta SSO (SAML)",
        "data_migration": "5 years of work orders exported from SAP",
        "constraints": "No changes on the plant floor during shift changes.",
        "promises": ACME_PROMISES,
        "out_of_scope": "Plant-floor hardware; the SAP HR module",
        "risks": ACME_RISKS,
        "hard_deadlines": "Live before the April plant shutdown (2027-04-01)",
        "go_live_target": None,
    }
    unknown = set(overrides) - set(fields)
    if unknown:
        raise TypeError(f"handoff_form() got unknown fields: {sorted(unknown)}")
    fields.update(overrides)
    return HandoffForm(**fields)


def meet_first_value_criterion(session: Any, onboarding_id: int, when: Any = None) -> None:
    """Flag the onboarding's first success criterion as the customer's first-value criterion and
    mark it met, and define first value when it is not, so the first-value milestone may
    complete (bot/services/onboardings.first_value_refusal)."""
    from datetime import UTC, datetime

    from bot.models import Onboarding, SuccessCriterion

    onboarding = session.get(Onboarding, onboarding_id)
    if not onboarding.success_criteria:
        onboarding.success_criteria.append(SuccessCriterion(text="First value reached"))
    criterion = onboarding.success_criteria[0]
    criterion.is_first_value = True
    criterion.met_at = when or datetime(2026, 11, 2, tzinfo=UTC)
    criterion.met_by, criterion.evidence = CSM, "Seen in the customer's own report"
    # First value must also be defined (agreed at the kickoff: bot/services/kickoff.py).
    onboarding.first_value_definition = onboarding.first_value_definition or criterion.text
    session.commit()


def open_onboarding(
    session: Any, playbooks: Any, company: str, start: date = ACME_START, **fields: Any
) -> int:
    """A new onboarding of `company` from the Acme handoff (`fields` change it), committed as
    the handoff commits."""
    from datetime import UTC, datetime

    from bot.services.handoff import create_onboarding, validate_handoff

    form = handoff_form(
        **{"company_name": company, "start_date": start, "customer_channel_id": None, **fields}
    )
    plan = validate_handoff(
        session, form, today=start, library=playbooks, max_future_days=365, min_stakeholders=2
    )
    now = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)
    onboarding_id = create_onboarding(session, plan, actor=AE, now=now, view_id=None).id
    session.commit()
    return onboarding_id


def keep_handoff_timing(onboarding: Any, when: Any) -> None:
    """Close the handoff's own timing commitments (intro, internal meeting, first contact) as
    kept at `when`: for tests about other signals, whose onboardings would otherwise have them
    past due."""
    for commitment in onboarding.commitments:
        if commitment.timing_key and commitment.status == "open":
            commitment.status, commitment.closed_at = "done", when
            commitment.closed_by = commitment.owner_user_id


def finish_pilot(onboarding: Any) -> None:
    """Mark the pilot milestone complete, so the go-live gate's `pilot_done` check passes: for
    tests about the rest of the gate."""
    from datetime import date

    for milestone in onboarding.milestones:
        if milestone.key == "pilot" and milestone.status != "complete":
            milestone.status, milestone.completed_on = "complete", date(2026, 12, 1)
            milestone.completed_by = CSM
