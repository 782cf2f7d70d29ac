"""Who may change an onboarding: its CSM, its AE and the admins."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from bot.models import Onboarding
from bot.services.errors import NotAllowed
from bot.slack.mrkdwn import escape, mention

ADMINS_NAMED_MAX = 5


def _no_members(usergroup_id: str) -> frozenset[str]:
    return frozenset()


class Admins(Collection[str]):
    """The Onboard admins (`ONBOARD_ADMINS`): user ids, and the members of one user group.

    The group's members are asked for (through `group_members`) only when the user ids do not
    already decide, so the CSM or AE changing their own onboarding costs no lookup."""

    def __init__(
        self,
        user_ids: Collection[str] = (),
        usergroup_id: str = "",
        group_members: Callable[[str], frozenset[str]] = _no_members,
    ) -> None:
        self.user_ids = frozenset(user_ids)
        self.usergroup_id = usergroup_id
        self._group_members = group_members

    def group_members(self) -> frozenset[str]:
        return self._group_members(self.usergroup_id) if self.usergroup_id else frozenset()

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.user_ids or user_id in self.group_members()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.user_ids | self.group_members()))

    def __len__(self) -> int:
        return len(self.user_ids | self.group_members())

    def mentions(self) -> list[str]:
        """The group (as a mention) and the listed users, for "who can" messages."""
        group = [f"<!subteam^{self.usergroup_id}>"] if self.usergroup_id else []
        return group + [mention(user_id) for user_id in sorted(self.user_ids)]


def can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> bool:
    return actor in (onboarding.csm_user_id, onboarding.ae_user_id) or actor in admins


def _who_admins_are(admins: Collection[str]) -> str:
    named = (
        admins.mentions() if isinstance(admins, Admins) else [mention(u) for u in sorted(admins)]
    )
    if not named:
        return ""
    more = ", …" if len(named) > ADMINS_NAMED_MAX else ""
    return f" ({', '.join(named[:ADMINS_NAMED_MAX])}{more})"


def ensure_can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> None:
    if not can_change(onboarding, actor, admins):
        raise NotAllowed(
            f"Only the CSM (<@{onboarding.csm_user_id}>), the AE (<@{onboarding.ae_user_id}>) "
            f"or an Onboard admin{_who_admins_are(admins)} can change "
            f"*{escape(onboarding.company_name)}*."
        )
