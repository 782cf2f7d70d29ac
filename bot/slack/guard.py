"""Only members of our own organisation may use Onboard, at every entry point, except for
answering the customer's-voice questions (pulse and survey) and the pre-kickoff questionnaire,
which are meant for the customer.

Users of another organisation can click buttons on our messages in a shared channel and open our
modals, so the check runs as a global middleware on every request, not only on the command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.slack import blocks as bk
from bot.slack.client import UNKNOWN, UserDirectory
from bot.slack.ids import PULSE_SCORES, FeedbackId, JourneyId, KickoffId, pulse_action_id

log = logging.getLogger(__name__)

NOT_YET_KNOWN = (
    "Onboard could not confirm your account with Slack just now, so it did nothing. "
    "Please try again in a few seconds."
)
REFUSAL = (
    "Sorry, Onboard is only available to members of the team that installed it. "
    "Ask your contact there for an update."
)


def actor_user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    if isinstance(body.get("event"), dict):
        event = body["event"]
        return event.get("user") if isinstance(event.get("user"), str) else None
    return body.get("user_id")


def _actor_teams(body: dict[str, Any], context: BoltContext) -> set[str]:
    """Every team id the payload attributes to the actor."""
    teams = {context.actor_team_id} if context.actor_team_id else set()
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        teams.add(user["team_id"])
    for key in ("user_team_id", "user_team"):
        if body.get(key):
            teams.add(body[key])
    event = body.get("event")
    if isinstance(event, dict) and str(event.get("user_team", "")).startswith("T"):
        teams.add(event["user_team"])
    return teams


def is_internal_user(
    user: dict[str, Any] | None,
    own_team_id: str,
    own_enterprise_id: str | None,
    claimed_teams: set[str],
    actor_enterprise_id: str | None,
) -> bool:
    """Whether `user` (users.info's record; None: Slack knows no such user) is a full member
    of the installing organisation, and the payload claims nothing else."""
    if any(team != own_team_id for team in claimed_teams):
        return False
    if own_enterprise_id and actor_enterprise_id and actor_enterprise_id != own_enterprise_id:
        return False
    if user is None or user.get("deleted"):
        return False
    if user.get("is_restricted") or user.get("is_ultra_restricted") or user.get("is_stranger"):
        return False
    return user.get("team_id") in (own_team_id, None) or (
        bool(own_enterprise_id)
        and user.get("enterprise_user", {}).get("enterprise_id") == own_enterprise_id
    )


def _refuse(
    body: dict[str, Any], client: Any, executor: Executor, message: str = REFUSAL
) -> BoltResponse:
    """The ack that refuses; a click's notice is sent after it, off the request thread."""
    kind = body.get("type") or ("command" if body.get("command") else "")
    if kind == "command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message})
    if kind == "view_submission":
        view = refusal_view(message)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if kind in ("shortcut", "message_action", "block_actions"):
        executor.submit(_tell_refused, body, client, message)
    return BoltResponse(status=200, body="")


def _tell_refused(body: dict[str, Any], client: Any, message: str) -> None:
    try:
        if body.get("type") == "block_actions" and body.get("response_url"):
            client.chat_postEphemeral(
                channel=(body.get("channel") or {}).get("id", ""),
                user=actor_user_id(body),
                text=message,
            )
        elif body.get("trigger_id"):
            # A block action without a response URL comes from App Home or a modal.
            client.views_open(trigger_id=body["trigger_id"], view=refusal_view(message))
    except SlackApiError as exc:
        log.info("could not tell a refused user why: %s", exc)


def refusal_view(message: str = REFUSAL) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": bk.plain("Onboard"),
        "close": bk.plain("Close"),
        "blocks": [bk.section(message)],
    }


# The one exception: the customer's voice (bot/slack/feedback_views.py) is asked of the
# customer's own users, in a channel shared with them or by DM; and the journey's "Need help?"
# button (bot/slack/journey_views.py) is theirs to press. Only these action ids and this
# view pass the guard for a guest or another organisation's user; their handlers learn who
# answered from `context[EXTERNAL_ACTOR]` and show nothing but thanks.
CUSTOMER_ACTIONS = frozenset(
    {
        *(pulse_action_id(score) for score in PULSE_SCORES),
        FeedbackId.SURVEY_OPEN.value,
        JourneyId.HELP.value,  # the journey's "Need help?" (handlers/journey.py)
        KickoffId.QUESTIONNAIRE_OPEN.value,  # the pre-kickoff questionnaire (handlers/kickoff.py)
    }
)
CUSTOMER_VIEWS = frozenset({FeedbackId.SURVEY_VIEW.value, KickoffId.QUESTIONNAIRE_VIEW.value})
EXTERNAL_ACTOR = "onboard_external_actor"


def is_customer_entry_point(body: dict[str, Any]) -> bool:
    """A click on a pulse or survey button (every action of the request one of them), or the
    survey's submission: nothing else."""
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions") or []
        return bool(actions) and all(
            isinstance(a, dict) and a.get("action_id") in CUSTOMER_ACTIONS for a in actions
        )
    if kind == "view_submission":
        return (body.get("view") or {}).get("callback_id") in CUSTOMER_VIEWS
    return False


def is_message_event(body: dict[str, Any]) -> bool:
    """A message posted in a channel: Onboard only notes who spoke when
    (bot/slack/conversations.py), acts for nobody, and must hear the customer's messages too,
    so the guard lets it through without asking Slack who wrote it."""
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and (event.get("type") == "message")
    )


def make_actor_guard(
    directory: UserDirectory,
    own_team: tuple[str, str | None],
    executor: Executor,
    identity_wait_seconds: float,
) -> Callable[..., Any]:
    """A Bolt middleware: anything done by a guest or another organisation's user stops here,
    except answering the customer's-voice questions (CUSTOMER_ACTIONS, CUSTOMER_VIEWS).

    It runs before the ack, so it never waits on Slack longer than `identity_wait_seconds`:
    an actor Slack has not described in time is treated as an outsider (fail closed) and asked
    to try again, while the lookup finishes in the background for their next request."""
    team_id, enterprise_id = own_team

    def guard_actor(body: dict[str, Any], context: BoltContext, client: Any, next: Callable) -> Any:
        if body.get("type") in ("url_verification", "ssl_check") or is_message_event(body):
            return next()
        user_id = actor_user_id(body)
        if not user_id:
            return next()
        user = directory.user_within(user_id, identity_wait_seconds)
        internal = user is not UNKNOWN and is_internal_user(
            user,  # type: ignore[arg-type]  # not UNKNOWN, checked just above
            team_id,
            enterprise_id,
            _actor_teams(body, context),
            context.actor_enterprise_id,
        )
        if internal:
            context[EXTERNAL_ACTOR] = False
            return next()
        if is_customer_entry_point(body):
            context[EXTERNAL_ACTOR] = True
            return next()
        if user is UNKNOWN:
            log.warning("refused a request: Slack did not say in time who the user is")
            return _refuse(body, client, executor, NOT_YET_KNOWN)
        log.info("refused a request from a user outside the organisation or a guest")
        return _refuse(body, client, executor)

    return guard_actor
