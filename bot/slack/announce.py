"""After a handoff is stored: tell the CSM and the AE, welcome the customer, open the internal
channel. Each step is independent; a step that fails is reported to the AE, not lost."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.models import Onboarding
from bot.services.onboardings import get_onboarding, set_internal_channel
from bot.slack import blocks as bk
from bot.slack.client import (
    create_private_channel,
    is_shared_externally,
    post_in_channel,
    slack_error,
)
from bot.slack.handoff_views import (
    build_ae_confirmation,
    build_csm_handoff_dm,
    build_handoff_summary_blocks,
    build_welcome_blocks,
)
from bot.slack.mrkdwn import Mrkdwn, channel_link, escape, render

log = logging.getLogger(__name__)


def announce_handoff(
    client: WebClient, deps: Deps, onboarding_id: int, *, create_channel: bool
) -> None:
    with deps.db.session() as session:
        onboarding = get_onboarding(session, onboarding_id)
        problems: list[str] = []
        _dm_csm(client, onboarding, problems)
        internal_id = None
        if create_channel:
            internal_id = _open_internal_channel(client, deps, onboarding, problems)
            if internal_id:
                set_internal_channel(
                    session, onboarding, internal_id, onboarding.ae_user_id, now=deps.now()
                )
        if onboarding.customer_channel_id and not _journey_welcomes(deps, onboarding):
            _welcome_customer(client, onboarding, problems)
        blocks = build_ae_confirmation(onboarding, internal_id)
        blocks += [bk.section(Mrkdwn(f":warning: {p}")) for p in problems]
        client.chat_postMessage(
            channel=onboarding.ae_user_id,
            text=bk.fallback_text(f"Handoff for {onboarding.company_name} sent"),
            blocks=bk.fit_message(blocks),
        )


def _dm_csm(client: WebClient, onboarding: Onboarding, problems: list[str]) -> None:
    try:
        client.chat_postMessage(
            channel=onboarding.csm_user_id,
            text=bk.fallback_text(f"New handoff: {onboarding.company_name}"),
            blocks=build_csm_handoff_dm(onboarding),
        )
    except SlackApiError as exc:
        log.warning("could not DM the CSM: %s", slack_error(exc))
        problems.append(f"I could not message the CSM ({slack_error(exc)}); please tell them.")


def _open_internal_channel(
    client: WebClient, deps: Deps, onboarding: Onboarding, problems: list[str]
) -> str | None:
    try:
        channel_id = create_private_channel(
            client, deps.settings.internal_channel_template, onboarding.company_name
        )
        members = sorted({onboarding.csm_user_id, onboarding.ae_user_id})
        client.conversations_invite(channel=channel_id, users=",".join(members))
        posted = client.chat_postMessage(
            channel=channel_id,
            text=bk.fallback_text(f"Handoff: {onboarding.company_name}"),
            blocks=bk.fit_message(build_handoff_summary_blocks(onboarding)),
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


def _welcome_customer(client: WebClient, onboarding: Onboarding, problems: list[str]) -> None:
    channel_id = onboarding.customer_channel_id
    assert channel_id
    shared = is_shared_externally(client, channel_id)
    blocks = build_welcome_blocks(onboarding)
    if not shared:
        # Our own channel about this customer: the team sees the whole handoff there too.
        blocks += [bk.divider(), *build_handoff_summary_blocks(onboarding)]
    try:
        post_in_channel(
            client,
            channel_id,
            text=bk.fallback_text(f"Welcome, {onboarding.company_name}!"),
            blocks=bk.fit_message(blocks),
        )
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("welcome post failed: %s", error)
        if error in (
            "not_in_channel",
            "method_not_supported_for_channel_type",
            "channel_not_found",
        ):
            problems.append(
                render(
                    "channel_invite_needed", company=onboarding.company_name, channel_id=channel_id
                )
            )
        else:
            problems.append(
                f"The welcome post in {channel_link(channel_id)} failed ({escape(error)})."
            )
