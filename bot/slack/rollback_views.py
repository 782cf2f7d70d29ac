"""The reply to `/onboard rollback`: pure, from a `RollbackRecorded` (internal, ephemeral)."""

from __future__ import annotations

from bot.services.rollback import POST_MORTEM_HOURS, RollbackRecorded
from bot.slack.mrkdwn import Mrkdwn, render

ROLLBACK_USAGE = "`/onboard rollback <customer> <what happened>`"


def rollback_text(recorded: RollbackRecorded) -> Mrkdwn:
    return render("rollback_recorded", r=recorded, hours=POST_MORTEM_HOURS)
