"""The story of the demo: who does what on which business day, and what Onboard answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.entry.demo.cast import ACME, BLUEBIRD, LEADER, NORTHWIND, PICO, UCSM1
from bot.entry.demo.team import Team


@dataclass(frozen=True)
class Beat:
    """Something a person does on a business day of the story (counted from the start)."""

    business_day: int
    says: str
    act: Callable[[Team], str | None]  # what Onboard answers the person, when worth showing


def weekly_health_checks() -> list[Beat]:
    """Casey checks Acme and Bluebird every week; Robin checks Northwind, which slides to at
    risk; nobody checks Pico (the missing check is itself a signal)."""
    beats = [
        # The third check is red (5 NO): its escalation reaches the VP that evening.
        Beat(
            15,
            "alex.vp-cs acknowledges the escalation about Northwind's red health check",
            lambda t: t.acknowledge_escalation(NORTHWIND, LEADER),
        )
    ]
    for week, business_day in enumerate(range(4, 60, 5)):
        beats.append(
            Beat(
                business_day,
                "casey.csm: /onboard health acme (4/5 across the board)",
                lambda t: t.health(ACME, 4, 1, UCSM1),
            )
        )
        beats.append(
            Beat(
                business_day,
                "casey.csm: /onboard health bluebird (5/5)",
                lambda t: t.health(BLUEBIRD, 5, 0, UCSM1),
            )
        )
        rating, nos = (3, 2) if week < 2 else (2, 5)
        beats.append(
            Beat(
                business_day,
                f"robin.csm: /onboard health northwind ({rating}/5, {nos} NO)",
                lambda t, r=rating, n=nos: t.health(NORTHWIND, r, n, "UCSM2"),
            )
        )
    return beats


def story() -> list[Beat]:
    """Acme goes live after a blocked SAP connector; Northwind (shared channel) stalls;
    Bluebird moves fast; Pico never answers. Days count business days from the start."""
    return [
        *weekly_health_checks(),
        *_handoff_timing(),
        *_kickoffs_and_a_blocker(),
        *_plan_changes(),
        *_setup_and_first_value(),
        *_training(),
        *_go_live_hypercare_and_close(),
        *_conversations(),
    ]


def _conversations() -> list[Beat]:
    """Who speaks in the customer channels (Onboard keeps who and when, never the text): Acme's
    sponsor asks every few days and Casey answers within the hour; Ivy at Northwind asks in the
    shared channel, waits four days for Robin's answer, then goes quiet."""
    beats = []
    for business_day in range(2, 60, 3):
        beats.append(
            Beat(
                business_day,
                "dana (Acme) asks a question in #acme-manufacturing",
                lambda t: t.writes(ACME, "UDANA", outside=False),
            )
        )
        beats.append(
            Beat(
                business_day,
                "casey.csm answers Dana 40 minutes later",
                lambda t: t.writes(ACME, UCSM1, outside=False, minutes=40),
            )
        )
    return [
        *beats,
        Beat(
            14,
            "ivy (Northwind, Slack Connect) asks in the shared channel; nobody answers",
            lambda t: t.writes(NORTHWIND, "UIVY", outside=True),
        ),
        Beat(
            18,
            "robin.csm answers Ivy at last; Ivy writes nothing more",
            lambda t: t.writes(NORTHWIND, "UCSM2", outside=False),
        ),
    ]


def _handoff_timing() -> list[Beat]:
    """The handoff's own commitments: Sam (AE) makes the warm intros and holds the internal
    handoff meetings the next business day, their due day (the story's day 0 is the
    handoff itself); Robin's and Casey's first contacts are calls
    (Bluebird's is its kickoff); Pico, tech-touch, has neither."""
    return [
        *(
            Beat(
                1,
                f"sam.ae: /onboard commitments {company.split()[0].lower()}: warm intro made,"
                " internal handoff meeting held",
                lambda t, c=company: t.keep_handoff_timing(c, "UAE1"),
            )
            for company in (ACME, NORTHWIND, BLUEBIRD)
        ),
        Beat(
            1,
            "robin.csm: /onboard stakeholders northwind: call with the sponsor logged",
            lambda t: t.contact(NORTHWIND, "UCSM2"),
        ),
        Beat(
            1,
            "casey.csm: /onboard stakeholders acme: intro call with the sponsor logged",
            lambda t: t.contact(ACME, "UCSM1"),
        ),
    ]


