"""The one "which customer did you mean?" picker: its blocks and its buttons' typed value.

Every feature's command that names a customer asks back with these buttons when the name is
ambiguous or unknown. A button's action id is the feature's pick id and the button's index
(`status-pick-customer-0`, ...); its value is `PickValue` as JSON. Messages from older
releases carry the same ids and values, so they keep working.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.services.lookup import CustomerRef
from bot.slack import blocks as bk
from bot.slack.mrkdwn import Mrkdwn, escape

PICK_MAX = 10
REST_MAX = 1500  # what the button carries of the command's text after the customer


class PickValue(BaseModel):
    """A "which one did you mean?" button: the customer and the subcommand to run on it."""

    onboarding_id: int
    sub: str
    rest: str = ""


def pick_action_pattern(action_id: str) -> re.Pattern[str]:
    """The action ids of the buttons `build_pick_blocks` makes with `action_id` (and the bare
    id that older status and hypercare pickers used)."""
    return re.compile(f"^{re.escape(action_id)}(-\\d+)?$")


def build_pick_blocks(
    query: str,
    refs: list[CustomerRef],
    sub: str,
    rest: str,
    *,
    found: bool,
    action_id: str,
) -> list[bk.Block]:
    """Several customers match (found) or none does (closest names): a button for each, with
    `action_id` and its index as the button's action id."""
    intro = (
        f"Several customers match `{escape(query)}`. Which one did you mean?"
        if found
        else f"I can't find a customer called `{escape(query)}`."
        + (" The closest names:" if refs else " There are no open onboardings yet.")
    )
    blocks: list[bk.Block] = [bk.section(Mrkdwn(intro))]
    if refs:
        blocks.append(
            bk.actions(
                *[
                    bk.button(
                        ref.company_name,
                        f"{action_id}-{i}",
                        PickValue(
                            onboarding_id=ref.onboarding_id, sub=sub, rest=rest[:REST_MAX]
                        ).model_dump_json(),
                    )
                    for i, ref in enumerate(refs[:PICK_MAX])
                ]
            )
        )
    return blocks
