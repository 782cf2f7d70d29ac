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
"""

from __future__ import annotations

import copy
import enum
import http.client
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.db import Database
from bot.models import Onboarding, OutboxMessage, OutboxStatus
from bot.services import outbox
from bot.slack.access import PROBE_INTERVAL, AccessGate
from bot.slack.api_metrics import counters_of
from bot.slack.client import ACCESS_LOST_ERRORS, is_shared_externally
from bot.slack.mrkdwn import escape
from bot.slack.renderers import UnknownKind, render_post

log = logging.getLogger(__name__)

EVENT_TYPE = "onboard_outbox"
# Slack-side clocks and ours differ a little; look this far before a row's creation.
HISTORY_MARGIN = timedelta(minutes=10)
HISTORY_MAX_PAGES = 20
# Slack errors that say "try again later" rather than "this will never work".
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
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


class Kind(enum.StrEnum):
    RATE_LIMITED = "rate_limited"  # nothing was sent; wait for Retry-After
    TRANSIENT = "transient"  # 5xx, network, timeout: retry with backoff (may have been sent)
    PERMANENT = "permanent"  # will not work until someone fixes something


class SlackFailure(Exception):
    def __init__(self, error: str, kind: Kind, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind
        self.retry_after = retry_after


class LeaseLost(Exception):
    """Another process took the row (our lease expired); leave it to that process."""


def _failure(exc: Exception) -> SlackFailure:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            raw = headers.get("retry-after")
            raw = raw[0] if isinstance(raw, list) else raw
            try:
                retry_after = float(raw) if raw is not None else 1.0
            except ValueError:
                retry_after = 1.0
            return SlackFailure("ratelimited", Kind.RATE_LIMITED, retry_after)
        if status >= 500:
            return SlackFailure(f"http_{status}", Kind.TRANSIENT)
        kind = Kind.TRANSIENT if error in TRANSIENT_ERRORS else Kind.PERMANENT
        return SlackFailure(error, kind)
    return SlackFailure(f"{type(exc).__name__}: {exc}", Kind.TRANSIENT)


# Network failures: timeouts, refused or reset connections, a server that hung up mid-answer.
NETWORK_ERRORS = (OSError, http.client.HTTPException)


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


@dataclass
class DeliveryReport:
    """Idempotency keys by what happened to them in one pass."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # thread replies whose parent is pending
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # due, but Slack access is suspended

    def add(self, outcome: str, key: str) -> None:
        getattr(self, outcome).append(key)

    def merge(self, other: DeliveryReport) -> DeliveryReport:
        for name in ("sent", "retrying", "waiting", "failed", "skipped", "parked"):
            getattr(self, name).extend(getattr(other, name))
        return self

    def __str__(self) -> str:
        parked = f", parked {len(self.parked)}" if self.parked else ""
        return (
            f"sent {len(self.sent)}, retrying {len(self.retrying)}, waiting "
            f"{len(self.waiting)}, failed {len(self.failed)}, skipped {len(self.skipped)}" + parked
        )