def _kickoffs_and_a_blocker() -> list[Beat]:
    """The first two weeks: kickoffs, Acme blocked on SAP, Bluebird's first value."""
    return [
        Beat(
            1,
            "robin.csm: /onboard settings (stall alerts as one daily digest by DM)",
            lambda t: t.alert_digest("UCSM2"),
        ),
        Beat(
            2,
            "casey.csm: /onboard done acme kickoff (first value: 5+ users, 1 dashboard)",
            lambda t: t.kickoff(
                ACME, "5+ users on their own dashboard", "Weekly status, Tuesdays", UCSM1
            ),
        ),
        Beat(
            4,
            "casey.csm: /onboard block acme waiting on SAP test credentials from IT",
            lambda t: t.block(ACME, "Waiting on SAP test credentials from IT", "UCSM1"),
        ),
        Beat(
            1,
            "casey.csm: /onboard done bluebird kickoff (first value: first invoice sent)",
            lambda t: t.kickoff(
                BLUEBIRD, "First invoice sent from their own workflow", "Weekly call", "UCSM1"
            ),
        ),
        Beat(
            3,
            "casey.csm: /onboard criteria bluebird: first invoice sent from Bluebird's own"
            " workflow, met (evidence: invoice #1001)",
            lambda t: t.first_value_met(
                BLUEBIRD,
                "First invoice sent from the customer's own workflow",
                "Invoice #1001 sent by Bluebird's finance team",
                "UCSM1",
            ),
        ),
        Beat(
            3,
            "casey.csm: /onboard done bluebird first value",
            lambda t: t.done(BLUEBIRD, "first value", "UCSM1"),
        ),
        Beat(
            6,
            "robin.csm acknowledges Northwind's alerts",
            lambda t: t.acknowledge(NORTHWIND, "UCSM2"),
        ),
        Beat(8, "casey.csm: /onboard unblock acme", lambda t: t.unblock(ACME, "UCSM1")),
    ]


def _plan_changes() -> list[Beat]:
    """Acme replanned after the week lost on SAP, and two change requests: one approved with a
    checklist item, one deferred to the parking lot (its close report lists it)."""
    reason = "A week lost waiting on SAP test credentials from IT"
    return [
        Beat(
            8,
            f"casey.csm: /onboard replan acme: technical setup +5 business days ({reason}), "
            "the later milestones shifted",
            lambda t: t.replan(ACME, "Technical setup", 5, reason, UCSM1),
        ),
        Beat(
            14,
            "sam.ae: /onboard change acme Dashboards for the Dayton plant as well",
            lambda t: t.change_request(ACME, "Dashboards for the Dayton plant as well", "UAE1"),
        ),
        Beat(
            15,
            "casey.csm approves CR-1, adding the checklist item 'Dayton plant dashboard built'",
            lambda t: t.approve_change(ACME, 1, "Dayton plant dashboard built", UCSM1),
        ),
        Beat(
            16,
            "sam.ae: /onboard change acme A mobile app for the shop-floor supervisors",
            lambda t: t.change_request(ACME, "A mobile app for the shop-floor supervisors", "UAE1"),
        ),
        Beat(17, "casey.csm defers CR-2", lambda t: t.defer_change(ACME, 2, UCSM1)),
    ]


