"""The customer's voice, service level: pulses queued once after kickoff and go-live, the survey
at transition (channel, else DMs), answers recorded and changed, counts without scores, NPS and
sentiment arithmetic, the wording file validated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import (
    ActivityEntry,
    FeedbackResponse,
    Milestone,
    MilestoneStatus,
    OutboxMessage,
    OutboxStatus,
)
from bot.services.errors import NotAllowed
from bot.services.feedback import (
    FeedbackConfig,
    FeedbackConfigError,
    FeedbackKind,
    InvalidAnswer,
    SurveyAnswers,
    load_feedback_config,
    nps_of,
    open_survey,
    pulse_key,
    queue_due_feedback,
    recent_sentiment,
    record_pulse,
    record_survey,
    send_survey,
    summarise_feedback,
    survey_key,
)
from bot.services.milestones import complete_named_milestone
from bot.slack.feedback_views import survey_sent_text
from bot.slack.renderers import render_post
from jobs.context import JobContext
from jobs.feedback import run_feedback
from tests.conftest import ROOT
from tests.factories import CSM
from tests.jobs.test_plan import acme

KICKOFF_DONE = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
LATER = KICKOFF_DONE + timedelta(minutes=5)
CUSTOMER = "UEXT1"


@pytest.fixture
def config() -> FeedbackConfig:
    return load_feedback_config(ROOT / "templates")


def outbox(session, kind: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.flush()  # services do not commit: read what they wrote in the same session
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def shown(row: OutboxMessage) -> str:
    """The message a queued row renders to, as the customer sees it (text and blocks)."""
    message = render_post(row.kind, row.payload)
    return json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False)


def complete(session, onboarding, key: str, at: datetime) -> Milestone:  # type: ignore[no-untyped-def]
    milestone = next(m for m in onboarding.milestones if m.key == key)
    milestone.status = MilestoneStatus.COMPLETE
    milestone.completed_at, milestone.completed_on, milestone.completed_by = at, at.date(), CSM
    session.commit()
    return milestone


def delivered(session, key: str) -> None:  # type: ignore[no-untyped-def]
    """As the sender leaves a row once Slack took it."""
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    row.status, row.ts = OutboxStatus.SENT, "1700000000.000100"
    session.commit()


def test_kickoff_pulse_is_queued_once_to_the_customer_channel(
    session, db, settings, playbooks, config
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete_named_milestone(session, onboarding.id, "kickoff", CSM, admins=(), now=KICKOFF_DONE)
    key = pulse_key(onboarding.id, FeedbackKind.PULSE_KICKOFF)
    assert queue_due_feedback(session, config, now=LATER, onboarding_id=onboarding.id) == [key]
    session.commit()
    # The job, run again and again, and the command path agree: still one.
    assert run_feedback(JobContext(settings, db, playbooks, LATER)).queued == []
    assert queue_due_feedback(session, config, now=LATER) == []
    [row] = outbox(session, "pulse")
    assert row.channel == "C0ACME" and row.idempotency_key == key
    assert row.expires_at == KICKOFF_DONE + timedelta(days=3)
    text = shown(row) + json.dumps(row.payload)
    assert "How is onboarding going so far?" in shown(row)
    blocks = render_post(row.kind, row.payload).blocks
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [f"feedback-pulse-{n}" for n in range(1, 6)]
    assert "$95K" not in text and "IT team stretched" not in text  # nothing internal


def test_go_live_pulse_and_nothing_without_a_channel_or_after_the_window(
    session, db, settings, playbooks, config
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete(session, onboarding, "go_live", KICKOFF_DONE)
    assert run_feedback(JobContext(settings, db, playbooks, LATER)).queued == [
        pulse_key(onboarding.id, FeedbackKind.PULSE_GO_LIVE)
    ]
    other = acme(session, playbooks, company_name="Globex", customer_channel_id=None)
    complete(session, other, "kickoff", KICKOFF_DONE)
    late = acme(session, playbooks, company_name="Initech")
    complete(session, late, "kickoff", KICKOFF_DONE - timedelta(days=3, minutes=1))
    assert run_feedback(JobContext(settings, db, playbooks, LATER)).queued == []
    assert len(outbox(session, "pulse")) == 1


def test_a_pulse_click_records_changes_and_counts_without_scores(
    session, playbooks, config
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete(session, onboarding, "kickoff", KICKOFF_DONE)
    queue_due_feedback(session, config, now=LATER)
    session.commit()
    key = pulse_key(onboarding.id, FeedbackKind.PULSE_KICKOFF)
    # Before the message reached Slack there is nothing to edit: the row stays as queued.
    first = record_pulse(
        session,
        onboarding.id,
        FeedbackKind.PULSE_KICKOFF,
        CUSTOMER,
        4,
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    assert (first.answers, first.changed_answer) == (1, False)
    [row] = outbox(session, "pulse")
    assert "Thanks" not in shown(row)
    delivered(session, key)
    again = record_pulse(
        session,
        onboarding.id,
        FeedbackKind.PULSE_KICKOFF,
        CUSTOMER,
        2,
        config,
        channel_id="C0ACME",
        now=LATER + timedelta(days=5),
    )
    assert (again.answers, again.changed_answer) == (1, True)
    record_pulse(
        session,
        onboarding.id,
        FeedbackKind.PULSE_KICKOFF,
        "UEXT2",
        5,
        config,
        channel_id="C0ACME",
        now=LATER + timedelta(days=5),
    )
    [answer_1, answer_2] = session.scalars(select(FeedbackResponse).order_by(FeedbackResponse.id))
    assert (answer_1.respondent, answer_1.pulse, answer_2.pulse) == (CUSTOMER, 2, 5)
    [row] = outbox(session, "pulse")
    # The posted message is edited in place (its ts kept), past the question's own expiry.
    assert row.status == OutboxStatus.PENDING and row.ts and row.expires_at is None
    blocks = render_post(row.kind, row.payload).blocks
    assert blocks[-1]["elements"][0]["text"].startswith("Thanks — 2 answers so far")
    words = json.dumps([b for b in blocks if b["type"] != "actions"])
    assert "average" not in words.lower() and "3.5" not in words  # the count, never the scores


def test_a_pulse_is_only_taken_where_it_was_asked(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    with pytest.raises(NotAllowed):
        record_pulse(
            session,
            onboarding.id,
            FeedbackKind.PULSE_KICKOFF,
            CUSTOMER,
            4,
            config,
            channel_id="C0ELSEWHERE",
            now=LATER,
        )
    with pytest.raises(InvalidAnswer):
        record_pulse(
            session,
            onboarding.id,
            FeedbackKind.PULSE_KICKOFF,
            CUSTOMER,
            6,
            config,
            channel_id="C0ACME",
            now=LATER,
        )
    assert session.scalars(select(FeedbackResponse)).all() == []


def test_survey_at_transition_goes_to_the_channel_else_by_dm(
    session, db, settings, playbooks, config
) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    complete(session, onboarding, "transition", KICKOFF_DONE)
    no_channel = acme(session, playbooks, company_name="Globex", customer_channel_id=None)
    complete(session, no_channel, "transition", KICKOFF_DONE)
    queued = run_feedback(JobContext(settings, db, playbooks, LATER)).queued
    assert queued == [
        survey_key(onboarding.id, "C0ACME"),
        survey_key(no_channel.id, "U0PRIYA"),
        survey_key(no_channel.id, "U0JINPARK"),
    ]
    rows = {row.channel: row for row in outbox(session, "survey")}
    assert set(rows) == {"C0ACME", "U0PRIYA", "U0JINPARK"}
    text = shown(rows["C0ACME"])
    assert "Give feedback" in text and "feedback-survey-open" in text
    assert "$95K" not in text + json.dumps(rows["C0ACME"].payload)
    assert run_feedback(JobContext(settings, db, playbooks, LATER)).queued == []


def test_survey_command_checks_permission_and_sends_once(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    with pytest.raises(NotAllowed):
        send_survey(session, onboarding.id, "UOTHER", config, admins=(), now=LATER)
    sent = send_survey(session, onboarding.id, CSM, config, admins=(), now=LATER)
    assert sent.queued == ("C0ACME",) and not sent.already_sent
    logged = session.scalars(select(ActivityEntry).where(ActivityEntry.action == "survey_sent"))
    assert [e.detail for e in logged] == ["post-onboarding survey sent (1 destination)"]
    again = send_survey(session, onboarding.id, CSM, config, admins=(), now=LATER)
    assert again.queued == () and again.already_sent


def test_a_survey_by_dm_counts_the_stakeholders_in_words(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks, customer_channel_id=None)
    sent = send_survey(session, onboarding.id, CSM, config, admins=(), now=LATER)
    assert len(sent.queued) == 2
    assert "to 2 customer stakeholders by DM" in survey_sent_text(sent)
    entry = session.scalars(select(ActivityEntry).where(ActivityEntry.action == "survey_sent"))
    assert entry.one().detail == "post-onboarding survey sent (2 destinations)"


def test_survey_answers_are_validated_recorded_and_changed(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    send_survey(session, onboarding.id, CSM, config, admins=(), now=LATER)
    with pytest.raises(InvalidAnswer) as bad:
        record_survey(
            session,
            onboarding.id,
            CUSTOMER,
            SurveyAnswers(11, 9, 2),
            config,
            channel_id="C0ACME",
            now=LATER,
        )
    assert bad.value.field == "satisfaction"
    with pytest.raises(InvalidAnswer) as bad:
        record_survey(
            session,
            onboarding.id,
            CUSTOMER,
            SurveyAnswers(8, 9, 0),
            config,
            channel_id="C0ACME",
            now=LATER,
        )
    assert bad.value.field == "effort"
    record_survey(
        session,
        onboarding.id,
        CUSTOMER,
        SurveyAnswers(8, 9, 2, " Great team "),
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    assert open_survey(session, onboarding.id, CUSTOMER, "C0ACME") == SurveyAnswers(
        8, 9, 2, "Great team"
    )
    answered = record_survey(
        session,
        onboarding.id,
        CUSTOMER,
        SurveyAnswers(9, 10, 1),
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    assert answered.changed_answer and answered.answers == 1
    [invite] = outbox(session, "survey")  # not posted yet: nothing to count on it
    assert "Thanks" not in shown(invite)
    delivered(session, survey_key(onboarding.id, "C0ACME"))
    record_survey(
        session,
        onboarding.id,
        "UEXT2",
        SurveyAnswers(7, 7, 3),
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    [invite] = outbox(session, "survey")
    assert "Thanks — 2 answers so far." in shown(invite)
    row = session.scalars(
        select(FeedbackResponse).where(FeedbackResponse.respondent == CUSTOMER)
    ).one()
    assert (row.kind, row.satisfaction, row.nps, row.effort, row.comment) == (
        "survey",
        9,
        10,
        1,
        "",
    )
    # By DM, only the stakeholders it was sent to may answer.
    with pytest.raises(NotAllowed):
        open_survey(session, onboarding.id, "U0STRANGER", "D0STRANGER")


def test_nps_and_summaries_computed_by_hand(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    assert nps_of([10, 9, 8, 7, 6, 0]).score == 0  # 2 promoters, 2 detractors of 6
    assert nps_of([10, 10, 9, 3]).score == 50  # 3 - 1 of 4
    assert nps_of([6, 9, 5]).score == -33  # 1 - 2 of 3: -33.3
    assert nps_of([]).score is None
    one, two = acme(session, playbooks), acme(session, playbooks, company_name="Globex")
    for onboarding, respondent, answers in (
        (one, "UA", SurveyAnswers(9, 10, 2)),
        (one, "UB", SurveyAnswers(6, 3, 4)),
        (two, "UC", SurveyAnswers(10, 9, 1)),
    ):
        record_survey(
            session, onboarding.id, respondent, answers, config, channel_id="C0ACME", now=LATER
        )
    record_pulse(
        session, one.id, FeedbackKind.PULSE_KICKOFF, "UA", 4, config, channel_id="C0ACME", now=LATER
    )
    record_pulse(
        session, one.id, FeedbackKind.PULSE_GO_LIVE, "UA", 5, config, channel_id="C0ACME", now=LATER
    )
    book = summarise_feedback(session)
    assert (book.survey_n, book.nps.n, book.nps.promoters, book.nps.detractors) == (3, 3, 2, 1)
    assert book.nps.score == 33 and book.pulse_n == 2 and book.pulse_average == 4.5
    assert book.satisfaction_average == pytest.approx(25 / 3)
    assert book.effort_average == pytest.approx(7 / 3)
    only_one = summarise_feedback(session, [one.id])
    assert only_one.nps.score == 0 and only_one.survey_n == 2


def test_recent_sentiment_on_a_one_to_five_scale(session, playbooks, config) -> None:  # type: ignore[no-untyped-def]
    onboarding = acme(session, playbooks)
    assert recent_sentiment(session, onboarding.id, LATER) is None
    record_pulse(
        session,
        onboarding.id,
        FeedbackKind.PULSE_KICKOFF,
        "UA",
        4,
        config,
        channel_id="C0ACME",
        now=LATER - timedelta(days=100),
    )
    assert recent_sentiment(session, onboarding.id, LATER) is None  # too old to count
    record_pulse(
        session,
        onboarding.id,
        FeedbackKind.PULSE_GO_LIVE,
        "UA",
        2,
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    record_survey(
        session,
        onboarding.id,
        "UB",
        SurveyAnswers(10, 9, 1),
        config,
        channel_id="C0ACME",
        now=LATER,
    )
    # The go-live pulse (2) and the survey's satisfaction 10 -> 5: (2 + 5) / 2.
    sentiment = recent_sentiment(session, onboarding.id, LATER + timedelta(hours=1))
    assert sentiment is not None and (sentiment.average, sentiment.rating) == (3.5, 4)
    assert recent_sentiment(session, onboarding.id, LATER - timedelta(hours=1)) is None


def test_the_wording_file_is_validated(tmp_path: Path) -> None:
    text = (ROOT / "templates" / "feedback.yml").read_text(encoding="utf-8")
    (tmp_path / "feedback.yml").write_text(text.replace("{count}", "{n}"), encoding="utf-8")
    with pytest.raises(FeedbackConfigError, match=r"pulse\.thanks"):
        FeedbackConfig.load(tmp_path)
    (tmp_path / "feedback.yml").write_text(text.replace("  button:", "  buton:"), encoding="utf-8")
    with pytest.raises(FeedbackConfigError, match="survey"):
        FeedbackConfig.load(tmp_path)
