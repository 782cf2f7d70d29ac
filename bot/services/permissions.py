"""Who may change an onboarding: its CSM, its AE and the admins."""

from __future__ import annotations

from collections.abc import Collection

from bot.models import Onboarding
from bot.services.errors import NotAllowed
from bot.slack.mrkdwn import escape


def can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> bool:
    return actor in (onboarding.csm_user_id, onboarding.ae_user_id) or actor in admins


def ensure_can_change(onboarding: Onboarding, actor: str, admins: Collection[str]) -> None:
    if not can_change(onboarding, actor, admins):
        raise NotAllowed(
            f"Only the CSM (<@{onboarding.csm_user_id}>), the AE (<@{onboarding.ae_user_id}>) "
            f"or an Onboard admin can change *{escape(onboarding.company_name)}*."
        )
