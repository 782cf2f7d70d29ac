"""`onboard demo`: Onboard at work on the embedded SQLite default, without a Slack workspace.

Seeds the Acme Manufacturing example of the playbooks and a few onboardings in other segments
through the real services, with the real message builders printing to the terminal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.config import load_settings
from bot.db import Database
from bot.deps import Deps
from bot.models import Onboarding
from bot.playbooks import PlaybookLibrary
from bot.services.handoff import (
    HandoffForm,
    create_onboarding,
    find_open_onboarding,
    validate_handoff,
)
from bot.services.onboardings import acknowledge_handoff
from bot.slack.announce import announce_handoff
from bot.slack.client import UserDirectory
from bot.slack.terminal import TerminalSlack

NAMES = {
    "UAE1": "sam.ae",
    "UCSM1": "casey.csm",
    "UCSM2": "robin.csm",
    "CACME": "acme-manufacturing",
    "CEXTNORTH": "northwind-shared",
    "UDANA": "dana.reyes",
}


def demo_handoffs(start: date) -> list[tuple[HandoffForm, str]]:
    """The Acme Manufacturing example of the playbooks, and three others in other segments."""
    acme = HandoffForm(
        company_name="Acme Manufacturing",
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
        company_name="Northwind Traders",
        arr="$240K",
        start_date=start,
        csm_user_id="UCSM2",
        customer_channel_id="CEXTNORTH",
        stakeholders="Ivy Chen | COO | sponsor | ivy@northwind.example",
        success_criteria="Order-to-cash cycle under 5 days",
        systems="NetSuite",
    )
    bluebird = HandoffForm(
        company_name="Bluebird Dental", arr="12,000", start_date=start, csm_user_id="UCSM1"
    )
    pico = HandoffForm(company_name="Pico Labs", arr="3k", start_date=start, csm_user_id="UCSM2")
    return [(acme, "UAE1"), (northwind, "UAE1"), (bluebird, "UAE1"), (pico, "UAE1")]


def run_demo(database_url: str, out=print) -> int:  # type: ignore[no-untyped-def]
    settings = replace(load_settings(require_slack=False), database_url=database_url)
    db = Database(database_url)
    db.upgrade()
    library = PlaybookLibrary.load(settings.templates_dir)
    slack = TerminalSlack(dict(NAMES), out=out)
    deps = Deps(settings=settings, db=db, playbooks=library, users=UserDirectory(slack))
    start = datetime.now(UTC).date()
    now = datetime.combine(start, time(9), tzinfo=UTC)
    slack.clock_label = lambda: f"[{start:%a %Y-%m-%d}]"
    out(
        f"Onboard demo on {Path(database_url.removeprefix('sqlite:///')).name}: "
        "what Onboard would post, when and where.\n"
    )
    created: list[Onboarding] = []
    for form, ae in demo_handoffs(start):
        with db.session() as session:
            if find_open_onboarding(session, form.company_name):
                out(f"({form.company_name} is already in the demo database; skipping)")
                continue
            plan = validate_handoff(
                session, form, today=start, library=library, max_future_days=365, min_stakeholders=2
            )
            onboarding = create_onboarding(session, plan, actor=ae, now=now, view_id=None)
        out(
            f"\n--- {ae} submits the handoff for {form.company_name} "
            f"({plan.playbook.segment}, score {plan.quality_score}/100)"
        )
        announce_handoff(slack, deps, onboarding.id, create_channel=form.create_internal_channel)
        created.append(onboarding)
    for onboarding in created:
        with db.session() as session:
            acknowledge_handoff(session, onboarding.id, onboarding.csm_user_id, now=now)
    out(
        f"\nSummary: {len(created)} onboardings created, {slack.posts} messages posted; "
        "every CSM acknowledged their handoff."
    )
    return 0
