"""The telling rule (bot/services/alert_states.reconcile): a signal is told once, and again only
when it gets worse (severity, level, or its measure's next `worse_at` value), when a snooze
ends, or on Monday as the weekly reminder; never daily for the same fact. Plus the signals that
do not fit a playbook's touch model, which are not detected at all.

Each test lives the days of a signal under a frozen clock and keeps the alert's row as the
stall-alerts job would store it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config import Settings
from bot.services.alert_states import AlertRow, Change, Reason, reconcile
from bot.services.signals import (
    Facts,
    HealthRow,
    MilestoneRow,
    OnboardingRow,
    SignalCatalog,
    SignalCatalogError,
    SignalKind,
    SignalOverride,
    StakeholderCount,
    detect,
    load_catalog,
)

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings()
CATALOG = load_catalog(ROOT / "templates")
MONDAY = date(2027, 3, 1)
FAR = datetime(2027, 12, 31, 9, tzinfo=UTC)


def onboarding(playbook: str = "mid_market") -> OnboardingRow:
    return OnboardingRow(
        id=1,
        company_name="Acme",
        status="active",
        playbook=playbook,
        csm_user_id="UCSM",
        ae_user_id="UAE",
        customer_channel_id=None,
        internal_channel_id=None,
        timezone=None,
        start_date=MONDAY - timedelta(days=60),
        last_activity_at=FAR,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def facts(*milestones: MilestoneRow, stakeholders: int = 3, playbook: str = "mid_market") -> Facts:
    return Facts(
        onboarding=onboarding(playbook),
        milestones=list(milestones),
        stakeholders=StakeholderCount(1, stakeholders, None),
        health=HealthRow(1, FAR, 90, "healthy"),
    )


def late(due: date, mid: int = 10) -> MilestoneRow:
    return MilestoneRow(1, mid, f"m{mid}", f"Milestone {mid}", due)


class Alerts:
    """The alert rows of one onboarding, kept across days as the job keeps them."""

    def __init__(self, settings: Settings = SETTINGS, catalog: SignalCatalog = CATALOG) -> None:
        self.settings = settings
        self.catalog = catalog
        self.rows: dict[tuple[str, str], AlertRow] = {}

    def run(self, f: Facts) -> dict[str, Reason]:
        """One day's run at the frozen `now`: what is told, by signal kind and subject."""
        now = datetime.now(UTC)
        signals = detect(f, self.settings, self.catalog, now)
        changes = reconcile(
            f.onboarding,
            signals,
            list(self.rows.values()),
            now,
            renotify_days=self.settings.renotify_days,
            default_timezone=self.settings.timezone,
            return_days=self.settings.alert_return_days,
            acknowledge_days=self.settings.acknowledge_days,
        )
        for change in changes:
            self._store(change)
        return {
            f"{c.signal.kind}{c.signal.subject}": c.reason
            for c in changes
            if c.signal is not None and c.reason is not None
        }

    def _store(self, change: Change) -> None:
        values = dict(change.values) | dict(change.notified)  # every post was queued
        if change.row is None:
            values.setdefault("last_notified_at", None)
            values.update(
                id=len(self.rows) + 1, acknowledged_at=None, snoozed_until=None, cleared_at=None
            )
            fields = {k: values.get(k) for k in AlertRow._fields}
            row = AlertRow(**fields)  # type: ignore[arg-type]
        else:
            known = {k: v for k, v in values.items() if k in AlertRow._fields}
            row = change.row._replace(**known)
        self.rows[(row.signal, row.subject)] = row

    def answer(self, **fields: object) -> None:
        """Acknowledge or snooze every alert (the buttons' effect on the rows)."""
        self.rows = {k: r._replace(**fields) for k, r in self.rows.items()}


