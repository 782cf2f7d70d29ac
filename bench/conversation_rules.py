"""The conversation signals' rules alone (bot/services/signals/conversation.py): CPU time over
100,000 synthetic onboardings that all have a customer conversation, a worst case (nearly all
of them fire "gone quiet", 40 % wait on us, most have replies to measure):

    .venv/bin/python -m bench.conversation_rules
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar import BusinessHours
from bot.config import Settings
from bot.services.hypercare.sla import business_hours
from bot.services.signals import ConversationRow, CustomerReplyRow, Facts, load_catalog
from bot.services.signals.conversation import ConversationRules
from tests.services.test_signals import facts, onboarding  # the test suite's fact builders

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def book(count: int, rng: random.Random) -> list[tuple[Facts, BusinessHours]]:
    settings = Settings()
    zones = [business_hours(settings, ZoneInfo(z)) for z in ZONES]
    out = []
    for _ in range(count):
        last = NOW - timedelta(hours=rng.randint(1, 500))
        replies = [
            CustomerReplyRow(
                1, NOW - timedelta(hours=h + rng.randint(1, 60)), NOW - timedelta(hours=h)
            )
            for h in sorted(rng.sample(range(1, 300), rng.randint(0, 4)))
        ]
        row = onboarding(
            customer_channel_id="C1", created_at=NOW - timedelta(days=rng.randint(0, 150))
        )
        waiting = last if rng.random() < 0.4 else None
        f = facts(
            onboarding=row,
            conversation=ConversationRow(1, last, waiting, 1),
            customer_replies=replies,
        )
        out.append((f, rng.choice(zones)))
    return out


def main() -> None:
    catalog = load_catalog(Path(__file__).resolve().parents[1] / "templates")
    onboardings = book(100_000, random.Random(7))
    told: list[object] = []
    start = time.process_time()
    for f, hours in onboardings:
        ConversationRules(f, catalog, hours, NOW).run(lambda kind, *_, **__: told.append(kind))
    seconds = time.process_time() - start
    print(
        f"conversation rules over {len(onboardings):,} onboardings: "
        f"{seconds:.2f} s CPU, {len(told):,} signals"
    )


if __name__ == "__main__":
    main()
