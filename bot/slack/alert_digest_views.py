"""The daily alert digest: one DM with the day's stall alerts of every onboarding a CSM owns,
for a CSM who chose it in `/onboard settings`. Worst onboarding first; each with its signals
and its own Acknowledge / Snooze / Open status buttons (the same as a single alert's)."""

from __future__ import annotations

from bot.services.alerts import DIGEST_KIND, AlertDigest, AlertGroup
from bot.slack import blocks as bk
from bot.slack.alert_views import (
    HINT,
    IDS_IN_VALUE_MAX,
    STATUS_BLOCK,
    AlertAction,
    signal_text,
)
from bot.slack.ids import AlertId, StatusId
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.rendering import Rendered, renderer
from bot.text import count

BLOCKS_PER_GROUP = 2  # its signals in one section, its buttons
FIXED_BLOCKS = 3  # header, "…and N more", status line


def digest_text(digest: AlertDigest) -> str:
    signals = count(sum(len(g.items) for g in digest.groups), "signal")
    return f"Stall alerts today: {signals} in {count(len(digest.groups), 'onboarding')}"


def _group_text(group: AlertGroup) -> Mrkdwn:
    title = f"*{escape(group.company_name)}* · {count(len(group.items), 'signal')}"
    return Mrkdwn("\n\n".join([title, *(signal_text(item, group) for item in group.items)]))


def _buttons(group: AlertGroup) -> bk.Block:
    ids = [item.alert_id for item in group.items][:IDS_IN_VALUE_MAX]

    def value(days: int = 0) -> str:
        return AlertAction(o=group.onboarding_id, a=ids, d=days).model_dump_json()

    return bk.actions(
        bk.button("Acknowledge", AlertId.ACKNOWLEDGE, value(), style="primary"),
        bk.button("Snooze 1 day", AlertId.SNOOZE_1, value(1)),
        bk.button("Snooze 3 days", AlertId.SNOOZE_3, value(3)),
        bk.button("Open status", StatusId.OPEN_STATUS, str(group.onboarding_id)),
        block_id=f"alert-actions-{group.onboarding_id}",  # block ids are unique per message
    )


def build_digest_blocks(digest: AlertDigest) -> list[bk.Block]:
    room = (bk.MAX_MESSAGE_BLOCKS - FIXED_BLOCKS) // BLOCKS_PER_GROUP
    shown = digest.groups[:room]
    blocks: list[bk.Block] = [bk.header(digest_text(digest))]
    for group in shown:
        blocks += [bk.section(_group_text(group)), _buttons(group)]
    if len(shown) < len(digest.groups):
        left = len(digest.groups) - len(shown)
        blocks.append(bk.context(f"…and {count(left, 'more onboarding')}: see `/onboard list`."))
    blocks.append({**bk.context(HINT), "block_id": STATUS_BLOCK})
    return bk.fit_message(blocks)


def _render_digest(digest: AlertDigest) -> Rendered:
    return Rendered(digest_text(digest), build_digest_blocks(digest))


RENDERERS = {DIGEST_KIND: renderer(AlertDigest, _render_digest)}
