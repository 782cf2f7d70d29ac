"""The go-live readiness gate (service level, no Slack): proceed, refusal, override, errors, and
the go-live post. The Acme handoff is Mid-Market: 15 gate items, 15 business days of hypercare."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    ActivityEntry,
    Blocker,
    ChecklistItem,
    GateReview,
    Onboarding,
    OnboardingStatus,
    OutboxMessage,
)
from bot.playbooks import DEFAULT_ROLLBACK_TRIGGERS, PlaybookLibrary
from bot.services.errors import NotAllowed
from bot.services.gate import (
    GateBlocker,
    GateDecision,
    GateIncomplete,
    GateOutcome,
    OverrideNotAllowed,
    OverrideReasonMissing,
    decide_gate_by_id,
    open_gate,
)
from bot.services.gate_items import GROUPS, GateAnswer, gate_items, owner_for, split_group
from bot.services.hypercare import AlreadyLive
from bot.services.status import load_status
from bot.slack.gate_views import build_gate_modal, build_go_live_post_blocks, decision_text
from bot.slack.renderers import render_post
from bot.slack.status_views import build_status_blocks
from tests.factories import AE, CSM, finish_pilot
from tests.services.test_hypercare import make_onboarding as new_onboarding

# Wednesday 2026-12-16, 14:00 UTC.
NOW = datetime(2026, 12, 16, 14, 0, tzinfo=UTC)
ADMIN = "UADMIN"
ADMINS = frozenset({ADMIN})


def make_onboarding(session: Session, playbooks: PlaybookLibrary, *args, **fields) -> Onboarding:  # type: ignore[no-untyped-def]
    """The Acme onboarding with its pilot done: ready for the gate but for its items."""
    onboarding = new_onboarding(session, playbooks, *args, **fields)
    finish_pilot(onboarding)
    session.commit()
    return onboarding


def answers(onboarding: Onboarding, no: Collection[str] = (), notes: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """YES to every gate item but those whose text contains one of `no`."""
    notes = notes or {}
    result = {}
    for item in gate_items(onboarding):
        says_no = any(word in item.text for word in no)
        note = next((n for word, n in notes.items() if word in item.text), "")
        result[item.item_id] = GateAnswer(item.item_id, not says_no, note)
    return result


def decide(
    session: Session, playbooks: PlaybookLibrary, onboarding: Onboarding, given, actor=CSM, **kw
):  # type: ignore[no-untyped-def]
    """Decide, and commit as the handler does."""
    decision = decide_gate_by_id(
        session,
        onboarding.id,
        given,
        actor,
        admins=ADMINS,
        now=kw.pop("now", NOW),
        playbooks=playbooks,
        tz=UTC,
        **kw,
    )
    session.commit()
    return decision


def reviews(session: Session) -> list[GateReview]:
    return list(session.scalars(select(GateReview).order_by(GateReview.id)))


def open_blockers(session: Session) -> list[Blocker]:
    return list(
        session.scalars(select(Blocker).where(Blocker.resolved_at.is_(None)).order_by(Blocker.id))
    )


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(ActivityEntry.action).order_by(ActivityEntry.id)))


def test_gate_items_come_grouped_from_the_playbook(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    items = gate_items(onboarding)
    playbook = playbooks.get("mid_market")
    assert [(i.group, i.text, i.owner_role) for i in items] == [
        (g.group, g.text, g.owner) for g in playbook.gate
    ]
    assert {i.group for i in items} == set(GROUPS)
    assert split_group("[support] Monitoring on") == ("support", "Monitoring on")
    # An item without the group prefix takes its group from the playbook item of that text.
    row = next(c for c in onboarding.checklist_items if c.is_gate)
    row.text = split_group(row.text)[1]
    assert gate_items(onboarding, playbook)[0].group == playbook.gate[0].group
    assert gate_items(onboarding)[0].group == "other"


def test_all_yes_goes_live_and_starts_hypercare(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decision = decide(session, playbooks, onboarding, answers(onboarding))
    assert decision.outcome == GateOutcome.PROCEED and decision.went_live
    assert decision.go_live.go_live_on == date(2026, 12, 16)
    assert decision.go_live.hypercare_ends_on == date(2027, 1, 6)  # 15 business days
    session.expire_all()
    onboarding = session.get(Onboarding, onboarding.id)
    assert onboarding.status == OnboardingStatus.HYPERCARE and onboarding.go_live_at == NOW
    assert onboarding.hypercare_ends_on == date(2027, 1, 6)
    (review,) = reviews(session)
    assert review.outcome == "proceed" and review.decided_by == CSM and not review.override_reason
    assert len(review.answers) == 15 and all(a["yes"] for a in review.answers)
    assert {a["group"] for a in review.answers} == set(GROUPS)
    gate_rows = session.scalars(select(ChecklistItem).where(ChecklistItem.is_gate)).all()
    assert all(c.done_by == CSM for c in gate_rows)
    assert open_blockers(session) == []
    assert actions(session)[-3:] == ["gate_passed", "milestone_completed", "went_live"]
    go_live_milestone = next(m for m in onboarding.milestones if m.is_go_live)
    assert go_live_milestone.completed_on == date(2026, 12, 16)


def test_one_no_refuses_go_live_and_opens_a_blocker(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    given = answers(
        onboarding,
        no=("SSO", "Executive sponsor briefed", "Monitoring"),
        notes={"SSO": "Okta <groups> not mapped & untested"},
    )
    before = actions(session)
    decision = decide(session, playbooks, onboarding, given)
    assert decision.outcome == GateOutcome.REFUSED and not decision.went_live
    session.expire_all()
    onboarding = session.get(Onboarding, onboarding.id)
    assert onboarding.status == OnboardingStatus.ACTIVE and onboarding.go_live_at is None
    assert onboarding.hypercare_ends_on is None
    assert not any(m.is_done for m in onboarding.milestones if m.is_go_live)
    # Nothing else changes: no gate item ticked, nothing queued.
    assert not session.scalars(
        select(ChecklistItem).where(ChecklistItem.done_at.is_not(None))
    ).all()
    assert session.scalars(select(OutboxMessage)).all() == []
    (review,) = reviews(session)
    assert review.outcome == "refused" and review.decided_by == CSM
    assert sum(1 for a in review.answers if not a["yes"]) == 3
    blockers = open_blockers(session)
    owners = {b.reason.split(" (")[0]: b.owner_user_id for b in blockers}
    playbook = playbooks.get("mid_market")
    roles = {g.text: g.owner for g in playbook.gate}
    expected = {}
    for item in playbook.gate:
        if any(w in item.text for w in ("SSO", "Executive sponsor briefed", "Monitoring")):
            expected[f"Go-live gate: {item.text}"] = AE if roles[item.text] == "ae" else CSM
    assert owners == expected
    assert AE in owners.values() and CSM in owners.values()  # the sponsor briefing is the AE's
    sso = next(b for b in blockers if "SSO" in b.reason)
    assert sso.reason.endswith("(technical) — Okta <groups> not mapped & untested")
    assert sso.opened_by == CSM and sso.opened_at == NOW
    new = actions(session)[len(before) :]
    assert new == ["gate_refused"] + ["blocker_added"] * 3 or sorted(new) == sorted(
        ["gate_refused"] + ["blocker_added"] * 3
    )
    assert {b.reason for b in decision.blockers} == {b.reason for b in blockers}


def test_refusing_again_does_not_duplicate_blockers_and_passing_resolves_them(  # type: ignore[no-untyped-def]
    session, playbooks
) -> None:
    onboarding = make_onboarding(session, playbooks)
    decide(session, playbooks, onboarding, answers(onboarding, no=("SSO",)))
    again = decide(session, playbooks, onboarding, answers(onboarding, no=("SSO", "Baseline")))
    assert [b.new for b in again.blockers] == [True, False] or sorted(
        b.new for b in again.blockers
    ) == [False, True]
    assert len(open_blockers(session)) == 2
    # The modal starts from the latest answers.
    form = open_gate(session, onboarding.id, CSM, admins=ADMINS, playbooks=playbooks, tz=UTC)
    assert sum(1 for i in form.items if i.previous is False) == 2
    assert all(i.previous is not None for i in form.items)
    decision = decide(session, playbooks, onboarding, answers(onboarding), now=NOW + timedelta(1))
    assert decision.went_live and open_blockers(session) == []
    assert [r.outcome for r in reviews(session)] == ["refused", "refused", "proceed"]


def test_admin_override_with_reason_goes_live_and_is_logged(session, playbooks, caplog) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    reason = "Customer board demo on Monday; SSO fix lands Tuesday, <@U1> agreed"
    decision = decide(
        session,
        playbooks,
        onboarding,
        answers(onboarding, no=("SSO",)),
        ADMIN,
        override_reason=f"  {reason}  ",
    )
    assert decision.outcome == GateOutcome.OVERRIDE and decision.went_live
    assert decision.override_reason == reason
    (review,) = reviews(session)
    assert review.outcome == "override" and review.override_reason == reason
    assert review.decided_by == ADMIN
    session.expire_all()
    onboarding = session.get(Onboarding, onboarding.id)
    assert onboarding.status == OnboardingStatus.HYPERCARE
    assert [b.reason.split(" (")[0] for b in open_blockers(session)] == [
        f"Go-live gate: {next(i.text for i in gate_items(onboarding) if 'SSO' in i.text)}"
    ]
    assert "gate_overridden" in actions(session)
    assert any("overridden" in r.message and ADMIN in r.message for r in caplog.records)
    # The (internal) status card says so, escaped; the shared-channel card does not.
    card = load_status(session, onboarding.id, date(2026, 12, 16))
    assert card.gate_override is not None and card.gate_override.by_user_id == ADMIN
    internal = str(build_status_blocks(card))
    assert "Go-live gate overridden by <@UADMIN>" in internal and "&lt;@U1&gt;" in internal
    assert "overridden" not in str(build_status_blocks(card, internal=False))


def test_override_by_a_non_admin_is_refused(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    for given in (answers(onboarding, no=("SSO",)), answers(onboarding)):
        with pytest.raises(OverrideNotAllowed, match="Only Onboard admins"):
            decide(session, playbooks, onboarding, given, CSM, override_reason="We need it now!")
    session.rollback()
    assert reviews(session) == [] and open_blockers(session) == []
    assert session.get(Onboarding, onboarding.id).go_live_at is None


@pytest.mark.parametrize("reason", ["", "   ", "ok go"])
def test_override_needs_a_written_reason(session, playbooks, reason) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    with pytest.raises(OverrideReasonMissing, match="Write why"):
        decide(
            session,
            playbooks,
            onboarding,
            answers(onboarding, no=("SSO",)),
            ADMIN,
            override_reason=reason,
        )
    session.rollback()
    assert reviews(session) == [] and session.get(Onboarding, onboarding.id).go_live_at is None


def test_admin_reason_with_all_yes_simply_proceeds(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decision = decide(
        session, playbooks, onboarding, answers(onboarding), ADMIN, override_reason="just in case"
    )
    assert decision.outcome == GateOutcome.PROCEED and decision.override_reason == ""


def test_every_item_must_be_answered(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    given = answers(onboarding)
    items = gate_items(onboarding)
    del given[items[4].item_id]
    given[items[7].item_id] = GateAnswer(items[7].item_id, None)
    with pytest.raises(GateIncomplete) as missing:
        decide(session, playbooks, onboarding, given)
    assert missing.value.item_id == items[4].item_id and items[4].text in str(missing.value)
    session.rollback()
    assert reviews(session) == []


def test_already_live_is_refused_at_open_and_decide(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decide(session, playbooks, onboarding, answers(onboarding))
    with pytest.raises(AlreadyLive, match="already went live on 2026-12-16"):
        open_gate(session, onboarding.id, CSM, admins=ADMINS, playbooks=playbooks, tz=UTC)
    with pytest.raises(AlreadyLive):
        decide(session, playbooks, onboarding, answers(onboarding), now=NOW + timedelta(days=1))
    session.rollback()
    assert len(reviews(session)) == 1


def test_only_the_team_may_open_or_decide(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    with pytest.raises(NotAllowed):
        open_gate(session, onboarding.id, "UOTHER", admins=ADMINS, playbooks=playbooks, tz=UTC)
    with pytest.raises(NotAllowed):
        decide(session, playbooks, onboarding, answers(onboarding), "UOTHER")
    form = open_gate(session, onboarding.id, AE, admins=ADMINS, playbooks=playbooks, tz=UTC)
    assert not form.can_override
    assert open_gate(
        session, onboarding.id, ADMIN, admins=ADMINS, playbooks=playbooks, tz=UTC
    ).can_override


def test_go_live_post_lists_the_rollback_triggers_and_nothing_internal(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    decide(
        session,
        playbooks,
        onboarding,
        answers(onboarding, no=("SSO",)),
        ADMIN,
        override_reason="Secret internal reason about ARR",
    )
    (post,) = session.scalars(select(OutboxMessage)).all()
    assert post.channel == "C0ACME" and post.kind == "go-live"
    assert "blocks" not in post.payload  # the post's data, rendered when sent
    assert post.idempotency_key == f"go-live:{onboarding.id}:announcement:2026-12-16"
    text = str(render_post(post.kind, post.payload))
    for trigger in DEFAULT_ROLLBACK_TRIGGERS:
        assert trigger in text
    assert "Availability below 95% for more than 2 hours" in text
    for internal in ("Secret", "ARR", "$95K", "override", "SSO", "Health", "Risk"):
        assert internal not in text
    assert "(Wed Dec 16, 2026, 8 days ahead of plan)" in text  # go-live due Dec 24


def test_owner_mapping(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks)
    assert owner_for(onboarding, "ae") == AE
    for role in ("csm", "se", "champion", "sponsor", "technical_lead", "customer", "admin"):
        assert owner_for(onboarding, role) == CSM


@pytest.mark.parametrize("count", [0, 15, 46, 47, 80, 130])
def test_modal_fits_slack_for_any_number_of_items(count) -> None:  # type: ignore[no-untyped-def]
    from bot.services.gate_items import GateForm, GateItem
    from tests.fakeslack import view_problems

    items = [
        GateItem(i, GROUPS[i % 4], f"Item {i} <b> & " + "x" * 280, "technical_lead", i % 3 == 0)
        for i in range(1, count + 1)
    ]
    view = build_gate_modal(GateForm(7, "Acme & Co", items, can_override=True), "C1")
    assert view_problems(view) == []
    radios = [b for b in view["blocks"] if b.get("block_id", "").startswith("gate-item-")]
    notes = [b for b in view["blocks"] if b.get("block_id", "").startswith("gate-note-")]
    assert len(radios) == count if count <= 80 else 80 < len(radios) < count
    assert len(notes) == (count if count <= 46 else 0)  # then one note per group
    assert any(b.get("block_id") == "gate-override" for b in view["blocks"])
    if count > 80:
        assert "not shown" in str(view["blocks"])


@pytest.mark.parametrize("count", [90, 91])
def test_the_modal_says_how_many_items_it_left_out_in_words(count) -> None:  # type: ignore[no-untyped-def]
    from bot.services.gate_items import GateForm, GateItem

    items = [GateItem(i, GROUPS[i % 4], f"Item {i}", "csm", False) for i in range(1, count + 1)]
    view = build_gate_modal(GateForm(7, "Acme", items, can_override=True), "C1")
    shown = [b for b in view["blocks"] if b.get("block_id", "").startswith("gate-item-")]
    left_out = count - len(shown)
    text = str(view["blocks"])
    if left_out == 1:
        assert "1 gate item does not fit in one Slack modal and is not shown" in text
    else:
        assert f"{left_out} gate items do not fit in one Slack modal and are not shown" in text


def _decision(outcome: GateOutcome, blockers: int) -> GateDecision:
    from bot.services.hypercare import GoLiveResult

    live = GoLiveResult(1, "Acme", date(2026, 12, 16), date(2027, 1, 6), 15, False, None)
    return GateDecision(
        1,
        "Acme",
        outcome,
        review_id=1,
        answered=15,
        blockers=[
            GateBlocker(f"Item {i}", f"Go-live gate: Item {i}", CSM, True) for i in range(blockers)
        ],
        go_live=None if outcome == GateOutcome.REFUSED else live,
    )


@pytest.mark.parametrize(
    ("blockers", "said"),
    [
        (1, "1 readiness item answered NO. It is now a blocker; resolve it, then run"),
        (2, "2 readiness items answered NO. They are now blockers; resolve them, then run"),
    ],
)
def test_the_refusal_agrees_with_the_number_of_no_answers(blockers: int, said: str) -> None:
    text = decision_text(_decision(GateOutcome.REFUSED, blockers))
    assert said in text and "(s)" not in text


@pytest.mark.parametrize(
    ("blockers", "said"), [(1, "despite 1 NO answer."), (3, "despite 3 NO answers.")]
)
def test_the_override_counts_its_no_answers_in_words(blockers: int, said: str) -> None:
    assert said in decision_text(_decision(GateOutcome.OVERRIDE, blockers))


def test_go_live_post_blocks_escape() -> None:
    from bot.services.go_live_post import GoLivePost
    from bot.services.hypercare import GoLiveResult

    post = GoLivePost(
        1,
        "<!channel> Acme",
        "UCSM",
        GoLiveResult(1, "x", date(2026, 12, 16), date(2027, 1, 6), 15, False, None),
        ["Data <loss>"],
    )
    text = str(build_go_live_post_blocks(post))
    assert "<!channel>" not in text and "Data &lt;loss&gt;" in text
