"""The kickoff pack, service level: the IMPACT agenda filled with the customer's handoff, the RACI
draft from the checklist's owner roles, the questionnaire's answers, and the kickoff's agreements
(first value must be defined before it can be marked done)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import ActivityEntry, Onboarding, OutboxMessage
from bot.services.errors import Conflict, NotAllowed
from bot.services.kickoff import (
    KickoffAgreements,
    KickoffConfig,
    KickoffConfigError,
    KickoffField,
    KickoffInvalid,
    QuestionnaireInvalid,
    build_raci,
    kickoff_form_for,
    load_kickoff_config,
    load_kickoff_pack,
    prepare_kickoff,
    record_kickoff,
    record_questionnaire,
)
from bot.services.milestones import complete_named_milestone
from bot.slack.kickoff_pack_views import build_kickoff_pack_blocks
from bot.slack.renderers import render_post
from tests.factories import CSM, meet_first_value_criterion
from tests.jobs.test_plan import NOW, acme

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONFIG = load_kickoff_config(TEMPLATES)


def never_shared(channel: str) -> bool:
    return False


def rows(session, kind: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.flush()  # services do not commit: read what they wrote in the same session
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def shown(row: OutboxMessage) -> str:
    """The message a queued row renders to (text and blocks), as its reader sees it."""
    message = render_post(row.kind, row.payload)
    return json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False)


def test_the_shipped_kickoff_file_is_valid_and_a_mistake_names_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert CONFIG.agenda[0].key == "introductions"
    assert CONFIG.questionnaire.first_value_key == "first_value"
    text = (TEMPLATES / "kickoff.yml").read_text().replace("key: timeline", "key: tomorrow")
    (tmp_path / "kickoff.yml").write_text(text)
    with pytest.raises(KickoffConfigError, match="agenda"):
        KickoffConfig.load(tmp_path)


def test_agenda_is_impact_filled_with_this_customers_handoff(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    pack = load_kickoff_pack(session, onboarding.id, CSM, CONFIG, admins=())
    text = json.dumps(build_kickoff_pack_blocks(pack), ensure_ascii=False)
    for title in ("I — Introductions", "M — Mutual objectives", "P — Plan", "A — Accountability"):
        assert title in text
    assert "C — Communication" in text and "T — Timeline" in text
    names = [p.name for p in pack.stakeholders]
    assert names and all(name in text for name in names)  # stakeholders
    assert all(c.text[:40] in text for c in pack.criteria)  # success criteria
    kickoff = next(m for m in pack.milestones if m.name == "Kickoff held")
    assert "Kickoff held" in text and f"{kickoff.due_date.day}, {kickoff.due_date.year}" in text
    assert pack.commitments and pack.commitments[0].text[:40] in text  # promises
    assert "to define together today" in text  # first value not defined yet
    assert "RACI draft" in text


def test_the_pack_fits_slack_for_any_size(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    pack = load_kickoff_pack(session, onboarding.id, CSM, CONFIG, admins=())
    huge = pack.__class__(
        **{
            **pack.__dict__,
            "stakeholders": pack.stakeholders * 200,
            "criteria": pack.criteria * 300,
            "milestones": pack.milestones * 100,
            "commitments": pack.commitments * 300,
            "why_bought": "x" * 10_000,
            "raci": pack.raci * 40,
        }
    )
    blocks = build_kickoff_pack_blocks(huge)
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "more" in json.dumps(blocks)


def test_raci_responsible_is_the_phase_owner_accountable_the_csm() -> None:
    phases = [("kickoff", "Kickoff"), ("configure", "Configure"), ("train", "Train"), ("x", "X")]
    items = [
        ("kickoff", "csm"),
        ("kickoff", "sponsor"),
        ("kickoff", "csm"),
        ("configure", "se"),
        ("configure", "technical_lead"),
        ("configure", "se"),
        ("train", "champion"),
        ("train", "csm"),
        ("train", "csm"),
    ]
    kickoff, configure, train, empty = build_raci(phases, items, CONFIG)
    assert kickoff.responsible == ("CSM", "Executive sponsor")
    assert kickoff.accountable == "CSM"
    assert kickoff.consulted == ("Solutions engineer", "Customer technical lead")  # next phase
    assert kickoff.informed == ("Project lead (champion)",)
    assert configure.responsible == ("Solutions engineer", "Customer technical lead")
    assert set(configure.consulted) == {"Executive sponsor", "Project lead (champion)"}
    assert train.responsible == ("CSM", "Project lead (champion)")
    assert empty.responsible == ("CSM",)  # no items: the CSM


def test_raci_of_a_real_playbook(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    pack = load_kickoff_pack(session, onboarding.id, CSM, CONFIG, admins=())
    assert [r.phase for r in pack.raci] == pack.phases
    assert all(r.accountable == "CSM" and r.responsible for r in pack.raci)


def test_prepare_posts_internal_or_dm_never_shared_and_questionnaire_once(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    sent = prepare_kickoff(
        session, onboarding.id, CSM, CONFIG, admins=(), is_shared=never_shared, now=NOW
    )
    assert sent.pack_in_dm and sent.pack_to == CSM  # Acme has no internal channel
    [pack] = rows(session, "kickoff_pack")
    assert pack.channel == CSM and pack.payload["internal"]
    assert "RACI draft" in shown(pack) and "Victor Grim" in shown(pack)  # internal: named
    [questions] = rows(session, "questionnaire")
    assert questions.channel == "C0ACME" and not questions.payload["internal"]
    seen = shown(questions)
    assert "Answer the questions" in seen and "Victor" not in seen and "RACI" not in seen
    assert "Victor" not in json.dumps(questions.payload)  # not even in what is stored

    onboarding.internal_channel_id = "C0INTERNAL"
    session.commit()
    later = NOW.replace(hour=16)
    sent = prepare_kickoff(
        session, onboarding.id, CSM, CONFIG, admins=(), is_shared=never_shared, now=later
    )
    assert sent.pack_to == "C0INTERNAL" and not sent.questionnaire_queued
    assert len(rows(session, "questionnaire")) == 1  # not sent twice to the same channel
    shared = prepare_kickoff(
        session,
        onboarding.id,
        CSM,
        CONFIG,
        admins=(),
        is_shared=lambda c: True,
        now=NOW.replace(hour=17),
    )
    assert shared.pack_to == CSM  # a shared "internal" channel is never used

    with pytest.raises(NotAllowed):
        prepare_kickoff(
            session, onboarding.id, "UOTHER", CONFIG, admins=(), is_shared=never_shared, now=NOW
        )


def test_without_customer_channel_the_csm_gets_the_questions_to_forward(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, customer_channel_id=None)
    sent = prepare_kickoff(
        session, onboarding.id, CSM, CONFIG, admins=(), is_shared=never_shared, now=NOW
    )
    assert not sent.questionnaire_in_channel
    [questions] = rows(session, "questionnaire")
    assert questions.channel == CSM and "forward" in shown(questions)


def _answers(**overrides: str) -> dict[str, str]:
    base = {q.key: f"answer to {q.key}" for q in CONFIG.questionnaire.questions}
    return {**base, **overrides}


def test_questionnaire_answers_are_stored_prefill_first_value_and_tell_the_csm(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    with pytest.raises(QuestionnaireInvalid) as invalid:
        record_questionnaire(
            session,
            onboarding.id,
            "UEXT",
            _answers(first_value=" "),
            CONFIG.questionnaire,
            channel_id="C0ACME",
            now=NOW,
        )
    assert set(invalid.value.errors) == {"first_value"}
    with pytest.raises(NotAllowed):
        record_questionnaire(
            session,
            onboarding.id,
            "UEXT",
            _answers(),
            CONFIG.questionnaire,
            channel_id="C0ELSEWHERE",
            now=NOW,
        )
    done = record_questionnaire(
        session,
        onboarding.id,
        "UEXT",
        _answers(),
        CONFIG.questionnaire,
        channel_id="C0ACME",
        now=NOW,
    )
    assert done.prefilled_first_value
    session.expire_all()
    assert session.get(Onboarding, onboarding.id).first_value_definition == "answer to first_value"
    entry = session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "questionnaire_answered")
    ).one()
    assert entry.data["answers"]["systems"] == "answer to systems"
    [dm] = rows(session, "questionnaire_answers")
    assert dm.channel == CSM and "answer to goals" in shown(dm)
    # A second answer does not overwrite a definition that is already there.
    again = record_questionnaire(
        session,
        onboarding.id,
        "UEXT2",
        _answers(first_value="other"),
        CONFIG.questionnaire,
        channel_id="C0ACME",
        now=NOW,
    )
    assert not again.prefilled_first_value
    assert session.get(Onboarding, onboarding.id).first_value_definition == "answer to first_value"


def test_the_answers_dm_escapes_the_company_name(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, company_name="<!channel> & Co")
    record_questionnaire(
        session,
        onboarding.id,
        "UEXT",
        _answers(),
        CONFIG.questionnaire,
        channel_id="C0ACME",
        now=NOW,
    )
    [dm] = rows(session, "questionnaire_answers")
    assert "<!channel>" not in shown(dm) and "&lt;!channel&gt; &amp; Co" in shown(dm)


def test_recording_the_kickoff_requires_first_value_and_stores_the_agreements(
    session, playbooks
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    form = kickoff_form_for(session, onboarding.id, query="kickoff", actor=CSM, admins=())
    assert form is not None and form.agreements.first_value_definition == ""
    assert kickoff_form_for(session, onboarding.id, query="go-live", actor=CSM, admins=()) is None
    with pytest.raises(NotAllowed):
        kickoff_form_for(session, onboarding.id, query="kickoff", actor="UOTHER", admins=())
    with pytest.raises(KickoffInvalid) as invalid:
        record_kickoff(session, onboarding.id, CSM, KickoffAgreements("  "), admins=(), now=NOW)
    assert set(invalid.value.errors) == {KickoffField.FIRST_VALUE}
    change = record_kickoff(
        session,
        onboarding.id,
        CSM,
        KickoffAgreements(" 5 users on a dashboard ", "Weekly, Tuesdays", "Lead → sponsor"),
        admins=(),
        now=NOW,
    )
    assert change.changed and change.milestone_name == "Kickoff held"
    session.commit()  # as the modal's submission does
    session.expire_all()
    stored = session.get(Onboarding, onboarding.id)
    assert (stored.first_value_definition, stored.meeting_cadence, stored.escalation_path) == (
        "5 users on a dashboard",
        "Weekly, Tuesdays",
        "Lead → sponsor",
    )
    assert next(m for m in stored.milestones if m.key == "kickoff").is_done
    assert kickoff_form_for(session, onboarding.id, query="kickoff", actor=CSM, admins=()) is None


def test_first_value_cannot_be_done_before_it_is_defined(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    meet_first_value_criterion(session, onboarding.id)
    onboarding.first_value_definition = ""
    session.commit()
    with pytest.raises(Conflict, match="cannot be marked done before it is defined"):
        complete_named_milestone(session, onboarding.id, "first value", CSM, admins=(), now=NOW)
    record_kickoff(session, onboarding.id, CSM, KickoffAgreements("A report"), admins=(), now=NOW)
    change = complete_named_milestone(
        session, onboarding.id, "first value", CSM, admins=(), now=NOW
    )
    assert change.changed and change.first_value
