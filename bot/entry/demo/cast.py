"""The demo's cast: the people and channels of the story, and the four customers' handoffs."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.handoff import HandoffForm

DAYS = 90
UCSM1 = "UCSM1"
NAMES = {
    "UAE1": "sam.ae",
    "UCSM1": "casey.csm",
    "UCSM2": "robin.csm",
    "CACME": "acme-manufacturing",
    "CEXTNORTH": "northwind-shared",
    "UDANA": "dana.reyes",
    "UVPCS": "alex.vp-cs",
}
# The VP of Customer Success: an Onboard admin, so the leaders' Monday digest reaches someone.
LEADER = "UVPCS"
# Shared with the customer's organisation (Slack Connect): nothing internal may go there.
SHARED_CHANNELS = frozenset({"CEXTNORTH"})
ACME = "Acme Manufacturing"
NORTHWIND = "Northwind Traders"
BLUEBIRD = "Bluebird Dental"
PICO = "Pico Labs"


def demo_handoffs(start: date) -> list[tuple[HandoffForm, str]]:
    """The Acme Manufacturing example of the playbooks, and three others in other segments."""
    acme = HandoffForm(
        company_name=ACME,
        website="https://acme.example",
        industry="Manufacturing",
        company_size="1,200 employees",
        arr="$95K",
        contract_term="12 months",
        start_date=start,
        csm_user_id="UCSM1",
        customer_channel_id="CACME",
        create_internal_channel=True,
        stakeholders="\n".join(
            [
                "Dana Reyes | VP Operations | executive sponsor | <@UDANA>",
                "Lee Park | IT Director | technical lead | lee.park@acme.example",
                "Maria Lopez | Plant Manager, Dayton | champion | maria.lopez@acme.example",
                "Tom Baker | Plant Manager, Toledo | end-user champion | tom.baker@acme.example",
                "Ana Silva | Plant Manager, Akron | end-user champion | ana.silva@acme.example",
            ]
        ),
        why_bought="Real-time supply chain visibility across all 3 plants",
        alternatives="Spreadsheets plus the SAP reporting module",
        success_criteria="\n".join(
            [
                "Real-time supply chain visibility across all 3 plants within 60 days",
                "5+ users active and 1 dashboard built by day 30",
            ]
        ),
        systems="SAP ERP, Salesforce",
        sso="Okta",
        data_migration="Supplier master data from SAP",
        promises="SAP connector live before go-live\nWeekly status report to the VP Operations",
        out_of_scope="Custom ERP modules",
        risks="high: IT team stretched by an ERP upgrade",
        go_live_target=start + timedelta(days=60),
    )
    northwind = HandoffForm(
        company_name=NORTHWIND,
        arr="$240K",
        start_date=start,
        csm_user_id="UCSM2",
        customer_channel_id="CEXTNORTH",
        stakeholders="Ivy Chen | COO | sponsor | ivy@northwind.example",
        success_criteria="Order-to-cash cycle under 5 days",
        systems="NetSuite",
    )
    bluebird = HandoffForm(
        company_name=BLUEBIRD, arr="12,000", start_date=start, csm_user_id="UCSM1"
    )
    pico = HandoffForm(company_name=PICO, arr="3k", start_date=start, csm_user_id="UCSM2")
    return [(acme, "UAE1"), (northwind, "UAE1"), (bluebird, "UAE1"), (pico, "UAE1")]
