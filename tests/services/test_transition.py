"""The transition (service level, no Slack): the completion check with every reason, waiving
with a reason, closing (the report, the stored fields; the caller commits), no alerts once closed,
reopening (logged; refused while another onboarding of the company is open), the closed-aware
lookup. The Acme handoff is Mid-Market (target first value: the playbook's)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    ActivityEntry,
    Blocker,
    Integration,
    MilestoneStatus,
    Onboarding,
    OnboardingStatus,
    OutboxMessage,
    TrainingSession,
)
from bot.playbooks import PlaybookLibrary
from bot.services.errors import Conflict, NotAllowed
from bot.services.lookup import CustomerIndex
from bot.services.transition import (
    CloseInvalid,
    NotReady,
    check_close,
    close_onboarding,
    reopen_onboarding,
    waive_milestones,
)
from bot.slack.close_report_views import build_report_blocks
from bot.slack.renderers import render_post
from bot.slack.transition_views import completion_reasons, refusal_message, refusal_text
from tests.factories import ACME_START, AE, CSM
from tests.services.test_hypercare import make_onboarding

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
NEXT = "UNEXT"
ADMINS = frozenset({"UADMIN"})
LESSONS = "Start the SAP connector in week one; <plant> managers need their own demo & more."


def ready(session: Session, onboarding: Onboarding, *, late: str = "") -> Onboarding:
    """Every milestone but the transition done (the one named `late` 3 days late), first
    value reached 30 days after the start."""
    for m in onboarding.milestones:
        if m.key == "transition" or m.is_done:
            continue
        m.status = MilestoneStatus.COMPLETE
        m.completed_on = m.due_date + timedelta(days=3 if m.key == late else 0)
        m.completed_at, m.completed_by = NOW, CSM
    onboarding.first_value_at = datetime.combine(
        ACME_START + timedelta(days=30), datetime.min.time(), UTC
    )
    session.commit()
    return onboarding


def close(session: Session, playbooks: PlaybookLibrary, onboarding: Onboarding, **kw):  # type: ignore[no-untyped-def]
    """Close, and commit as the handler does."""
    closed = close_onboarding(
        session,
        onboarding.id,
        kw.pop("actor", CSM),
        lessons=kw.pop("lessons", LESSONS),
        ongoing_csm=kw.pop("ongoing_csm", NEXT),
        admins=ADMINS,
        playbooks=playbooks,
        now=kw.pop("now", NOW),
        today=TODAY,
    )
    session.commit()
    return closed


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def actions(session: Session, onboarding_id: int) -> list[ActivityEntry]:
    return list(
        session.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.onboarding_id == onboarding_id)
            .order_by(ActivityEntry.id)
        )
    )


# ---- the completion check ----------------------------------------------------------------------


def test_check_fails_with_every_reason_and_nothing_changes(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, go_live_at=NOW - timedelta(days=20))
    check = check_close(session, onboarding.id, CSM, admins=ADMINS)
    assert not check.passed
    names = [m.name for m in onboarding.milestones if m.key != "transition"]
    assert [m.name for m in check.open_milestones] == names
    text = "\n".join(completion_reasons(check))
    for name in names:
        assert f"*{name}* is not done" in text
    assert "Transition" not in text  # closing is what completes it
    assert "First value is not confirmed" in text and "Hypercare has not been exited" in text
    assert len(completion_reasons(check)) == check.reason_count == len(names) + 2
    with pytest.raises(NotReady) as refused:
        close(session, playbooks, onboarding)
    assert refused.value.check == check
    session.expire_all()
    assert session.get(Onboarding, onboarding.id).status == OnboardingStatus.ACTIVE
    assert outbox(session) == []


def test_the_refusal_counts_its_reasons_in_words(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    onboarding.first_value_at = None
    session.commit()
    one = check_close(session, onboarding.id, CSM, admins=ADMINS)
    assert refusal_text(one) == "Acme Manufacturing cannot be closed yet (1 reason)."
    onboarding.go_live_at = NOW - timedelta(days=20)  # and hypercare never exited
    session.commit()
    two = check_close(session, onboarding.id, CSM, admins=ADMINS)
    assert refusal_text(two) == "Acme Manufacturing cannot be closed yet (2 reasons)."


def test_hypercare_is_asked_only_of_an_onboarding_that_went_live(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    assert check_close(session, onboarding.id, CSM, admins=ADMINS).passed  # never went live
    onboarding.go_live_at = NOW - timedelta(days=30)
    session.commit()
    assert completion_reasons(check_close(session, onboarding.id, CSM, admins=ADMINS)) == [
        "Hypercare has not been exited: end it (*End hypercare* on the hypercare update) once "
        "its exit check passes."
    ]
    onboarding.hypercare_exited_at = NOW - timedelta(days=2)
    session.commit()
    assert check_close(session, onboarding.id, CSM, admins=ADMINS).passed


def test_only_the_csm_ae_or_an_admin_may_close(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    with pytest.raises(NotAllowed):
        check_close(session, onboarding.id, "USTRANGER", admins=ADMINS)
    with pytest.raises(NotAllowed):
        close(session, playbooks, onboarding, actor="USTRANGER")
    assert check_close(session, onboarding.id, "UADMIN", admins=ADMINS).passed


# ---- waiving ---------------------------------------------------------------------------------


def test_waive_with_a_reason_counts_as_done_and_is_logged(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    pilot = next(m for m in onboarding.milestones if m.key == "pilot")
    training = next(m for m in onboarding.milestones if m.key == "training")
    with pytest.raises(CloseInvalid) as blank:
        waive_milestones(session, onboarding.id, [pilot.id], "  ", CSM, admins=ADMINS, now=NOW)
    assert blank.value.field == "reason"
    with pytest.raises(CloseInvalid):
        waive_milestones(session, onboarding.id, [], "No pilot", CSM, admins=ADMINS, now=NOW)
    with pytest.raises(NotAllowed):
        waive_milestones(session, onboarding.id, [pilot.id], "Nope!", "UX", admins=ADMINS, now=NOW)
    reason = "Customer went straight to production; agreed with the sponsor"
    names = waive_milestones(
        session, onboarding.id, [pilot.id, training.id], reason, CSM, admins=ADMINS, now=NOW
    )
    assert names == ["Training delivered", "Pilot success"]
    session.commit()
    session.expire_all()
    assert session.get(type(pilot), pilot.id).status == MilestoneStatus.WAIVED
    check = check_close(session, onboarding.id, CSM, admins=ADMINS)
    assert "Pilot success" not in json.dumps(completion_reasons(check))
    entries = [e for e in actions(session, onboarding.id) if e.action == "milestone_waived"]
    assert [(e.actor_user_id, e.data["reason"]) for e in entries] == [(CSM, reason)] * 2
    # The report lists them with the reason.
    ready(session, session.get(Onboarding, onboarding.id))
    closed = close(session, playbooks, session.get(Onboarding, onboarding.id))
    waived = [m for m in closed.report.milestones if m.waived_reason is not None]
    assert [(m.name, m.waived_reason) for m in waived] == [
        ("Training delivered", reason),
        ("Pilot success", reason),
    ]


# ---- closing ---------------------------------------------------------------------------------


def test_close_stores_everything_and_queues_the_report_and_the_handover(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, internal_channel_id="CINT")
    ready(session, onboarding, late="kickoff")
    onboarding.integrations.clear()
    session.flush()
    onboarding.integrations = [
        Integration(name="SAP ERP", status="verified", known_limitations="No batch <imports>"),
        Integration(name="Okta SSO", status="waived", waived_reason="Customer uses passwords"),
    ]
    onboarding.training_sessions = [
        TrainingSession(
            track="admins",
            invited=10,
            attended=9,
            competency_passed=True,
            delivered_at=NOW - timedelta(days=40),
        )
    ]
    onboarding.blockers.append(
        Blocker(reason="Plant Busan VPN", owner_user_id="UIT", opened_at=NOW, opened_by=CSM)
    )
    session.commit()
    with pytest.raises(CloseInvalid) as missing:
        close(session, playbooks, onboarding, lessons="ok")
    assert missing.value.field == "lessons"
    with pytest.raises(CloseInvalid) as nobody:
        close(session, playbooks, onboarding, ongoing_csm=None)
    assert nobody.value.field == "ongoing_csm"

    closed = close(session, playbooks, onboarding)
    session.expire_all()
    row = session.get(Onboarding, onboarding.id)
    assert row.status == OnboardingStatus.CLOSED and row.closed_at == NOW
    assert row.lessons_learned == LESSONS and row.ongoing_csm_user_id == NEXT
    transition = next(m for m in row.milestones if m.key == "transition")
    assert transition.status == MilestoneStatus.COMPLETE and transition.completed_on == TODAY
    assert actions(session, row.id)[-1].action == "closed"
    report_post, handover = outbox(session)
    assert (report_post.channel, report_post.kind) == ("CINT", "transition_report")
    assert report_post.payload["internal"] is True
    assert "blocks" not in report_post.payload  # the report's data, rendered when sent
    assert (handover.channel, handover.kind) == (NEXT, "transition_handover")
    assert "<#CINT>" in json.dumps(render_post(handover.kind, handover.payload).blocks)

    report = closed.report
    target = playbooks.get(row.playbook).target_first_value_days
    assert report.time_to_value_days == 30 and report.target_days == target
    assert report.on_time == (7, 9)  # the kickoff 3 days late; the transition, closed today
    text = json.dumps(build_report_blocks(report), ensure_ascii=False)
    for expected in (
        "SAP ERP · verified: No batch &lt;imports&gt;",
        "Okta SSO · waived: Customer uses passwords",
        "admins · delivered",
        "9/10 attended · competency passed",
        "*30 days* from the start",
        f"target {target} days",
        "7/9 completed on time",
        "Kickoff held · 3 days late",
        "Plant Busan VPN · <@UIT>",
        "SAP work-order sync connector delivered",
        "Priya Raman",
        "&lt;plant&gt; managers need their own demo &amp; more",
    ):
        assert expected in text, expected
    # Closed: no second close.
    with pytest.raises(Conflict):
        close(session, playbooks, row)


def test_without_integrations_the_report_lists_the_handoff_systems(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    onboarding.integrations.clear()  # none tracked (an onboarding from before integrations)
    session.commit()
    closed = close(session, playbooks, onboarding)
    assert closed.report_channel == CSM  # no internal channel: the closer's DM
    text = json.dumps(build_report_blocks(closed.report), ensure_ascii=False)
    assert "No integration tracked" in text and "SAP ERP (S/4HANA), Salesforce" in text
    assert "No training session recorded" in text


def test_a_closed_onboarding_produces_no_alerts(db, session, settings, playbooks) -> None:  # type: ignore[no-untyped-def]
    from tests.slack.test_alerts_slack import at, bare, day, run

    onboarding = bare(session, "Stuck Co", blockers=1, internal_channel_id="CINT")
    assert run(settings, db, playbooks, at(day(1))).queued  # open: the blocker alerts
    onboarding.first_value_at = at(day(1))
    session.commit()
    close(session, playbooks, onboarding, now=at(day(1), 12))
    result = run(settings, db, playbooks, at(day(2)))
    assert result.queued == []
    session.expire_all()
    alerts = [p for p in outbox(session) if p.kind == "alert"]
    assert len(alerts) == 1  # the one from before the close
    states = session.get(Onboarding, onboarding.id).alerts
    assert states and all(s.cleared_at is not None for s in states)


# ---- reopening -------------------------------------------------------------------------------


def test_reopen_is_logged_with_who_and_why(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    with pytest.raises(Conflict):  # open: nothing to reopen
        reopen_onboarding(session, onboarding.id, AE, "why", admins=ADMINS, now=NOW)
    close(session, playbooks, onboarding)
    with pytest.raises(NotAllowed):
        reopen_onboarding(session, onboarding.id, "UX", "Because", admins=ADMINS, now=NOW)
    with pytest.raises(CloseInvalid):
        reopen_onboarding(session, onboarding.id, AE, "  ", admins=ADMINS, now=NOW)
    later = NOW + timedelta(days=3)
    reopened = reopen_onboarding(
        session, onboarding.id, AE, "Customer added a plant", admins=ADMINS, now=later
    )
    session.commit()
    assert reopened.status == OnboardingStatus.ACTIVE
    session.expire_all()
    row = session.get(Onboarding, onboarding.id)
    assert row.status == OnboardingStatus.ACTIVE and row.closed_at is None
    entry = actions(session, row.id)[-1]
    assert (entry.action, entry.actor_user_id) == ("reopened", AE)
    assert entry.data["reason"] == "Customer added a plant" and entry.created_at == later


def test_reopen_goes_back_to_hypercare_when_it_was_never_exited(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    close(session, playbooks, onboarding)
    onboarding.go_live_at = NOW - timedelta(days=10)  # an older close, from before the check
    session.commit()
    reopened = reopen_onboarding(session, onboarding.id, CSM, "Go on", admins=ADMINS, now=NOW)
    assert reopened.status == OnboardingStatus.HYPERCARE


def test_reopen_is_refused_while_another_onboarding_of_the_company_is_open(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    first = ready(session, make_onboarding(session, playbooks))
    close(session, playbooks, first)
    renewal = make_onboarding(session, playbooks)  # the same company, re-onboarded
    assert renewal.company_key == first.company_key
    with pytest.raises(Conflict) as refused:
        reopen_onboarding(session, first.id, CSM, "Oops", admins=ADMINS, now=NOW)
    assert "another onboarding of the same company is open" in str(refused.value)
    session.expire_all()
    assert session.get(Onboarding, first.id).status == OnboardingStatus.CLOSED


def test_refusals_are_worded_with_the_names_escaped(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks, company_name="A<b> & Co"))
    close(session, playbooks, onboarding)
    with pytest.raises(Conflict) as closed:
        check_close(session, onboarding.id, CSM, admins=ADMINS)
    assert refusal_message(closed.value) == (
        "*A&lt;b&gt; &amp; Co* was already closed on Mar 1, 2027. "
        "`/onboard reopen A&lt;b&gt; &amp; Co <why>` reopens it."
    )


def test_lookup_of_closed_onboardings(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = ready(session, make_onboarding(session, playbooks))
    close(session, playbooks, onboarding)
    assert CustomerIndex.load(session).find("acme").matches == []
    found = CustomerIndex.load(session, closed=True).find("acme mfg")
    assert found.one is not None and found.one.onboarding_id == onboarding.id
    assert date(2027, 3, 1) == TODAY
