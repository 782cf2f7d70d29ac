"""Who may change an onboarding: its CSM, its AE and the admins."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from bot.models import Onboarding
from bot.services.errors import NotAllowed

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


def can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> bool:
    return actor in (onboarding.csm_user_id, onboarding.ae_user_id) or actor in admins


def ensure_can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> None:
    if can_change(onboarding, actor, admins):
        return
    group = admins.usergroup_id if isinstance(admins, Admins) else ""
    named = sorted(admins.user_ids if isinstance(admins, Admins) else admins)
    raise NotAllowed(
        f"only the CSM, the AE or an admin can change {onboarding.company_name}",
        template="refusal_not_allowed",
        company=onboarding.company_name,
        csm=onboarding.csm_user_id,
        ae=onboarding.ae_user_id,
        admin_group=group,
        admins=named[: ADMINS_NAMED_MAX - (1 if group else 0)],
        more_admins=len(named) + (1 if group else 0) > ADMINS_NAMED_MAX,
    )