def _setup_and_first_value() -> list[Beat]:
    """Acme's integrations verified end to end and its first value; Bluebird's training."""
    return [
        Beat(
            9,
            "casey.csm: /onboard setup acme: SAP ERP, Salesforce and Okta SSO verified end to end",
            lambda t: t.integrations_verified(
                ACME, "UCSM1", "Supplier master data reconciled: 4,812 of 4,812 records"
            ),
        ),
        Beat(
            9,
            "casey.csm: /onboard done acme technical setup",
            lambda t: t.done(ACME, "technical setup", "UCSM1"),
        ),
        Beat(
            10,
            "robin.csm snoozes Pico Labs' alerts for 3 days",
            lambda t: t.snooze(PICO, 3, "UCSM2"),
        ),
        Beat(
            11,
            "casey.csm: /onboard criteria acme: first value (5+ users, 1 dashboard) met",
            lambda t: t.first_value_met(
                ACME,
                "5+ users active and 1 dashboard built by day 30",
                "7 users active; the plant dashboard is in daily use",
                "UCSM1",
            ),
        ),
        Beat(
            11,
            "casey.csm: /onboard done acme first value",
            lambda t: t.done(ACME, "first value", "UCSM1"),
        ),
        Beat(
            12,
            "casey.csm: /onboard done bluebird training",
            lambda t: t.done(BLUEBIRD, "training", "UCSM1"),
        ),
    ]


def _training() -> list[Beat]:
    """Acme's training tracks, with a make-up session for the end users."""
    return [
        Beat(
            24,
            "casey.csm: /onboard training acme: admin workshop delivered, 8 of 8",
            lambda t: t.train(ACME, "admins", 8, 8, UCSM1),
        ),
        Beat(
            24,
            "casey.csm: /onboard training acme: power-user workshop delivered, 12 of 14",
            lambda t: t.train(ACME, "power_users", 14, 12, UCSM1),
        ),
        Beat(
            25,
            "casey.csm: /onboard training acme: end-user training delivered, 40 of 55",
            lambda t: t.train(ACME, "end_users", 55, 40, UCSM1),
        ),
        Beat(
            27,
            "casey.csm: /onboard training acme: end-user make-up session, 52 of 55",
            lambda t: t.train(ACME, "end_users", 55, 52, UCSM1),
        ),
    ]


def _go_live_hypercare_and_close() -> list[Beat]:
    """Acme's pilot, go-live and hypercare, then both closes (Northwind's refused)."""
    return [
        Beat(33, "casey.csm: /onboard done acme pilot", lambda t: t.done(ACME, "pilot", "UCSM1")),
        Beat(42, "casey.csm: /onboard golive acme", lambda t: t.go_live(ACME, "UCSM1")),
        Beat(
            43,
            "casey.csm: /onboard issue acme P2 Toledo plant data not syncing",
            lambda t: t.issue(ACME, "P2", "Toledo plant data not syncing", "UCSM1"),
        ),
        Beat(43, "casey.csm responds to issue 1", lambda t: t.respond(ACME, 1, "UCSM1")),
        Beat(44, "casey.csm: /onboard resolve acme 1", lambda t: t.resolve(ACME, 1, "UCSM1")),
        Beat(
            45,
            "casey.csm: /onboard issue acme P4 How do I export a dashboard?",
            lambda t: t.issue(ACME, "P4", "How do I export a dashboard?", "UCSM1"),
        ),
        Beat(46, "casey.csm: /onboard resolve acme 2", lambda t: t.resolve(ACME, 2, "UCSM1")),
        Beat(57, "casey.csm clicks End hypercare", lambda t: t.end_hypercare(ACME, "UCSM1")),
        Beat(
            59,
            "casey.csm: /onboard close acme (lessons learned, robin.csm carries the account on)",
            lambda t: t.close(
                ACME,
                "Ask for SAP test credentials at kickoff: waiting on them cost a week.",
                "UCSM2",
                "UCSM1",
            ),
        ),
        Beat(
            59,
            "robin.csm: /onboard close northwind",
            lambda t: t.close(NORTHWIND, "Too early.", "UCSM2", "UCSM2"),
        ),
    ]
