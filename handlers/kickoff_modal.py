"""`done <customer> kickoff` from Slack: instead of completing the kickoff milestone, open the
modal that asks what was agreed (its submission is handlers/kickoff.py). handlers/status.py calls
this from its `done`; kept apart from handlers/kickoff.py, which calls back into
handlers/status.py once the kickoff is recorded, so the two do not import each other."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services.kickoff import kickoff_form_for
from bot.slack.deps import Deps
from bot.slack.kickoff_views import build_kickoff_done_modal


def open_kickoff_modal(
    deps: Deps,
    client: WebClient,
    *,
    trigger_id: str,
    user_id: str,
    channel_id: str | None,
    onboarding_id: int | None = None,
    query: str = "",
    milestone_id: int | None = None,
) -> bool:
    """`done` on the kickoff milestone (not done yet) from Slack: open the modal asking for the
    agreements and return True; False for any other milestone (complete it as usual)."""
    if not trigger_id:
        return False
    with deps.db.session() as session:
        form = kickoff_form_for(
            session,
            onboarding_id,
            query=query,
            milestone_id=milestone_id,
            actor=user_id,
            admins=deps.admins,
        )
    if form is None:
        return False
    client.views_open(trigger_id=trigger_id, view=build_kickoff_done_modal(form, channel_id))
    return True
