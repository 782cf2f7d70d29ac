"""After a handoff is stored: tell the CSM and the AE, welcome the customer, open the internal
channel. Each step is independent; a step that fails is reported to the AE, not lost.

The messages are built from one read of the onboarding; no session is open while Slack is
called. Only the internal channel, once created, is stored (a short transaction of its own)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.models import Onboarding
from bot.services.onboardings import get_onboarding, set_internal_channel
from bot.slack import blocks as bk
from bot.slack.client import (
    create_private_channel,
    is_shared_externally,
    post_in_channel,
    slack_error,
)
from bot.slack.deps import Deps
from bot.slack.handoff_messages import (
    HandoffSent,
    build_ae_confirmation,
    build_csm_handoff_dm,
    build_handoff_summary_blocks,
    build_welcome_blocks,
)
from bot.slack.mrkdwn import Mrkdwn, channel_link, escape, render

log = logging.getLogger(__name__)
# Slack's answers when Onboard is not a member of the customer's channel.
NOT_A_MEMBER = ("not_in_channel", "method_not_supported_for_channel_type", "channel_not_found")


@dataclass(frozen=True)
class Announcement:
    """Everything the announcement posts, built while the session was open."""

    onboarding_id: int
    company_name: str
    csm_user_id: str
    ae_user_id: str
    customer_channel_id: str | None
    welcome_here: bool  # False when the journey's day-0 step welcomes the customer instead
    csm_dm: list[bk.Block]
    summary: list[bk.Block]
    welcome: list[bk.Block]
    sent: HandoffSent


def prepare_announcement(deps: Deps, onboarding_id: int) -> Announcement:
    with deps.db.session() as session:
        o = get_onboarding(session, onboarding_id)
        return Announcement(
            onboarding_id=o.id,
            company_name=o.company_name,
            csm_user_id=o.csm_user_id,
            ae_user_id=o.ae_user_id,
            customer_channel_id=o.customer_channel_id,
            welcome_here=not _journey_welcomes(deps, o),
            csm_dm=build_csm_handoff_dm(o),
            summary=build_handoff_summary_blocks(o),
            welcome=build_welcome_blocks(o),
            sent=HandoffSent.of(o),
        )


def announce_handoff(
    client: WebClient, deps: Deps, onboarding_id: int, *, create_channel: bool
) -> None:
    announcement = prepare_announcement(deps, onboarding_id)
    problems: list[str] = []
    _dm_csm(client, announcement, problems)
    internal_id = None
    if create_channel:
        internal_id = _open_internal_channel(client, deps, announcement, problems)
        if internal_id:
            with deps.db.transaction() as session:
                set_internal_channel(
                    session, onboarding_id, internal_id, announcement.ae_user_id, now=deps.now()
                )
    if announcement.customer_channel_id and announcement.welcome_here:
        _welcome_customer(client, announcement, problems)
    blocks = build_ae_confirmation(announcement.sent, internal_id)
    blocks += [bk.section(Mrkdwn(f":warning: {p}")) for p in problems]
    client.chat_postMessage(
        channel=announcement.ae_user_id,
        text=bk.fallback_text(f"Handoff for {announcement.company_name} sent"),
        blocks=bk.fit_message(blocks),
    )


def _dm_csm(client: WebClient, announcement: Announcement, problems: list[str]) -> None:
    try:
        client.chat_postMessage(
            channel=announcement.csm_user_id,
            text=bk.fallback_text(f"New handoff: {announcement.company_name}"),
            blocks=announcement.csm_dm,
        )
    except SlackApiError as exc:
        log.warning("could not DM the CSM: %s", slack_error(exc))
        problems.append(f"I could not message the CSM ({slack_error(exc)}); please tell them.")


def _open_internal_channel(
    client: WebClient, deps: Deps, announcement: Announcement, problems: list[str]
) -> str | None:
    try:
        channel_id = create_private_channel(
            client, deps.settings.internal_channel_template, announcement.company_name
        )
        members = sorted({announcement.csm_user_id, announcement.ae_user_id})
        client.conversations_invite(channel=channel_id, users=",".join(members))
        posted = client.chat_postMessage(
            channel=channel_id,
            text=bk.fallback_text(f"Handoff: {announcement.company_name}"),
            blocks=bk.fit_message(announcement.summary),
        )
        client.pins_add(channel=channel_id, timestamp=posted["ts"])
        return channel_id
    except SlackApiError as exc:
        log.warning("internal channel step failed: %s", slack_error(exc))
        problems.append(f"The internal channel could not be set up ({slack_error(exc)}).")
        return None


def _journey_welcomes(deps: Deps, onboarding: Onboarding) -> bool:
    """Tech-touch playbooks open their journey with a welcome on day 0 (jobs/journey.py): the
    customer gets that one, not two."""
    playbook = deps.playbooks.get(onboarding.playbook)
    return playbook is not None and any(step.day == 0 for step in playbook.journey)


def _welcome_customer(client: WebClient, announcement: Announcement, problems: list[str]) -> None:
    channel_id = announcement.customer_channel_id
    assert channel_id
    blocks = list(announcement.welcome)
    if not is_shared_externally(client, channel_id):
        # Our own channel about this customer: the team sees the whole handoff there too.
        blocks += [bk.divider(), *announcement.summary]
    try:
        post_in_channel(
            client,
            channel_id,
            text=bk.fallback_text(f"Welcome, {announcement.company_name}!"),
            blocks=bk.fit_message(blocks),
        )
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("welcome post failed: %s", error)
        if error in NOT_A_MEMBER:
            problems.append(
                render(
                    "channel_invite_needed",
                    company=announcement.company_name,
                    channel_id=channel_id,
                )
            )
        else:
            problems.append(
                f"The welcome post in {channel_link(channel_id)} failed ({escape(error)})."
            )
