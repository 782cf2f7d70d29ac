"""The customer a command names: found, or a question back with a button per candidate."""

from __future__ import annotations

from bot.services.lookup import CustomerIndex
from bot.slack.commands import CommandRequest
from bot.slack.mrkdwn import Mrkdwn
from bot.slack.status_views import build_pick_blocks


def customer_of(request: CommandRequest, pick_action_id: str) -> int | None:
    """The onboarding id `/onboard <name> <customer>` names, or None once the user was asked:
    usage when no customer is named, "which one?" when several match, the closest names when
    none does. The buttons carry `pick_action_id` and the onboarding id (`PickValue`)."""
    words = request.args.split()
    if not words:
        usage = Mrkdwn(f"Usage: `/onboard {request.name} <customer>`")
        request.respond(text=usage, response_type="ephemeral")
        return None
    with request.deps.db.session() as session:
        lookup, _ = CustomerIndex.load(session).find_with_rest(words, need_rest=False)
    if lookup.one is not None:
        return lookup.one.onboarding_id
    blocks = build_pick_blocks(
        lookup.query,
        lookup.matches or lookup.closest,
        request.name,
        "",
        found=bool(lookup.matches),
        action_id=pick_action_id,
    )
    request.respond(text="Which customer?", blocks=blocks, response_type="ephemeral")
    return None
