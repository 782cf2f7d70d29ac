"""Members of a Slack user group, cached for a few minutes (admins are checked on every change)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.services.permissions import Admins
from bot.slack.client import PerWorkspace, make_client, slack_error

log = logging.getLogger(__name__)
MEMBERS_TTL_SECONDS = 300.0
# After a failed lookup, ask Slack again this soon rather than hammer it on every check.
FAILURE_TTL_SECONDS = 30.0


class UserGroupMembers:
    """usergroups.users.list with a short cache. When Slack fails, the group counts as empty
    (logged), so the admins listed by user id keep working."""

    def __init__(
        self,
        client: WebClient,
        ttl_seconds: float = MEMBERS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, usergroup_id: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(usergroup_id)
        if cached and now < cached[0]:
            return cached[1]
        members, ttl = self._fetch(usergroup_id)
        with self._lock:
            self._cache[usergroup_id] = (now + ttl, members)
        return members

    def _fetch(self, usergroup_id: str) -> tuple[frozenset[str], float]:
        try:
            users = self._client.usergroups_users_list(usergroup=usergroup_id)["users"]
        except (SlackApiError, OSError) as exc:
            log.warning(
                "usergroups.users.list failed for %s (%s): only the admins listed by user id "
                "count until it answers",
                usergroup_id,
                slack_error(exc) if isinstance(exc, SlackApiError) else exc,
            )
            return frozenset(), FAILURE_TTL_SECONDS
        return frozenset(users or ()), self._ttl


_groups: PerWorkspace[UserGroupMembers] = PerWorkspace(UserGroupMembers)


def admins_for(settings: Settings, client: WebClient | None = None) -> Admins:
    """The Onboard admins for work outside a request (the scheduled jobs): the listed user ids,
    and the user group's members when Slack can be asked (`client`, else one made from the bot
    token), through one cached lookup per workspace."""
    if client is None and settings.admin_usergroup_id and settings.slack_bot_token:
        client = make_client(settings)
    if client is None or not settings.admin_usergroup_id:
        return Admins(settings.admin_user_ids)
    members = _groups.get(client)
    return Admins(settings.admin_user_ids, settings.admin_usergroup_id, members.members)


def forget_members() -> None:
    """Drop every cached group (tests; the cache expires on its own after minutes)."""
    _groups.clear()
