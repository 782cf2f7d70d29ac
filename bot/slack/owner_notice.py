"""Telling a human that a post could not be delivered: what failed and how to fix it."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.db import Database
from bot.models import Onboarding
from bot.slack.mrkdwn import escape
from bot.slack.outbox_rows import ClaimedRow
from bot.slack.send_failures import NETWORK_ERRORS, classify_failure

log = logging.getLogger(__name__)

# What the owner can do about a permanent error.
FIXES = {
    "channel_not_found": "The channel was deleted, or it is private and Onboard is not in it. "
    "Invite Onboard (`/invite @Onboard`) or link another channel with `/onboard channel`.",
    "channel_shared_externally": "The channel is shared with another organisation, so Onboard "
    "will not post internal information there. Link an internal channel, or read it with "
    "`/onboard status`.",
    "not_in_channel": "Onboard is not a member of this channel and cannot join it by itself. "
    "Invite it with `/invite @Onboard` in the channel.",
    "is_archived": "The channel is archived. Unarchive it, or link another channel with "
    "`/onboard channel`.",
    "user_not_found": "The recipient no longer exists in this workspace.",
    "user_disabled": "The recipient's account is deactivated.",
    "cannot_dm_bot": "The recipient is a bot and cannot receive direct messages.",
    "restricted_action": "A workspace setting prevents Onboard from posting there. Ask an admin.",
    "thread_parent_failed": "The message this one replies to could not be posted; fix that first.",
    "thread_parent_missing": "The message this one replies to was never queued. This is a bug "
    "in Onboard; please report it.",
}
FIX_INVALID = "Slack refused the message itself. This is a bug in Onboard; please report it."
FIX_RETRIES = "Slack kept failing. If Slack is up again, the next scheduled run will try anew."
INVALID_MESSAGE_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_metadata_format",
        "invalid_attachments",
        "too_many_attachments",
        "invalid_arguments",
    }
)


def tell_owner(
    client: WebClient,
    db: Database,
    settings: Settings,
    row: ClaimedRow,
    error: str,
    *,
    exhausted: bool = False,
) -> None:
    """DM the onboarding's owner (or post in the escalation channel) what failed and how to
    fix it. A plain direct call: a notice never goes through the outbox it reports on."""
    recipient, company = _owner_of(db, settings, row)
    if not recipient:
        log.error("outbox: nobody to tell that %s failed", row.key)
        return
    try:
        client.chat_postMessage(
            channel=recipient, text=failure_notice(row, error, company, exhausted)
        )
    except SlackApiError as exc:
        log.error(
            "outbox: could not tell %s that %s failed: %s",
            recipient,
            row.key,
            classify_failure(exc).error,
        )
    except NETWORK_ERRORS as exc:
        log.error("outbox: could not tell %s that %s failed: %r", recipient, row.key, exc)


def failure_notice(row: ClaimedRow, error: str, company: str, exhausted: bool) -> str:
    where = f"<@{row.channel}>" if row.channel[:1] in ("U", "W") else f"<#{row.channel}>"
    if exhausted:
        fix = FIX_RETRIES
    elif error in INVALID_MESSAGE_ERRORS:
        fix = FIX_INVALID
    else:
        fix = FIXES.get(error, "")
    about = f" for *{escape(company)}*" if company else ""
    return (
        f":warning: Onboard could not deliver a {escape(row.kind)} message{about} to "
        f"{where}: Slack said `{escape(error)}`."
        + (f" {fix}" if fix else "")
        + f" (reference `{escape(row.key)}`)"
    )


def _owner_of(db: Database, settings: Settings, row: ClaimedRow) -> tuple[str, str]:
    if row.onboarding_id is not None:
        with db.session() as session:
            onboarding = session.get(Onboarding, row.onboarding_id)
            if onboarding is not None and onboarding.csm_user_id:
                return onboarding.csm_user_id, onboarding.company_name
    return settings.escalation_channel_id, ""
