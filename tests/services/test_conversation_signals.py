"""The conversation signals in business hours of the onboarding's zone: customer waiting on us,
customer gone quiet (instead of silence when there is a customer channel), slow customer
replies; and the scan reading what the conversation service stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from sqlalchemy import update

from bot.models import Onboarding
from bot.services.conversations import ChannelMessage, record_message
from bot.services.signals import (
    AlertSeverity,
    ConversationRow,
    CustomerReplyRow,
    SignalKind,
    detect_all,
)
from tests.services.test_signals import (
    CATALOG,
    SETTINGS,
    facts,
    kinds,
    make_onboardings,
    onboarding,
)

BERLIN = ZoneInfo("Europe/Berlin")
CHANNEL = "CSHARED"


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


FRIDAY, MONDAY, TUESDAY = date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)


def waiting(since: datetime, playbook: str = "mid_market", threads: int = 1):  # type: ignore[no-untyped-def]
    return facts(
        onboarding=onboarding(
            timezone="Europe/Berlin", playbook=playbook, customer_channel_id=CHANNEL
        ),
        conversation=ConversationRow(1, since, since, threads),
    )


def test_waiting_on_us_counts_business_hours_across_the_weekend() -> None:
    # Asked Friday 16:00 in Berlin: one business day (8 h) is Friday's last hour and seven on
    # Monday, so the reply is due Monday 16:00, not Saturday.
    f = waiting(berlin(FRIDAY, 16))
    assert SignalKind.CUSTOMER_WAITING not in kinds(f, berlin(MONDAY, 15, 59))
    signal = kinds(f, berlin(MONDAY, 16, 1))[SignalKind.CUSTOMER_WAITING]
    assert signal.facts["hours"] == 8 and signal.facts["asked_on"] == FRIDAY
    assert (
        signal.facts["target"] == "1 business day (8 business hours)"
        and signal.severity == AlertSeverity.MEDIUM
    )


def test_enterprise_waits_four_business_hours_and_ranks_high() -> None:
    f = waiting(berlin(MONDAY, 10), playbook="enterprise", threads=2)
    assert SignalKind.CUSTOMER_WAITING not in kinds(f, berlin(MONDAY, 14))
    signal = kinds(f, berlin(MONDAY, 14, 1))[SignalKind.CUSTOMER_WAITING]
    assert signal.severity == AlertSeverity.HIGH and signal.facts["target"] == "4 business hours"
    assert signal.facts["threads"] == 2
    # Asked after hours (Monday 20:00): the clock starts Tuesday 09:00.
    late = waiting(berlin(MONDAY, 20), playbook="enterprise")
    assert SignalKind.CUSTOMER_WAITING not in kinds(late, berlin(TUESDAY, 13))
    assert SignalKind.CUSTOMER_WAITING in kinds(late, berlin(TUESDAY, 13, 1))


def test_answered_conversations_do_not_wait() -> None:
    f = replace(
        waiting(berlin(FRIDAY, 9)), conversation=ConversationRow(1, berlin(FRIDAY, 9), None, 0)
    )
    assert SignalKind.CUSTOMER_WAITING not in kinds(f, berlin(date(2026, 12, 14), 9))


def test_gone_quiet_after_five_business_days_replaces_silence_with_a_customer_channel() -> None:
    last = berlin(MONDAY, 10)
    quiet = onboarding(
        timezone="Europe/Berlin", customer_channel_id=CHANNEL, last_activity_at=berlin(FRIDAY, 9)
    )
    f = facts(onboarding=quiet, conversation=ConversationRow(1, last, None, 0))
    found = kinds(f, berlin(date(2026, 12, 14), 10))  # the next Monday 10:00: exactly five days
    assert SignalKind.CUSTOMER_QUIET not in found and SignalKind.SILENCE not in found
    signal = kinds(f, berlin(date(2026, 12, 14), 10, 1))[SignalKind.CUSTOMER_QUIET]
    assert signal.facts == {"days": 5, "last_message": MONDAY}
    # A holiday is not a business day: one more day to go.
    holiday = replace(SETTINGS, holidays=frozenset({date(2026, 12, 9)}))
    assert SignalKind.CUSTOMER_QUIET not in kinds(f, berlin(date(2026, 12, 14), 10, 1), holiday)
    # Without a customer channel: the old silence, counted from our own activity.
    alone = facts(onboarding=quiet._replace(customer_channel_id=None))
    found = kinds(alone, berlin(date(2026, 12, 14), 10, 1))
    assert SignalKind.SILENCE in found and SignalKind.CUSTOMER_QUIET not in found


def test_a_customer_who_never_wrote_is_quiet_from_the_onboarding_creation() -> None:
    created = berlin(MONDAY, 9)
    f = facts(
        onboarding=onboarding(
            timezone="Europe/Berlin",
            customer_channel_id=CHANNEL,
            playbook="enterprise",
            created_at=created,
        )
    )
    signal = kinds(f, berlin(date(2026, 12, 14), 9, 1))[SignalKind.CUSTOMER_QUIET]
    assert signal.facts["last_message"] is None and signal.severity == AlertSeverity.CRITICAL


def test_slow_customer_replies_median_over_two_business_days() -> None:
    now = berlin(date(2026, 12, 18), 12)
    base = onboarding(timezone="Europe/Berlin", customer_channel_id=CHANNEL)
    recent = berlin(date(2026, 12, 17), 10)

    def replies(*spans: tuple[datetime, datetime]):  # type: ignore[no-untyped-def]
        rows = [CustomerReplyRow(1, asked, answered) for asked, answered in spans]
        return facts(
            onboarding=base,
            conversation=ConversationRow(1, recent, None, 0),
            customer_replies=rows,
        )

    # Monday 09:00 -> Wednesday 12:00: 19 business hours, over the 16 of two business days.
    slow = (berlin(date(2026, 12, 7), 9), berlin(date(2026, 12, 9), 12))
    quick = (berlin(date(2026, 12, 10), 9), berlin(date(2026, 12, 10), 10))
    signal = kinds(replies(slow, slow, quick), now)[SignalKind.SLOW_CUSTOMER_REPLIES]
    assert signal.severity == AlertSeverity.LOW
    assert signal.facts == {
        "median_hours": 19,
        "replies": 3,
        "target": "2 business days (16 business hours)",
    }
    # Two replies are too few for a median; a weekend between question and answer is not slow.
    assert SignalKind.SLOW_CUSTOMER_REPLIES not in kinds(replies(slow, slow), now)
    weekend = (berlin(date(2026, 12, 11), 16), berlin(date(2026, 12, 14), 10))  # Fri -> Mon: 2 h
    assert SignalKind.SLOW_CUSTOMER_REPLIES not in kinds(replies(slow, weekend, weekend), now)
    # Older than two weeks: out of the median.
    old = (slow[0] - timedelta(days=14), slow[1] - timedelta(days=14))
    assert SignalKind.SLOW_CUSTOMER_REPLIES not in kinds(replies(old, old, slow), now)


def message(ts: float, *, outside: bool, thread: float | None = None) -> ChannelMessage:
    return ChannelMessage(
        channel_id=CHANNEL,
        ts=f"{ts:.6f}",
        thread_ts=f"{thread:.6f}" if thread else None,
        user_id="UDANA" if outside else "UCSM",
        sent_at=datetime.fromtimestamp(ts, UTC),
        from_outside=outside,
    )


def test_the_scan_reads_what_the_conversation_service_stored(db, session, playbooks) -> None:  # type: ignore[no-untyped-def]
    [acme, quiet] = make_onboardings(session, playbooks, 2, start=date(2026, 12, 1))
    session.execute(
        update(Onboarding)
        .where(Onboarding.id == acme)
        .values(customer_channel_id=CHANNEL, timezone="Europe/Berlin")
    )
    session.execute(
        update(Onboarding).where(Onboarding.id == quiet).values(customer_channel_id="CQUIET")
    )
    asked = berlin(FRIDAY, 10).timestamp()
    with freeze_time(berlin(FRIDAY, 12)):
        record_message(session, message(asked, outside=True))  # waits
        record_message(session, message(asked + 60, outside=False, thread=asked - 999))  # elsewhere
        session.commit()
    with freeze_time(berlin(MONDAY, 12)), db.session() as reading:
        scanned = detect_all(reading, SETTINGS, CATALOG, datetime.now(UTC))
        found = {o.id: {s.kind: s for s in signals} for o, signals in scanned}
    assert found[acme][SignalKind.CUSTOMER_WAITING].facts["hours"] == 10  # Fri 10-17, Mon 9-12
    assert SignalKind.CUSTOMER_QUIET not in found[acme]
    with freeze_time(berlin(MONDAY, 13)):
        record_message(session, message(berlin(MONDAY, 13).timestamp(), outside=False))
        session.commit()
    with db.session() as reading:
        later = {
            o.id: [s.kind for s in signals]
            for o, signals in detect_all(reading, SETTINGS, CATALOG, berlin(date(2026, 12, 9), 9))
        }
    assert SignalKind.CUSTOMER_WAITING not in later[acme]  # answered at the top level
    assert SignalKind.CUSTOMER_QUIET not in later[acme]  # wrote on Friday
    # Nobody at the other customer has written since the handoff on Tuesday Dec 1, 09:00 UTC.
    assert SignalKind.CUSTOMER_QUIET in later[quiet] and SignalKind.SILENCE not in later[quiet]
