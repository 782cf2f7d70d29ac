"""Tech-touch journey steps conditioned on product usage (`only_if_usage`), through the real
journey job day by day: "first results" once usage starts, a nudge when it has not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.playbooks import JourneyStepDef, PlaybookError, PlaybookLibrary, load_playbook
from bot.services.usage import record_batch
from jobs.context import JobContext
from jobs.journey import run_journey
from tests.jobs.test_journey import START, at, journey_rows, smb, step_of

STEPS = [
    JourneyStepDef(key="welcome", day=0, message="Welcome to {{ company }}!"),
    JourneyStepDef(
        key="first_results",
        day=2,
        message="Your first dashboards are live.",
        only_if_usage="started",
    ),
    JourneyStepDef(
        key="usage_nudge",
        day=7,
        message="Need a hand getting started?",
        only_if_usage="not_started",
    ),
]


@pytest.fixture
def library(playbooks: PlaybookLibrary) -> PlaybookLibrary:
    """The shipped playbooks, SMB's journey replaced by one that asks about usage."""
    return PlaybookLibrary(
        [p.model_copy(update={"journey": STEPS}) if p.key == "smb" else p for p in playbooks]
    )


def days_sent(settings, db, session, library, onboarding_id, usage_on=None) -> dict[str, date]:  # type: ignore[no-untyped-def]
    """Run the job at 09:00 each day for 10 days; the first active user arrives `usage_on`."""
    for offset in range(10):
        day = START + timedelta(days=offset)
        if day == usage_on:
            records = [
                {
                    "onboarding_id": onboarding_id,
                    "date": day.isoformat(),
                    "active_users": 2,
                    "licensed_users": 10,
                }
            ]
            record_batch(session, records, day)
            session.commit()
        run_journey(JobContext(settings, db, library, at(day)))
    return {step_of(r.idempotency_key): r.created_at.date() for r in journey_rows(session)}


def test_first_results_follow_the_first_active_user_and_no_nudge(  # type: ignore[no-untyped-def]
    settings, db, session, library
) -> None:
    onboarding = smb(session, library)
    sent = days_sent(settings, db, session, library, onboarding.id, usage_on=START + timedelta(3))

    assert sent == {"welcome": START, "first_results": START + timedelta(days=3)}


def test_without_usage_the_nudge_goes_instead(settings, db, session, library) -> None:  # type: ignore[no-untyped-def]
    onboarding = smb(session, library)
    sent = days_sent(settings, db, session, library, onboarding.id)

    assert sent == {"welcome": START, "usage_nudge": START + timedelta(days=7)}


def test_only_if_usage_takes_started_or_not_started(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_playbooks import SHIPPED

    text = (SHIPPED / "smb.yml").read_text(encoding="utf-8")
    broken = tmp_path / "smb.yml"
    broken.write_text(
        text.replace("only_if_not_done: technical_setup", "only_if_usage: sometimes", 1),
        encoding="utf-8",
    )
    with pytest.raises(PlaybookError) as caught:
        load_playbook(broken)
    assert "only_if_usage" in str(caught.value)
