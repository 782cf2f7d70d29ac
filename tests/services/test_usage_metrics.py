"""Adoption in the book's metrics: the share of licensed users active on day 14, 30, 60 and 90
from the start, by segment and by CSM, in one more query."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.metrics import SliceBy, book_metrics
from bot.services.metrics_figures import AdoptionAt
from bot.services.usage import record_batch
from bot.slack.metrics_views import build_metrics_blocks
from tests.factories import ACME_START, open_onboarding

TODAY = date(2027, 3, 1)


def used(session, onboarding_id: int, day: int, active: int, licensed: int = 40) -> None:  # type: ignore[no-untyped-def]
    when = ACME_START + timedelta(days=day)
    record = {
        "onboarding_id": onboarding_id,
        "date": when.isoformat(),
        "active_users": active,
        "licensed_users": licensed,
    }
    record_batch(session, [record], TODAY)
    session.commit()


def test_adoption_at_day_14_30_60_90_by_segment_and_csm(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    acme = open_onboarding(session, playbooks, "Acme Manufacturing")  # Mid-Market, UCSM
    globex = open_onboarding(session, playbooks, "Globex", csm_user_id="UCSM2")
    tiny = open_onboarding(session, playbooks, "Tiny Co", arr="$8K")  # SMB, UCSM
    used(session, acme, 14, 10)  # 25%
    used(session, globex, 14, 30)  # 75%
    used(session, acme, 30, 20)  # 50%
    used(session, acme, 31, 40)  # not a checkpoint day: not counted
    used(session, tiny, 14, 5, licensed=5)  # 100%

    book = book_metrics(session, today=TODAY, ttfv_targets={})
    assert book.total.adoption == {
        14: AdoptionAt(3, (0.25 + 0.75 + 1.0) / 3),
        30: AdoptionAt(1, 0.5),
    }
    by_segment = book_metrics(session, today=TODAY, ttfv_targets={}, slice_by=SliceBy.SEGMENT)
    segments = {s.key: s.adoption for s in by_segment.slices}
    assert segments["Mid-Market"] == {14: AdoptionAt(2, 0.5), 30: AdoptionAt(1, 0.5)}
    assert segments["SMB"] == {14: AdoptionAt(1, 1.0)}
    by_csm = book_metrics(session, today=TODAY, ttfv_targets={}, slice_by=SliceBy.CSM)
    assert {s.key: s.adoption.get(14) for s in by_csm.slices} == {
        "UCSM": AdoptionAt(2, 0.625),
        "UCSM2": AdoptionAt(1, 0.75),
    }
    text = str(build_metrics_blocks(by_segment))
    assert "day 14 67% (n=3) · day 30 50% (n=1) · day 60 — · day 90 —" in text
    assert "Adoption: day 14 100% (n=1) · day 30 — · day 60 — · day 90 —" in text  # SMB


def test_a_book_without_usage_says_so(session, playbooks) -> None:  # type: ignore[no-untyped-def]
    open_onboarding(session, playbooks, "Acme Manufacturing")
    book = book_metrics(session, today=TODAY, ttfv_targets={})
    assert book.total.adoption == {}
    assert "no usage data" in str(build_metrics_blocks(book))