def on(day: date, hour: int = 9):  # type: ignore[no-untyped-def]
    return freeze_time(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def days(n: int) -> date:
    return MONDAY + timedelta(days=n)


def test_told_once_never_daily_then_reminded_on_mondays() -> None:
    alerts, lone = Alerts(), facts(stakeholders=1)
    told = []
    for n in range(0, 15):
        with on(days(n)):
            told.append((n, alerts.run(lone).get("single_threaded")))
    assert [(n, r) for n, r in told if r] == [
        (0, Reason.NEW),
        (7, Reason.REMINDER),
        (14, Reason.REMINDER),
    ]


def test_a_measure_crossing_its_next_threshold_is_worse() -> None:
    alerts, milestone = Alerts(), facts(late(days(-1)))  # due Sunday
    told = {}
    for n in range(0, 32):
        with on(days(n)):
            for reason in alerts.run(milestone).values():
                told[n] = reason
    # Delayed (1 day late), missed (4), 10 and 30 days late (signals.yml worse_at), and the
    # Monday reminders between them (at least ONBOARD_RENOTIFY_DAYS after the last telling).
    assert told == {
        0: Reason.NEW,
        3: Reason.WORSE,
        7: Reason.REMINDER,
        9: Reason.WORSE,
        14: Reason.REMINDER,
        21: Reason.REMINDER,
        28: Reason.REMINDER,
        29: Reason.WORSE,
    }


def test_higher_severity_is_worse_even_when_acknowledged() -> None:
    alerts, lone = Alerts(), facts(stakeholders=1)
    with on(days(1)):
        alerts.run(lone)
    alerts.answer(acknowledged_at=datetime(2027, 3, 2, 10, tzinfo=UTC))
    with on(days(7)):
        assert alerts.run(lone) == {}  # acknowledged: no reminder
    graver = SignalCatalog(
        {k: CATALOG.definition(k) for k in SignalKind},
        {"mid_market": {SignalKind.SINGLE_THREADED: SignalOverride(severity="high")}},
    )
    alerts.catalog = graver
    with on(days(8)):
        assert alerts.run(lone) == {"single_threaded": Reason.WORSE}


def test_told_again_when_an_acknowledgement_ends_then_reminded_on_mondays() -> None:
    alerts, lone = Alerts(), facts(stakeholders=1)
    with on(days(0)):
        alerts.run(lone)
    alerts.answer(acknowledged_at=datetime(2027, 3, 1, 10, tzinfo=UTC))
    told = {}
    for n in range(1, 22):
        with on(days(n)):
            for reason in alerts.run(lone).values():
                told[n] = reason
    # ONBOARD_ACKNOWLEDGE_DAYS (14) later, and the Monday a week after.
    assert told == {15: Reason.ACKNOWLEDGEMENT_OVER, 21: Reason.REMINDER}
    forever = Alerts(replace(SETTINGS, acknowledge_days=0))
    with on(days(0)):
        forever.run(lone)
    forever.answer(acknowledged_at=datetime(2027, 3, 1, 10, tzinfo=UTC))
    with on(days(28)):
        assert forever.run(lone) == {}  # 0: until it gets worse


def test_told_again_when_a_snooze_ends_and_not_before() -> None:
    alerts, lone = Alerts(), facts(stakeholders=1)
    with on(days(-3)):
        alerts.run(lone)  # a Friday
    alerts.answer(snoozed_until=datetime(2027, 3, 10, tzinfo=UTC))
    for n in (0, 7, 8):  # Monday's reminders wait for the snooze
        with on(days(n)):
            assert alerts.run(lone) == {}
    with on(days(9)):
        assert alerts.run(lone) == {"single_threaded": Reason.SNOOZE_OVER}


def test_late_milestones_listed_by_multiple_delays_are_reminded_through_it() -> None:
    alerts = Alerts()
    three = facts(*(late(days(-20) + timedelta(days=i), mid=i) for i in range(3)))
    with on(days(0)):
        first = alerts.run(three)
    assert set(first) == {"milestone_missedmilestone:0", "milestone_missedmilestone:1"} | {
        "milestone_missedmilestone:2",
        "multiple_delays",
    }
    with on(days(7)):
        assert alerts.run(three) == {"multiple_delays": Reason.REMINDER}


def test_a_signal_back_within_a_week_goes_on_where_it_was() -> None:
    alerts = Alerts()
    with on(days(0)):
        assert alerts.run(facts(stakeholders=1))
    with on(days(1)):
        assert alerts.run(facts()) == {}  # a second stakeholder: cleared
    with on(days(4)):
        assert alerts.run(facts(stakeholders=1)) == {}  # back 3 days later: not news
    with on(days(7)):
        assert alerts.run(facts(stakeholders=1)) == {"single_threaded": Reason.REMINDER}
    with on(days(8)):
        alerts.run(facts())
    with on(days(16)):  # back 8 days after it went away: new again
        assert alerts.run(facts(stakeholders=1)) == {"single_threaded": Reason.NEW}


# ---- signals that do not fit the touch model --------------------------------------------------


def test_no_health_check_missing_for_a_tech_touch_playbook() -> None:
    with on(days(0)):
        now = datetime.now(UTC)
        unchecked = replace(facts(playbook="self_serve"), health=None)
        assert SignalKind.HEALTH_CHECK_MISSING not in {
            s.kind for s in detect(unchecked, SETTINGS, CATALOG, now)
        }
        smb = replace(facts(playbook="smb"), health=None)  # low-touch: a CSM checks
        assert SignalKind.HEALTH_CHECK_MISSING in {
            s.kind for s in detect(smb, SETTINGS, CATALOG, now)
        }
        turned_on = SignalCatalog(
            {k: CATALOG.definition(k) for k in SignalKind},
            {"self_serve": {SignalKind.HEALTH_CHECK_MISSING: SignalOverride(enabled=True)}},
        )
        assert SignalKind.HEALTH_CHECK_MISSING in {
            s.kind for s in detect(unchecked, SETTINGS, turned_on, now)
        }


def write_catalog(tmp_path: Path, text: str) -> Path:
    (tmp_path / "signals.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (("worse_at: {days_late: [10, 30]}", "worse_at: {due: [10]}"), "not a measure"),
        (("worse_at: {days_late: [10, 30]}", "worse_at: {days_late: [30, 10]}"), "must grow"),
        (("off_for: [tech-touch]", "off_for: [no-touch]"), r"off_for.*tech-touch"),
        (("covered_by: multiple_delays", "covered_by: many_delays"), "covered_by"),
    ],
)
def test_the_new_fields_are_validated(tmp_path: Path, change: tuple[str, str], error: str) -> None:
    good = (ROOT / "templates" / "signals.yml").read_text(encoding="utf-8")
    assert change[0] in good
    with pytest.raises(SignalCatalogError, match=error):
        SignalCatalog.load(write_catalog(tmp_path, good.replace(*change, 1)))
