"""The outbox sender: delivers queued posts to Slack exactly once, and never loses one.

Each due row is claimed with a lease (bot/services/outbox.py) so that of several processes only
one works on it. Then:

- a row with a `ts` is an edit: chat.update in place (re-posted if the message was deleted);
- a row without one is posted with message metadata carrying its idempotency key. If an
  earlier attempt may have reached Slack (attempts > 0: a timeout, a reset connection, a 5xx,
  a crash before the result was recorded), the channel is searched for that key first and a
  message found there is recorded instead of posting a second one;
- the `ts` is committed as soon as Slack answers, then the message is pinned when asked, then
  the row is marked sent.

429s wait for `Retry-After` without using up an attempt; 5xx and network errors are retried with
exponential backoff; permanent errors (channel_not_found, is_archived, invalid_blocks…) fail at
once. A failed row is logged and its onboarding's owner is told by DM what failed and how to
fix it. Rows past `expires_at` are skipped and logged, never sent late. Thread replies wait for
their parent and reply under its `ts`.

While Slack access is suspended (the app uninstalled, its token revoked: bot/slack/access.py)
a pass calls nothing but the gate's auth.test probe and parks every row: it stays pending, no
attempt counted. A call answered token_revoked, invalid_auth or account_inactive suspends access
and parks its row the same way.

The sender's WebClient never retries on its own: a blind retry of chat.postMessage after a
timeout is exactly the double post this module exists to prevent.

Beside it: send_failures.py (what a failed call means), delivery_ledger.py (the row's
bookkeeping, one short transaction per step), owner_notice.py (telling a human), outbox_loop.py
(the background thread).
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient

from bot.config import Settings
from bot.db import Database
from bot.models import OutboxStatus
from bot.services import outbox
from bot.slack.access import PROBE_INTERVAL, AccessGate
from bot.slack.api_metrics import counters_of
from bot.slack.client import ACCESS_LOST_ERRORS, is_shared_externally
from bot.slack.delivery_ledger import DeliveryLedger, ParentState
from bot.slack.outbox_rows import ClaimedRow, DeliveryReport
from bot.slack.owner_notice import tell_owner
from bot.slack.permalinks import Permalinks
from bot.slack.renderers import UnknownKind, render_post
from bot.slack.rendering import Links
from bot.slack.send_failures import (
    NETWORK_ERRORS,
    Kind,
    LeaseLost,
    SlackFailure,
    call_slack,
    classify_failure,
)

log = logging.getLogger(__name__)

EVENT_TYPE = "onboard_outbox"
# Slack-side clocks and ours differ a little; look this far before a row's creation.
HISTORY_MARGIN = timedelta(minutes=10)
HISTORY_MAX_PAGES = 20


def no_retry_client(
    settings: Settings, client: WebClient | None = None, timeout: int | None = None
) -> WebClient:
    """`client` (default: one for `settings`), copied, with no retry handlers but its call
    counter (bot/slack/api_metrics.py), which never retries.

    slack_sdk's ConnectionErrorRetryHandler and ServerErrorRetryHandler re-send a request whose
    answer was lost; for chat.postMessage that is a second message. The sender decides itself.
    A copy, so the app's own client (shared with handlers) keeps its handlers; a shallow one, so
    a WebClient subclass (the demo's terminal client) keeps working.
    """
    if client is None:
        client = WebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10
        )
    quiet = copy.copy(client)
    quiet.retry_handlers = counters_of(client)
    if timeout is not None:
        quiet.timeout = timeout
    return quiet


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxSender:
    """Delivers due outbox rows. Safe to run in several threads or processes at once."""

    def __init__(
        self,
        db: Database,
        client: WebClient | None,
        settings: Settings,
        owner: str | None = None,
        *,
        lease: timedelta = timedelta(minutes=5),
        backoff: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(minutes=15),
        parent_wait: timedelta = timedelta(seconds=2),
        timeout: int | None = None,
        probe_interval: timedelta = PROBE_INTERVAL,
    ) -> None:
        self.db = db
        self.settings = settings
        self.client = no_retry_client(settings, client, timeout)
        self.gate = AccessGate(db, self.client, probe_interval)
        self.owner = owner or default_owner()
        self.lease = lease
        self.ledger = DeliveryLedger(db, self.owner, lease)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.parent_wait = parent_wait
        self.max_attempts = settings.outbox_max_attempts

    # ---- the pass ------------------------------------------------------------------------------

    def deliver_due(self, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
        """Deliver every due pending row. `now` fixes the clock for the whole pass (tests,
        `onboard jobs run --now`); by default each row is handled at the real time."""
        report = DeliveryReport()
        is_open = self.gate.open(now or _utcnow())
        with self.db.session() as session:
            due = outbox.due_messages(session, now=now or _utcnow(), limit=limit)
            # Parents before replies, so a thread is delivered in one pass.
            order = [m.id for m in due if not m.thread_of] + [m.id for m in due if m.thread_of]
            keys = {m.id: m.idempotency_key for m in due}
        for message_id in order:
            if not is_open:  # Slack access is suspended: the row waits, untouched
                report.parked.append(keys[message_id])
                continue
            result = self.deliver_one(message_id, now=now or _utcnow())
            if result is not None:
                report.add(*result)
                is_open = result[0] != "parked"
        return report

    def deliver_one(self, message_id: int, *, now: datetime) -> tuple[str, str] | None:
        """(outcome, key) for one row, or None when another process holds it."""
        claimed = self.ledger.claim(message_id, now)
        if claimed is None:
            return None
        row, parent_state = claimed
        try:
            return self._handle(row, parent_state, now), row.key
        except LeaseLost:
            log.warning("outbox: lost the lease on %s to another process", row.key)
            return None

    def _handle(self, row: ClaimedRow, parent: ParentState, now: datetime) -> str:
        if row.expires_at is not None and row.expires_at < now:
            log.info("outbox: skipped %s: expired at %s", row.key, row.expires_at.isoformat())
            self.ledger.settle(
                row, OutboxStatus.SKIPPED, f"expired at {row.expires_at.isoformat()}"
            )
            return "skipped"
        thread_ts = None
        if row.thread_of:
            waiting = self._thread_parent(row, parent, now)
            if waiting is not None:
                return waiting
            thread_ts = parent[1] if parent else None
        try:
            self._send(row, thread_ts, now)
        except SlackFailure as failure:
            if failure.error in ACCESS_LOST_ERRORS:
                return self._park(row, failure.error, now)
            return self._failed_attempt(row, failure, now)
        except NETWORK_ERRORS as exc:
            return self._failed_attempt(row, classify_failure(exc), now)
        return "sent"

    def _thread_parent(self, row: ClaimedRow, parent: ParentState, now: datetime) -> str | None:
        """None when the reply can go now (under the parent's ts), else what happened to it."""
        if parent is None:
            self._fail(row, "thread_parent_missing")
            return "failed"
        status, ts = parent
        if ts is not None:
            return None
        if status == OutboxStatus.SKIPPED:
            log.info("outbox: skipped %s: its thread parent was skipped", row.key)
            self.ledger.settle(row, OutboxStatus.SKIPPED, "thread parent skipped")
            return "skipped"
        if status == OutboxStatus.FAILED:
            self._fail(row, "thread_parent_failed", tell_owner=False)
            return "failed"
        self.ledger.release(
            row, now + self.parent_wait, "waiting for the thread parent", counted=False
        )
        return "waiting"

    # ---- one delivery --------------------------------------------------------------------------

    def _send(self, row: ClaimedRow, thread_ts: str | None, now: datetime) -> None:
        payload = row.payload
        links = Permalinks(self.client)
        channel_id = self._conversation(row.channel)
        if payload.get("internal") and call_slack(
            is_shared_externally, client=self.client, channel_id=channel_id
        ):
            raise SlackFailure("channel_shared_externally", Kind.PERMANENT)
        ts = row.ts
        if ts is not None:
            try:
                call_slack(
                    self.client.chat_update, channel=channel_id, ts=ts, **_content(row, links)
                )
            except SlackFailure as failure:
                if failure.error != "message_not_found":
                    raise
                log.info("outbox: %s was deleted in Slack; posting it again", row.key)
                ts = None
                self._record_ts(row, None)
        if ts is None and row.attempts > 1:
            ts = self._find_posted(row, channel_id, thread_ts)
            if ts is not None:
                log.info("outbox: %s had reached Slack (ts %s); not posting it again", row.key, ts)
                self._record_ts(row, ts)
                call_slack(
                    self.client.chat_update, channel=channel_id, ts=ts, **_content(row, links)
                )
        if ts is None:
            self.ledger.renew(row, now)
            ts = self._post(row, channel_id, thread_ts, links)
            self._record_ts(row, ts)
        # Every time: an earlier attempt may have posted and then failed before pinning.
        if payload.get("pin"):
            try:
                call_slack(self.client.pins_add, channel=channel_id, timestamp=ts)
            except SlackFailure as failure:
                if failure.error != "already_pinned":
                    raise
        if not self.ledger.finish_sent(row, now):
            log.info("outbox: %s changed while it was sent; editing it next", row.key)

    def _post(self, row: ClaimedRow, channel_id: str, thread_ts: str | None, links: Links) -> str:
        message = {
            "channel": channel_id,
            **_content(row, links),
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": row.key}},
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        try:
            return call_slack(self.client.chat_postMessage, **message)["ts"]
        except SlackFailure as failure:
            if failure.error != "not_in_channel":
                raise
        try:
            call_slack(self.client.conversations_join, channel=channel_id)
        except SlackFailure as failure:
            if failure.kind is not Kind.PERMANENT:
                raise
            log.info("outbox: cannot join %s: %s", channel_id, failure.error)
            raise SlackFailure("not_in_channel", Kind.PERMANENT) from failure
        return call_slack(self.client.chat_postMessage, **message)["ts"]

    def _conversation(self, channel: str) -> str:
        """A user id means the direct message with that user: open it."""
        if channel[:1] in ("U", "W"):
            return call_slack(self.client.conversations_open, users=channel)["channel"]["id"]
        return channel

    def _find_posted(self, row: ClaimedRow, channel_id: str, thread_ts: str | None) -> str | None:
        """The ts of a message in the channel whose metadata carries the row's key."""
        oldest = min(row.created_at, _utcnow()) - HISTORY_MARGIN
        cursor = None
        for _ in range(HISTORY_MAX_PAGES):
            args: dict[str, Any] = {
                "channel": channel_id,
                "include_all_metadata": True,
                "limit": 200,
                "oldest": f"{oldest.timestamp():.6f}",
            }
            if cursor:
                args["cursor"] = cursor
            try:
                if thread_ts:
                    page = call_slack(self.client.conversations_replies, ts=thread_ts, **args)
                else:
                    page = call_slack(self.client.conversations_history, **args)
            except SlackFailure as failure:
                if failure.error in ("not_in_channel", "channel_not_found", "thread_not_found"):
                    return None  # we cannot have posted there; posting will say why
                raise
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                key = (metadata.get("event_payload") or {}).get("key")
                if metadata.get("event_type") == EVENT_TYPE and key == row.key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        log.warning("outbox: gave up looking for %s after %s pages", row.key, HISTORY_MAX_PAGES)
        return None

    # ---- bookkeeping -------------------------------------------------------------------------

    def _record_ts(self, row: ClaimedRow, ts: str | None) -> None:
        if not self.ledger.record_ts(row, ts):
            log.warning("outbox: could not record ts %s for %s (moved or lease lost)", ts, row.key)

    def _park(self, row: ClaimedRow, error: str, now: datetime) -> str:
        """Slack says the token no longer works: suspend access, give the row back as it was."""
        self.gate.suspend(error, now)
        self.ledger.release(row, now, f"parked: {error}", counted=False)
        return "parked"

    def _failed_attempt(self, row: ClaimedRow, failure: SlackFailure, now: datetime) -> str:
        if failure.kind is Kind.RATE_LIMITED:
            wait = timedelta(seconds=failure.retry_after or 1)
            log.info("outbox: %s rate limited; retrying in %ss", row.key, wait.total_seconds())
            self.ledger.release(row, now + wait, failure.error, counted=False)
            return "retrying"
        if failure.kind is Kind.PERMANENT:
            self._fail(row, failure.error)
            return "failed"
        if row.attempts >= self.max_attempts:
            self._fail(row, failure.error, exhausted=True)
            return "failed"
        delay = min(self.max_backoff, self.backoff * 2 ** (row.attempts - 1))
        log.info(
            "outbox: %s attempt %s failed (%s); retrying in %ss",
            row.key,
            row.attempts,
            failure.error,
            delay.total_seconds(),
        )
        self.ledger.release(row, now + delay, failure.error, counted=True)
        return "retrying"

    def _fail(
        self, row: ClaimedRow, error: str, *, exhausted: bool = False, tell_owner: bool = True
    ) -> None:
        reason = f"{error} after {row.attempts} attempts" if exhausted else error
        self.ledger.settle(row, OutboxStatus.FAILED, reason)
        log.error("outbox: %s failed: %s (channel %s)", row.key, reason, row.channel)
        if tell_owner:
            self.tell_owner(row, error, exhausted=exhausted)

    def tell_owner(self, row: ClaimedRow, error: str, *, exhausted: bool = False) -> None:
        tell_owner(self.client, self.db, self.settings, row, error, exhausted=exhausted)


def _content(row: ClaimedRow, links: Links) -> dict[str, Any]:
    """The message the row's kind renders from its data, built now, at send time."""
    try:
        message = render_post(row.kind, row.payload, links)
    except (UnknownKind, ValidationError) as exc:
        log.error("outbox: %s cannot be rendered: %s", row.key, exc)
        raise SlackFailure("cannot_render", Kind.PERMANENT) from exc
    content: dict[str, Any] = {"text": message.text}
    if message.blocks:
        content["blocks"] = message.blocks
    return content


def _utcnow() -> datetime:
    return datetime.now(UTC)
