"""`/onboard settings`: the user's own settings card (ephemeral), with a button per choice."""

from __future__ import annotations

from bot.services.user_settings import UserSettings
from bot.slack import blocks as bk
from bot.slack.ids import SettingsId
from bot.slack.mrkdwn import Mrkdwn

SETTINGS_TEXT = "Your Onboard settings"
PER_ONBOARDING = (
    "*Each onboarding's own post*: its alerts go to its channel (or to you by DM), at most one "
    "post per onboarding and business day."
)
DIGEST = (
    "*One daily digest*: the alerts of every onboarding you own come to you as one DM per "
    "business day, worst first."
)


def build_settings_blocks(settings: UserSettings, *, saved: bool = False) -> list[bk.Block]:
    current = DIGEST if settings.alert_digest else PER_ONBOARDING
    choose = (
        bk.button("Use each onboarding's post", SettingsId.ALERTS_PER_ONBOARDING, "posts")
        if settings.alert_digest
        else bk.button("Use one daily digest", SettingsId.ALERTS_DIGEST, "digest", style="primary")
    )
    blocks = [
        bk.header(SETTINGS_TEXT),
        bk.section(Mrkdwn(f"*Stall alerts* reach you as:\n{current}")),
        bk.actions(choose),
    ]
    if saved:
        blocks.append(bk.context(":white_check_mark: Saved. It applies from the next alerts."))
    return blocks
