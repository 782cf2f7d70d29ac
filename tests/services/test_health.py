"""The health score as pure arithmetic (every threshold boundary, weights and thresholds from
settings, the progress mapping, colour and trend), the template's validation, and recording a
check against a real database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from bot.config import Settings, SettingsError, load_settings
from bot.models import ActivityEntry, FeedbackResponse, HealthCheck, Milestone
from bot.services.errors import NotAllowed
from bot.services.handoff import create_onboarding, validate_handoff
from bot.services.health import (
    Colour,
    HealthEntry,
    HealthInvalid,
    HealthTemplateError,
    ProgressFacts,
    assess,
    colour_for,
    health_rules,
    health_score,
    latest_health,
    load_health_template,
    open_health_check,
    progress_rating,
    rating_points,
    record_health_check,
    status_for,
    trend,
)
from tests.factories import ACME_START, handoff_form
from tests.sql import statements

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings()
RULES = health_rules(SETTINGS)
COMPONENTS = ("engagement", "progress", "adoption", "sentiment", "technical")
WEIGHTS = dict(zip(COMPONENTS, (25, 25, 20, 15, 15), strict=True))


def ratings(*values: int) -> dict[str, int]:
    return dict(zip(COMPONENTS, values, strict=True))


# ---- the arithmetic --------------------------------------------------------------------------


def test_a_rating_maps_to_points_as_rating_minus_one_over_four() -> None:
    assert [rating_points(r) for r in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]
    with pytest.raises(ValueError):
        rating_points(0)
    with pytest.raises(ValueError):
        rating_points(6)


@pytest.mark.parametrize(
    ("values", "score", "status"),
    [
        # engagement, progress, adoption, sentiment, technical (weights 25 25 20 15 15)
        ((5, 5, 5, 5, 5), 100, "healthy"),
        ((4, 5, 4, 4, 5), 85, "healthy"),  # 75*25 + 100*25 + 75*20 + 75*15 + 100*15 = 8500
        ((3, 5, 5, 4, 5), 84, "monitor"),  # 8375 -> 83.75 -> 84
        ((1, 5, 4, 5, 5), 70, "monitor"),  # 7000
        ((1, 4, 5, 5, 5), 69, "at_risk"),  # 6875 -> 68.75 -> 69
        ((1, 1, 5, 5, 5), 50, "at_risk"),  # 5000
        ((1, 2, 5, 3, 5), 49, "critical"),  # 4875 -> 48.75 -> 49
        ((1, 1, 1, 5, 5), 30, "critical"),  # 3000
        ((1, 1, 3, 2, 5), 29, "emergency"),  # 2875 -> 28.75 -> 29
        ((1, 1, 1, 1, 1), 0, "emergency"),
    ],
)
def test_score_and_status_at_every_threshold_boundary(
    values: tuple[int, ...], score: int, status: str
) -> None:
    assert health_score(ratings(*values), WEIGHTS) == score
    assert status_for(score, RULES).key == status


@pytest.mark.parametrize(
    ("score", "status"),
    [
        (100, "healthy"),
        (85, "healthy"),
        (84, "monitor"),
        (70, "monitor"),
        (69, "at_risk"),
        (50, "at_risk"),
        (49, "critical"),
        (30, "critical"),
        (29, "emergency"),
        (0, "emergency"),
    ],
)
def test_status_by_score_on_both_sides_of_each_threshold(score: int, status: str) -> None:
    assert status_for(score, RULES).key == status


def test_statuses_carry_the_playbook_response() -> None:
    responses = {s.key: s.response for s in RULES.statuses}
    assert "48 hours" in responses["at_risk"] and "24 hours" in responses["critical"]
    assert "same day" in responses["emergency"] and "Normal cadence" in responses["healthy"]


def test_the_score_rounds_half_up_exactly() -> None:
    # sentiment 2 and technical 2: (25*15 + 25*15) / 100 = 7.5 -> 8 (floats would risk 7)
    assert health_score(ratings(1, 1, 1, 2, 2), WEIGHTS) == 8
    assert health_score(ratings(1, 1, 1, 2, 1), WEIGHTS) == 4  # 3.75 -> 4
    assert health_score(ratings(3, 3, 3, 3, 3), WEIGHTS) == 50


# ---- settings ----------------------------------------------------------------------------------


def test_weights_and_thresholds_come_from_settings() -> None:
    env = {
        "ONBOARD_HEALTH_WEIGHTS": "engagement:20, progress:40, adoption:20, sentiment:10, "
        "technical:10",
        "ONBOARD_HEALTH_THRESHOLDS": "90,75,55,35",
        "ONBOARD_HEALTH_CHECK_DAYS": "14",
    }
    settings = load_settings(env, require_slack=False)
    assert settings.health_check_days == 14
    rules = health_rules(settings)
    assert rules.weights == {
        "engagement": 20,
        "progress": 40,
        "adoption": 20,
        "sentiment": 10,
        "technical": 10,
    }
    values = ratings(5, 1, 5, 5, 5)
    assert health_score(values, WEIGHTS) == 75
    assert health_score(values, rules.weights) == 60
    assert [s.min for s in rules.statuses] == [90, 75, 55, 35, 0]
    assert status_for(89, rules).key == "monitor" and status_for(90, rules).key == "healthy"
    assert status_for(34, rules).key == "emergency" and status_for(35, rules).key == "critical"
    # The defaults are untouched by another process's settings.
    assert [s.min for s in RULES.statuses] == [85, 70, 50, 30, 0]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "ONBOARD_HEALTH_WEIGHTS",
            "engagement:25,progress:25,adoption:20,sentiment:15,technical:20",
            "sum to 100, got 105",
        ),
        ("ONBOARD_HEALTH_WEIGHTS", "engagement:50,progress:50", "no weight for adoption"),
        ("ONBOARD_HEALTH_WEIGHTS", "happiness:100", "not component:percent"),
        ("ONBOARD_HEALTH_WEIGHTS", "engagement:25,engagement:25", "given twice"),
        ("ONBOARD_HEALTH_THRESHOLDS", "85,70,70,30", "strictly descending"),
        ("ONBOARD_HEALTH_THRESHOLDS", "30,50,70,85", "strictly descending"),
        ("ONBOARD_HEALTH_THRESHOLDS", "85,70,50", "four whole scores"),
        ("ONBOARD_HEALTH_THRESHOLDS", "185,70,50,30", "between 1 and 100"),
        ("ONBOARD_HEALTH_CHECK_DAYS", "0", "at least 1"),
    ],
)
def test_bad_health_settings_are_refused_naming_the_setting(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=name) as raised:
        load_settings({name: value}, require_slack=False)
    assert message in str(raised.value)


# ---- progress, colour, trend, sentiment --------------------------------------------------------

TODAY = date(2026, 12, 1)


class M(NamedTuple):
    due_date: date
    status: str = "pending"
    completed_on: date | None = None


def done(due: date, on: date) -> M:
    return M(due, "complete", on)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.mark.parametrize(
    ("milestones", "expected"),
    [
        ([], ProgressFacts(5, 0, 0, 0)),
        ([M(days(0)), M(days(5))], ProgressFacts(5, 0, 0, 0)),  # due today is not late yet
        ([done(days(-3), days(-3)), done(days(-1), days(-2))], ProgressFacts(5, 2, 2, 0)),
        ([done(days(5), days(-1))], ProgressFacts(5, 1, 1, 0)),  # done early counts on time
        # 3 of 4 on time (one done late), none overdue: share 75% -> 4
        ([done(days(-9), days(-9))] * 3 + [done(days(-5), days(-4))], ProgressFacts(4, 4, 3, 0)),
        # 9 of 10 on time but the tenth is overdue: 90% -> 5, one overdue -> 4
        ([done(days(-9), days(-9))] * 9 + [M(days(-1))], ProgressFacts(4, 10, 9, 1)),
        # half on time -> 3; two overdue -> 3
        ([done(days(-9), days(-9))] * 2 + [M(days(-1)), M(days(-2))], ProgressFacts(3, 4, 2, 2)),
        # a quarter on time -> 2
        ([done(days(-9), days(-9))] + [done(days(-9), days(-8))] * 3, ProgressFacts(2, 4, 1, 0)),
        # nothing on time -> 1
        ([done(days(-9), days(-8))], ProgressFacts(1, 1, 0, 0)),
        # ten on time, three overdue: 77% -> 4, but three overdue -> 2
        ([done(days(-9), days(-9))] * 10 + [M(days(-1))] * 3, ProgressFacts(2, 13, 10, 3)),
        ([done(days(-9), days(-9))] * 30 + [M(days(-1))] * 4, ProgressFacts(1, 34, 30, 4)),
        # waived milestones count neither way
        ([M(days(-5), "waived"), done(days(-1), days(-1))], ProgressFacts(5, 1, 1, 0)),
    ],
)
def test_progress_rating_from_milestones(milestones: list[M], expected: ProgressFacts) -> None:
    assert progress_rating(milestones, TODAY) == expected


@pytest.mark.parametrize(
    ("no_count", "colour"),
    [(0, Colour.GREEN), (1, Colour.YELLOW), (2, Colour.YELLOW), (3, Colour.RED), (20, Colour.RED)],
)
def test_colour_by_the_number_of_no_answers(no_count: int, colour: Colour) -> None:
    assert colour_for(no_count, RULES) == colour


def test_trend_against_the_previous_check() -> None:
    before = datetime(2026, 11, 24, tzinfo=UTC)
    assert trend(70, None).direction == "first"
    up = trend(77, 70, before)
    assert (up.direction, up.points, up.previous_at) == ("up", 7, before)
    assert (trend(60, 70).direction, trend(60, 70).points) == ("down", -10)
    assert (trend(70, 70).direction, trend(70, 70).points) == ("flat", 0)


# ---- assessing a submitted check ---------------------------------------------------------------


def all_yes() -> dict[str, set[int]]:
    return {area.key: set(range(len(area.questions))) for area in RULES.areas}


def test_assess_counts_no_answers_and_scores_with_the_computed_progress() -> None:
    yes = all_yes()
    yes["adoption"] -= {0, 1}
    yes["timeline"].clear()  # six NO in all
    entry = HealthEntry(yes, {"engagement": 4, "adoption": 4, "sentiment": 4, "technical": 5})
    result = assess(entry, ProgressFacts(5, 0, 0, 0), RULES)
    assert result.no_count == 6 and result.colour == Colour.RED
    assert result.answers["adoption"]["Core workflows executing daily"] is False
    assert result.answers["engagement"]["Leadership engaged and informed"] is True
    assert result.ratings == ratings(4, 5, 4, 4, 5) and result.score == 85
    assert result.status.key == "healthy"  # the colour is shown beside the score, not in it


def test_assess_names_every_missing_rating() -> None:
    entry = HealthEntry(all_yes(), {"engagement": 4, "adoption": None, "sentiment": 9})
    with pytest.raises(HealthInvalid) as raised:
        assess(entry, ProgressFacts(5, 0, 0, 0), RULES)
    assert set(raised.value.errors) == {"adoption", "sentiment", "technical"}


# ---- the template ------------------------------------------------------------------------------


def write_template(tmp_path: Path, text: str) -> Path:
    (tmp_path / "health.yml").write_text(text, encoding="utf-8")
    load_health_template.cache_clear()
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("weight: 25\n", "weight: 30\n"), "sum to 100, not 105"),
        (
            ("{key: monitor, name: Monitor, min: 70", "{key: monitor, name: Monitor, min: 90"),
            "min must fall strictly",
        ),
        (("{key: critical", "{key: dire"), "statuses"),
        (("  - key: engagement\n", "  - key: adoption\n"), "two areas share a key"),
        (("red_from: 3", "red_from: 1"), "red_from"),
        (
            ("      - Core workflows executing daily\n", "      - " + "x" * 80 + "\n"),
            "areas.0.questions.1",
        ),
    ],
)
def test_template_errors_name_the_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    good = (ROOT / "templates" / "health.yml").read_text(encoding="utf-8")
    assert change[0] in good
    try:
        with pytest.raises(HealthTemplateError, match=r"health\.yml") as raised:
            load_health_template(write_template(tmp_path, good.replace(*change, 1)))
        assert message in str(raised.value)
    finally:
        load_health_template.cache_clear()


def test_the_shipped_template_has_the_playbook_questions() -> None:
    template = load_health_template(ROOT / "templates")
    assert [a.key for a in template.areas] == [
        "adoption",
        "engagement",
        "technical",
        "relationship",
        "timeline",
    ]
    assert all(len(a.questions) == 4 for a in template.areas)
    assert {k: c.weight for k, c in template.components.items()} == WEIGHTS


# ---- recording ---------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def make_onboarding(session, playbooks, name: str = "Acme Manufacturing") -> int:  # type: ignore[no-untyped-def]
    form = handoff_form(company_name=name)
    plan = validate_handoff(
        session,
        form,
        today=ACME_START,
        library=playbooks,
        max_future_days=365,
        min_stakeholders=2,
    )
    onboarding = create_onboarding(
        session, plan, actor="UAE", now=NOW - timedelta(days=30), view_id=None
    )
    session.commit()  # the handoff's edge commits
    return onboarding.id


def entry(**ratings_: int) -> HealthEntry:
    values = {"engagement": 4, "adoption": 4, "sentiment": 4, "technical": 5, **ratings_}
    return HealthEntry(all_yes(), values, note="Pilot went well")


def record(session, onboarding_id: int, now: datetime = NOW, actor: str = "UCSM", **ratings_):  # type: ignore[no-untyped-def]
    return record_health_check(
        session,
        onboarding_id,
        actor,
        entry(**ratings_),
        admins=frozenset({"UADMIN"}),
        rules=RULES,
        now=now,
        today=now.date(),
    )


def test_record_stores_the_check_with_an_activity_entry(db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = make_onboarding(session, playbooks)
    for m in session.scalars(select(Milestone).where(Milestone.onboarding_id == onboarding_id)):
        if m.due_date < NOW.date():
            m.status, m.completed_on = "complete", m.due_date
    session.commit()
    result = record(session, onboarding_id)
    session.commit()  # the edge's transaction
    assert result.assessment.score == 85 and result.assessment.status.key == "healthy"
    assert result.trend.direction == "first"
    with db.session() as other:  # committed
        check = other.scalars(select(HealthCheck)).one()
        assert (check.score, check.status, check.no_count, check.note) == (
            85,
            "healthy",
            0,
            "Pilot went well",
        )
        assert check.ratings == ratings(4, 5, 4, 4, 5) and check.checked_by == "UCSM"
        assert check.answers["timeline"]["Milestones being met"] is True
        activity = other.scalars(
            select(ActivityEntry).where(ActivityEntry.action == "health_check")
        ).one()
        assert activity.data["health_check_id"] == check.id and "85/100" in activity.detail

    later = record(session, onboarding_id, NOW + timedelta(days=7), engagement=1, adoption=2)
    assert later.assessment.score == 56 and later.assessment.status.key == "at_risk"  # 5625
    assert (later.trend.direction, later.trend.points) == ("down", -29)
    assert later.trend.previous_at == NOW


def test_progress_is_computed_from_the_plan_not_asked(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = make_onboarding(session, playbooks)
    # 30 days in, the plan's early milestones are all overdue: progress is poor.
    result = record(session, onboarding_id)
    assert result.assessment.progress.overdue >= 4 and result.assessment.ratings["progress"] == 1


def test_only_the_team_may_run_the_check(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = make_onboarding(session, playbooks)
    with pytest.raises(NotAllowed):
        record(session, onboarding_id, actor="UOTHER")
    with pytest.raises(NotAllowed):
        open_health_check(
            session,
            onboarding_id,
            "UOTHER",
            admins=frozenset(),
            rules=RULES,
            now=NOW,
            today=NOW.date(),
        )
    assert record(session, onboarding_id, actor="UADMIN").check_id
    assert session.scalars(select(HealthCheck)).one().checked_by == "UADMIN"


def test_the_form_prefills_sentiment_from_recent_feedback(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    onboarding_id = make_onboarding(session, playbooks)
    session.add_all(
        [
            FeedbackResponse(
                onboarding_id=onboarding_id,
                kind="pulse_kickoff",
                respondent="U1",
                pulse=5,
                created_at=NOW - timedelta(days=3),
            ),
            FeedbackResponse(
                onboarding_id=onboarding_id,
                kind="survey",
                respondent="U2",
                satisfaction=6,
                created_at=NOW - timedelta(days=1),
            ),
            FeedbackResponse(
                onboarding_id=onboarding_id,
                kind="pulse_go_live",
                respondent="U3",
                pulse=1,
                created_at=NOW - timedelta(days=90),
            ),  # too old
        ]
    )
    session.commit()
    form = open_health_check(
        session, onboarding_id, "UCSM", admins=frozenset(), rules=RULES, now=NOW, today=NOW.date()
    )
    assert form.sentiment is not None and (form.sentiment.rating, form.sentiment.responses) == (
        4,
        2,
    )
    assert form.previous is None and len(form.areas) == 5


def test_latest_health_reads_many_onboardings_in_one_query(db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    ids = [make_onboarding(session, playbooks, f"Customer {i}") for i in range(4)]
    for i, onboarding_id in enumerate(ids[:3]):
        record(session, onboarding_id, NOW, engagement=5)
        record(session, onboarding_id, NOW + timedelta(days=7), engagement=5 - i)
    session.commit()  # the edge's transaction
    with statements(db.engine) as seen:
        latest = latest_health(session, ids, RULES)
    assert len(seen) == 1
    assert set(latest) == set(ids[:3])  # the fourth has never been checked
    assert [latest[i].trend.points for i in ids[:3]] == [0, -6, -12]
    assert latest[ids[0]].trend.direction == "flat"
    assert latest[ids[2]].checked_at == NOW + timedelta(days=7)
    assert latest[ids[2]].status_name in {"Healthy", "Monitor", "At risk", "Critical", "Emergency"}


def test_settings_replace_is_not_shared_between_rules() -> None:
    other = health_rules(replace(SETTINGS, health_thresholds=(95, 80, 60, 40)))
    assert status_for(90, other).key == "monitor" and status_for(90, RULES).key == "healthy"
