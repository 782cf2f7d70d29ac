"""`digest`: Mondays from 09:00 in each CSM's own time zone, each CSM with open onboardings gets
their book by DM (bot/services/digest.py); once per ISO week, skipped after that Monday.

The zone is the CSM's Slack profile zone (users.info `tz`), asked at most once a day per CSM and
process, and only from Sunday evening to Tuesday noon UTC, when a digest can be due somewhere.
ONBOARD_TIMEZONE stands in when Slack gives none, when there is no Slack to ask (no client, no
bot token), and when the question fails: then the digest still goes out, and Slack is asked
again a little later. A 429 is not waited out: the job falls back at once and asks nobody until
Retry-After has passed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar import time_zone
from bot.jobs import JobContext, JobResult
from bot.services.digest import DIGEST_KIND, ZoneOf, due_books, may_be_due
from bot.services.outbox import Post, enqueue
from bot.slack.client import slack_error
from bot.slack.digest_views import build_digest_blocks, digest_text
from jobs import JOBS

NAME = "digest"
log = logging.getLogger(__name__)

ANSWER_TTL = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(minutes=15)


@dataclass(frozen=True)
class _Answer:
    zone_name: str | None
    asked_at: datetime
    ttl: timedelta

    def fresh(self, now: datetime) -> bool:
        return self.asked_at <= now < self.asked_at + self.ttl


class SlackZones:
    """Slack's time zone name of each user (users.info `tz`), remembered for a day on the job's
    clock; a failed question for 15 minutes, keeping the last zone Slack gave, if any."""

    def __init__(self) -> None:
        self._answers: dict[str, _Answer] = {}
        self._paused_until: datetime | None = None  # after a 429, until Retry-After
        self._lock = threading.Lock()

    def zone_name(self, client: WebClient, user_id: str, now: datetime) -> str | None:
        with self._lock:
            known = self._answers.get(user_id)
            if known is not None and known.fresh(now):
                return known.zone_name
            if self._paused_until is not None and now < self._paused_until:
                return known.zone_name if known else None
        answer = self._ask(client, user_id, now, known.zone_name if known else None)
        with self._lock:
            self._answers[user_id] = answer
        return answer.zone_name

    def _ask(self, client: WebClient, user_id: str, now: datetime, known: str | None) -> _Answer:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                with self._lock:
                    self._paused_until = now + _retry_after(exc)
            # Rate limits and 5xx pass; an answer such as user_not_found holds for the day.
            ttl = RETRY_AFTER_FAILURE if status == 429 or status >= 500 else ANSWER_TTL
            return self._failed(user_id, slack_error(exc), now, known, ttl)
        except OSError as exc:  # network: unreachable, reset, timeout
            return self._failed(user_id, str(exc), now, known, RETRY_AFTER_FAILURE)
        return _Answer(user.get("tz") or None, now, ANSWER_TTL)

    @staticmethod
    def _failed(
        user_id: str, error: str, now: datetime, known: str | None, ttl: timedelta
    ) -> _Answer:
        zone = known or "ONBOARD_TIMEZONE"
        log.warning("users.info %s failed (%s): the digest goes by %s", user_id, error, zone)
        return _Answer(known, now, ttl)


def _retry_after(exc: SlackApiError) -> timedelta:
    try:
        return timedelta(seconds=float(exc.response.headers.get("Retry-After") or 60))
    except ValueError:  # a malformed header: pause a minute rather than fail the job
        return timedelta(minutes=1)


_by_workspace: dict[tuple[str, str], SlackZones] = {}
_lock = threading.Lock()


def _slack_zones(client: WebClient) -> SlackZones:
    key = (client.base_url, client.token or "")
    with _lock:
        return _by_workspace.setdefault(key, SlackZones())


def forget_csm_zones() -> None:
    """Drop every remembered zone (tests; a process forgets them anyway after a day)."""
    with _lock:
        _by_workspace.clear()


def csm_zones(ctx: JobContext) -> ZoneOf:
    """Each CSM's zone for this run: Slack's, else ONBOARD_TIMEZONE. Without a client, one is
    made from the settings (no waiting on 429s: a failure falls back); without a bot token
    nobody is asked."""
    fallback = ctx.settings.tz
    client = ctx.slack
    if client is None and ctx.settings.slack_bot_token:
        client = WebClient(
            token=ctx.settings.slack_bot_token, base_url=ctx.settings.slack_api_url, timeout=10
        )
    if client is None:
        return lambda _csm: fallback
    return _asking(client, ctx.now, fallback)


def _asking(client: WebClient, now: datetime, fallback: tzinfo) -> ZoneOf:
    zones = _slack_zones(client)
    return lambda csm: time_zone(zones.zone_name(client, csm, now), fallback)


def run_digest(ctx: JobContext, zone_of: ZoneOf | None = None) -> JobResult:
    if not may_be_due(ctx.now):
        return JobResult()
    result = JobResult()
    with ctx.db.session() as session:
        for due, book in due_books(session, ctx.now, zone_of or csm_zones(ctx)):
            post = Post(
                key=due.key,
                kind=DIGEST_KIND,
                channel=book.csm_user_id,
                text=digest_text(book),
                blocks=build_digest_blocks(book),
                expires_at=due.expires_at,
            )
            if enqueue(session, post, now=ctx.now):
                result.queued.append(post.key)
        session.commit()
    return result


JOBS[NAME] = run_digest