@dataclass(frozen=True)
class _Row:
    """What the sender needs of a claimed row, detached from the session."""

    id: int
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    ts: str | None
    thread_of: str | None
    attempts: int  # including the one in progress
    created_at: datetime
    expires_at: datetime | None
    onboarding_id: int | None

    @classmethod
    def of(cls, m: OutboxMessage) -> _Row:
        return cls(
            m.id,
            m.idempotency_key,
            m.kind,
            m.channel,
            dict(m.payload or {}),
            m.ts,
            m.thread_of,
            m.attempts,
            m.created_at,
            m.expires_at,
            m.onboarding_id,
        )


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
        with self.db.session() as session:
            claimed = outbox.claim(
                session, message_id, owner=self.owner, now=now, lease=self._lease(now)
            )
            if claimed is None:
                session.rollback()
                return None
            row = _Row.of(claimed)
            parent = outbox.message_by_key(session, row.thread_of) if row.thread_of else None
            parent_state = (parent.status, parent.ts) if parent is not None else None
            session.commit()
        try:
            return self._handle(row, parent_state, now), row.key
        except LeaseLost:
            log.warning("outbox: lost the lease on %s to another process", row.key)
            return None

    def _handle(self, row: _Row, parent: tuple[str, str | None] | None, now: datetime) -> str:
        if row.expires_at is not None and row.expires_at < now:
            log.info("outbox: skipped %s: expired at %s", row.key, row.expires_at.isoformat())
            self._settle(row, OutboxStatus.SKIPPED, f"expired at {row.expires_at.isoformat()}")
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
            return self._failed_attempt(row, _failure(exc), now)
        return "sent"

    def _thread_parent(
        self, row: _Row, parent: tuple[str, str | None] | None, now: datetime
    ) -> str | None:
        """None when the reply can go now (under the parent's ts), else what happened to it."""
        if parent is None:
            self._fail(row, "thread_parent_missing")
            return "failed"
        status, ts = parent
        if ts is not None:
            return None
        if status == OutboxStatus.SKIPPED:
            log.info("outbox: skipped %s: its thread parent was skipped", row.key)
            self._settle(row, OutboxStatus.SKIPPED, "thread parent skipped")
            return "skipped"
        if status == OutboxStatus.FAILED:
            self._fail(row, "thread_parent_failed", tell_owner=False)
            return "failed"
        self._release(row, now + self.parent_wait, "waiting for the thread parent", counted=False)
        return "waiting"

    # ---- one delivery --------------------------------------------------------------------------

    def _send(self, row: _Row, thread_ts: str | None, now: datetime) -> None:
        payload = row.payload
        channel_id = self._conversation(row.channel)
        if payload.get("internal") and self._call(
            is_shared_externally, client=self.client, channel_id=channel_id
        ):
            raise SlackFailure("channel_shared_externally", Kind.PERMANENT)
        ts = row.ts
        if ts is not None:
            try:
                self._call(self.client.chat_update, channel=channel_id, ts=ts, **_content(row))
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
                self._call(self.client.chat_update, channel=channel_id, ts=ts, **_content(row))
        if ts is None:
            self._renew(row, now)
            ts = self._post(row, channel_id, thread_ts)
            self._record_ts(row, ts)
        # Every time: an earlier attempt may have posted and then failed before pinning.
        if payload.get("pin"):
            try:
                self._call(self.client.pins_add, channel=channel_id, timestamp=ts)
            except SlackFailure as failure:
                if failure.error != "already_pinned":
                    raise
        with self.db.session() as session:
            done = outbox.finish_sent(
                session,
                row.id,
                owner=self.owner,
                channel=row.channel,
                payload=payload,
                now=now,
            )
            session.commit()
        if not done:
            log.info("outbox: %s changed while it was sent; editing it next", row.key)

    def _post(self, row: _Row, channel_id: str, thread_ts: str | None) -> str:
        message = {
            "channel": channel_id,
            **_content(row),
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": row.key}},
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        try:
            return self._call(self.client.chat_postMessage, **message)["ts"]
        except SlackFailure as failure:
            if failure.error != "not_in_channel":
                raise
        try:
            self._call(self.client.conversations_join, channel=channel_id)
        except SlackFailure as failure:
            if failure.kind is not Kind.PERMANENT:
                raise
            log.info("outbox: cannot join %s: %s", channel_id, failure.error)
            raise SlackFailure("not_in_channel", Kind.PERMANENT) from failure
        return self._call(self.client.chat_postMessage, **message)["ts"]

    def _conversation(self, channel: str) -> str:
        """A user id means the direct message with that user: open it."""
        if channel[:1] in ("U", "W"):
            return self._call(self.client.conversations_open, users=channel)["channel"]["id"]
        return channel

    def _find_posted(self, row: _Row, channel_id: str, thread_ts: str | None) -> str | None:
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
                    page = self._call(self.client.conversations_replies, ts=thread_ts, **args)
                else:
                    page = self._call(self.client.conversations_history, **args)
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

    def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except SlackApiError as exc:
            raise _failure(exc) from exc

    # ---- bookkeeping -------------------------------------------------------------------------

    def _lease(self, now: datetime) -> timedelta:
        """The lease from `now` that also lasts `self.lease` of real time: a pass run as of a past
        moment (`jobs run --now`) must not hand out leases that a live process sees as expired."""
        return self.lease + max(timedelta(0), _utcnow() - now)

    def _renew(self, row: _Row, now: datetime) -> None:
        # `now` is the pass's clock (fixed by tests and `jobs run --now`); a row takes seconds.
        with self.db.session() as session:
            ok = outbox.renew(session, row.id, owner=self.owner, now=now, lease=self._lease(now))
            session.commit()
        if not ok:
            raise LeaseLost(row.key)

    def _record_ts(self, row: _Row, ts: str | None) -> None:
        with self.db.session() as session:
            recorded = outbox.record_ts(
                session, row.id, owner=self.owner, channel=row.channel, ts=ts
            )
            session.commit()
        if not recorded:
            log.warning("outbox: could not record ts %s for %s (moved or lease lost)", ts, row.key)

    def _release(self, row: _Row, at: datetime, error: str, *, counted: bool) -> None:
        with self.db.session() as session:
            outbox.release(
                session,
                row.id,
                owner=self.owner,
                next_attempt_at=at,
                error=error,
                attempts=None if counted else row.attempts - 1,
            )
            session.commit()

    def _settle(self, row: _Row, status: OutboxStatus, error: str) -> None:
        with self.db.session() as session:
            outbox.settle(session, row.id, owner=self.owner, status=status, error=error)
            session.commit()

    def _park(self, row: _Row, error: str, now: datetime) -> str:
        """Slack says the token no longer works: suspend access, give the row back as it was."""
        self.gate.suspend(error, now)
        self._release(row, now, f"parked: {error}", counted=False)
        return "parked"

    def _failed_attempt(self, row: _Row, failure: SlackFailure, now: datetime) -> str:
        if failure.kind is Kind.RATE_LIMITED:
            wait = timedelta(seconds=failure.retry_after or 1)
            log.info("outbox: %s rate limited; retrying in %ss", row.key, wait.total_seconds())
            self._release(row, now + wait, failure.error, counted=False)
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
        self._release(row, now + delay, failure.error, counted=True)
        return "retrying"

    def _fail(
        self, row: _Row, error: str, *, exhausted: bool = False, tell_owner: bool = True
    ) -> None:
        reason = f"{error} after {row.attempts} attempts" if exhausted else error
        self._settle(row, OutboxStatus.FAILED, reason)
        log.error("outbox: %s failed: %s (channel %s)", row.key, reason, row.channel)
        if tell_owner:
            self.tell_owner(row, error, exhausted=exhausted)

    # ---- telling a human ---------------------------------------------------------------------

    def tell_owner(self, row: _Row, error: str, *, exhausted: bool = False) -> None:
        """DM the onboarding's owner (or post in the escalation channel) what failed and how to
        fix it. A plain direct call: a notice never goes through the outbox it reports on."""
        recipient, company = self._owner_of(row)
        if not recipient:
            log.error("outbox: nobody to tell that %s failed", row.key)
            return
        where = f"<@{row.channel}>" if row.channel[:1] in ("U", "W") else f"<#{row.channel}>"
        if exhausted:
            fix = FIX_RETRIES
        elif error in INVALID_MESSAGE_ERRORS:
            fix = FIX_INVALID
        else:
            fix = FIXES.get(error, "")
        about = f" for *{escape(company)}*" if company else ""
        text = (
            f":warning: Onboard could not deliver a {escape(row.kind)} message{about} to "
            f"{where}: Slack said `{escape(error)}`."
            + (f" {fix}" if fix else "")
            + f" (reference `{escape(row.key)}`)"
        )
        try:
            self.client.chat_postMessage(channel=recipient, text=text)
        except SlackApiError as exc:
            log.error(
                "outbox: could not tell %s that %s failed: %s",
                recipient,
                row.key,
                _failure(exc).error,
            )
        except NETWORK_ERRORS as exc:
            log.error("outbox: could not tell %s that %s failed: %r", recipient, row.key, exc)

    def _owner_of(self, row: _Row) -> tuple[str, str]:
        if row.onboarding_id is not None:
            with self.db.session() as session:
                onboarding = session.get(Onboarding, row.onboarding_id)
                if onboarding is not None and onboarding.csm_user_id:
                    return onboarding.csm_user_id, onboarding.company_name
        return self.settings.escalation_channel_id, ""


def _content(row: _Row) -> dict[str, Any]:
    """The message the row's kind renders from its data, built now, at send time."""
    try:
        message = render_post(row.kind, row.payload)
    except (UnknownKind, ValidationError) as exc:
        log.error("outbox: %s cannot be rendered: %s", row.key, exc)
        raise SlackFailure("cannot_render", Kind.PERMANENT) from exc
    content: dict[str, Any] = {"text": message.text}
    if message.blocks:
        content["blocks"] = message.blocks
    return content


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxLoop:
    """A background thread that runs `deliver_due` every `interval` seconds, and at once after
    `kick()`. Handlers kick it after they enqueue; scheduled jobs do the same."""

    def __init__(self, sender: OutboxSender, interval: float = 5.0) -> None:
        self.sender = sender
        self.interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        self._started = 0
        self._finished = 0
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="onboard-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("outbox: the sender thread did not stop within %ss", timeout)

    def kick(self) -> None:
        """Ask for a delivery pass now; never blocks."""
        self._wake.set()

    def recheck_access(self) -> None:
        """A verified request came in: if Slack access is suspended, probe it now (the
        request may be the first since the app was reinstalled)."""
        if self.sender.gate.suspended:
            self.sender.gate.probe_soon()
            self.kick()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait for a full pass that started after this call (tests, shutdown). Without a
        running thread, run the pass here."""
        if not self.running:
            self.sender.deliver_due()
            return True
        with self._progress:
            wanted = self._started + 1
            self._wake.set()
            return self._progress.wait_for(lambda: self._finished >= wanted, timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            with self._progress:
                self._started += 1
            try:
                report = self.sender.deliver_due()
                if report.sent or report.failed or report.skipped:
                    log.info("outbox pass: %s", report)
            except Exception:
                # The loop outlives a database or network outage; the next pass retries.
                log.exception("outbox: delivery pass failed")
            finally:
                with self._progress:
                    self._finished += 1
                    self._progress.notify_all()
            self._wake.wait(self.interval)


class NoOutbox:
    """Stands in for the loop where nothing delivers (a Deps built without one): kicks do
    nothing, rows stay queued for a process that runs a sender."""

    running = False

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 30.0) -> None:
        pass

    def kick(self) -> None:
        pass

    def recheck_access(self) -> None:
        pass

    def drain(self, timeout: float = 10.0) -> bool:
        return True
