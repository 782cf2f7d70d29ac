"""The gate in front of the outbox sender's Web API calls while Slack access is suspended.

Access is suspended (bot/services/access.py) by the app_uninstalled and tokens_revoked events
(handlers/access.py) and by Slack answering a call with one of `ACCESS_LOST_ERRORS`. While it
is, the sender makes one call only: an `auth.test` probe every `probe_interval`, sooner after a
verified request came in (`probe_soon`: Slack sends none to an app that is not installed). The
first probe that succeeds resumes access for every process, and the parked posts go out.
"""

from __future__ import annotations

import http.client
import logging
import threading
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import Database
from bot.services import access
from bot.slack.client import slack_error

log = logging.getLogger(__name__)

PROBE_INTERVAL = timedelta(minutes=1)
# A request asks for a probe sooner, but not more often than this (a burst of requests while
# the token is still revoked would otherwise probe on every pass).
MIN_PROBE_GAP = timedelta(seconds=5)


class AccessGate:
    """Whether the sender may call Slack now. `suspended` is what the last check saw."""

    def __init__(
        self, db: Database, client: WebClient, probe_interval: timedelta = PROBE_INTERVAL
    ) -> None:
        self.db = db
        self.client = client
        self.probe_interval = probe_interval
        self.min_probe_gap = MIN_PROBE_GAP
        self.suspended = False
        self._probed_at: datetime | None = None
        self._soon = False
        self._lock = threading.Lock()

    def open(self, now: datetime) -> bool:
        """True when Slack may be called: access is not suspended, or a probe due at `now`
        just proved that the token works (and access resumed)."""
        with self.db.session() as session:
            current = access.suspension(session)
        self.suspended = current is not None
        if current is None:
            return True
        if not self._probe_due(now):
            return False
        return self._probe(now)

    def suspend(self, error: str, now: datetime) -> None:
        """Slack answered `error` (token_revoked…): suspend, and wait an interval to probe."""
        with self.db.session() as session:
            newly = access.suspend(session, error, now=now)
            session.commit()
        with self._lock:
            self.suspended = True
            self._probed_at = now
        if newly:
            log.error(
                "Slack access suspended: Slack answered %s. Posts are parked until the app is "
                "reinstalled or its token works again (auth.test every %ss).",
                error,
                int(self.probe_interval.total_seconds()),
            )

    def probe_soon(self) -> None:
        """A verified request came in: probe at the next pass rather than at the interval."""
        with self._lock:
            self._soon = True

    def _probe_due(self, now: datetime) -> bool:
        with self._lock:
            last, soon = self._probed_at, self._soon
            if last is None or now < last:
                return True
            return now - last >= (self.min_probe_gap if soon else self.probe_interval)

    def _probe(self, now: datetime) -> bool:
        with self._lock:
            self._probed_at, self._soon = now, False
        try:
            self.client.auth_test()
        except SlackApiError as exc:
            log.info("Slack access still suspended: auth.test said %s", slack_error(exc))
            return False
        except (OSError, http.client.HTTPException) as exc:  # says nothing about the token
            log.info("Slack access still suspended: auth.test failed: %s", exc)
            return False
        with self.db.session() as session:
            ended = access.resume(session, now=now)
            session.commit()
        if ended is not None:
            log.warning(
                "Slack access resumed: the token works again (suspended since %s: %s); "
                "sending the parked posts",
                ended.since.isoformat(),
                ended.reason,
            )
        self.suspended = False
        return True
