"""Each user's time zone as their Slack profile gives it (users.info `tz`), remembered for a day.

Asked for the Monday digest, which goes out at 09:00 in each CSM's own zone. A failed question
is remembered for 15 minutes, keeping the last zone Slack gave, if any; a 429 is not waited out:
nobody is asked until Retry-After has passed. Whoever asks falls back to their own default
(ONBOARD_TIMEZONE) when the answer is None.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar import ZoneOf, time_zone
from bot.config import Settings
from bot.slack.client import PerWorkspace, slack_error

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
    """Slack's time zone name of each user, remembered on the caller's clock (`now`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._answers: dict[str, _Answer] = {}
        self._paused_until: datetime | None = None  # after a 429, until Retry-After
        self._lock = threading.Lock()

    def zone_name(self, user_id: str, now: datetime) -> str | None:
        with self._lock:
            known = self._answers.get(user_id)
            if known is not None and known.fresh(now):
                return known.zone_name
            if self._paused_until is not None and now < self._paused_until:
                return known.zone_name if known else None
        answer = self._ask(user_id, now, known.zone_name if known else None)
        with self._lock:
            self._answers[user_id] = answer
        return answer.zone_name

    def zone_of(self, now: datetime, fallback: tzinfo) -> ZoneOf:
        """Each user's zone at `now`: Slack's, else `fallback`."""
        return lambda user_id: time_zone(self.zone_name(user_id, now), fallback)

    def _ask(self, user_id: str, now: datetime, known: str | None) -> _Answer:
        try:
            user = self._client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                with self._lock:
                    self._paused_until = now + _retry_after(exc)
            # Rate limits and 5xx pass; an answer such as user_not_found holds for the day.
            ttl = RETRY_AFTER_FAILURE if status == 429 or status >= 500 else ANSWER_TTL
            return _failed(user_id, slack_error(exc), now, known, ttl)
        except OSError as exc:  # network: unreachable, reset, timeout
            return _failed(user_id, str(exc), now, known, RETRY_AFTER_FAILURE)
        return _Answer(user.get("tz") or None, now, ANSWER_TTL)


def _failed(user_id: str, error: str, now: datetime, known: str | None, ttl: timedelta) -> _Answer:
    zone = known or "the default zone"
    log.warning("users.info %s failed (%s): going by %s", user_id, error, zone)
    return _Answer(known, now, ttl)


def _retry_after(exc: SlackApiError) -> timedelta:
    try:
        return timedelta(seconds=float(exc.response.headers.get("Retry-After") or 60))
    except ValueError:  # a malformed header: pause a minute rather than fail the caller
        return timedelta(minutes=1)


_zones: PerWorkspace[SlackZones] = PerWorkspace(SlackZones)


def zones_for(settings: Settings, client: WebClient | None = None) -> SlackZones | None:
    """One remembering lookup per workspace token and API URL (for `client`, else one made from
    the settings, which does not wait out 429s); None without a bot token: nobody to ask."""
    if client is None:
        if not settings.slack_bot_token:
            return None
        client = WebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10
        )
    return _zones.get(client)


def forget_zones() -> None:
    """Drop every remembered zone (tests; a process forgets them anyway after a day)."""
    _zones.clear()
