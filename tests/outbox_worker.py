"""One outbox sender process for the two-process test: `python -m tests.outbox_worker DB_URL
SLACK_URL OWNER START_AT` delivers until nothing is pending, then prints its report as JSON."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.models import OutboxMessage, OutboxStatus
from bot.slack.sender import DeliveryReport, OutboxSender


def main(database_url: str, slack_url: str, owner: str, start_at: float) -> int:
    settings = Settings(slack_bot_token="xoxb-test-token", slack_api_url=slack_url)
    db = Database(database_url)
    sender = OutboxSender(
        db, None, settings, owner=owner, timeout=2, backoff=timedelta(milliseconds=100)
    )
    total = DeliveryReport()
    time.sleep(max(0.0, start_at - time.time()))  # both processes start together
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        total.merge(sender.deliver_due())
        with db.session() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        if not pending:
            break
        time.sleep(0.05)
    print(json.dumps({"owner": owner, "sent": total.sent, "failed": total.failed}))
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
