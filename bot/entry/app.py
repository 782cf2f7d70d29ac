"""The app factory: one Bolt App per process, every listener registered explicitly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import logs
from bot.config import Settings
from bot.db import Database
from bot.entry.ack_runner import prompt_acks
from bot.entry.routing import RoutedApp
from bot.observability import Metrics
from bot.playbooks import PlaybookLibrary
from bot.services.errors import DomainError
from bot.services.feedback import load_feedback_config
from bot.services.health import health_rules
from bot.services.kickoff import load_kickoff_config
from bot.services.permissions import Admins
from bot.services.weekly_report import load_weekly_report_config
from bot.slack.alert_views import load_checked_catalog
from bot.slack.api_metrics import count_api_calls
from bot.slack.client import UserDirectory, make_client
from bot.slack.deps import DEPS_KEY, Deps
from bot.slack.forms import UnreadableActions, reply_to
from bot.slack.guard import actor_user_id, make_actor_guard
from bot.slack.listener_names import ListenerNames
from bot.slack.outbox_loop import OutboxLoop
from bot.slack.refusals import refusal_text
from bot.slack.sender import OutboxSender
from bot.slack.usergroups import UserGroupMembers

log = logging.getLogger(__name__)
# The HTTP edge (bot/entry/server.py) names each request; Socket Mode requests get a new id here.
REQUEST_ID_HEADER = "x-onboard-request-id"
REQUEST_ID = "onboard_request_id"
VERIFIED = "onboard_verified"


def create_app(
    settings: Settings,
    db: Database | None = None,
    playbooks: PlaybookLibrary | None = None,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
    outbox: OutboxLoop | None = None,
) -> App:
    """Listeners run on `listener_executor` (default: ONBOARD_LISTENER_THREADS threads), so a
    burst of requests is acknowledged within Slack's 3 seconds while slow work continues.

    The outbox sender loop (`app.onboard_deps.outbox`) is built here but not started: whoever
    runs the app starts it and stops it (`onboard serve`/`socket`, the tests' `slack` fixture)."""
    db = db or Database(settings.database_url)
    metrics, client, outbox = _counted(settings, db, client, outbox)
    own_team = _own_team(client)
    deps = Deps(
        settings=settings,
        db=db,
        playbooks=playbooks or PlaybookLibrary.load(settings.templates_dir),
        users=UserDirectory(client),
        admins=Admins(
            settings.admin_user_ids,
            settings.admin_usergroup_id,
            UserGroupMembers(client).members,
        ),
        outbox=outbox,
        metrics=metrics,
        listener_names=ListenerNames(),  # told the subcommands once they are registered
        own_team=own_team,
    )
    # The stall-signal catalog is data too: a mistake in it stops start-up, naming the field.
    load_checked_catalog(settings.templates_dir).check_playbooks(p.key for p in deps.playbooks)
    load_feedback_config(settings.templates_dir)  # the pulse and survey wording, likewise
    health_rules(settings)  # the health check's questions, weights and statuses, likewise
    load_kickoff_config(settings.templates_dir)  # the kickoff agenda and questionnaire, likewise
    load_weekly_report_config(settings.templates_dir)  # the weekly report's day, likewise
    # Listeners run on their own threads: the request id, user and command go with them.
    executor = logs.ContextCarrying(
        listener_executor
        or ThreadPoolExecutor(settings.listener_threads, thread_name_prefix="onboard-listener")
    )
    # The client alone: it carries the bot token (Bolt takes `client.token`), and Bolt warns on
    # every start that `token` goes unused when both are given.
    app = RoutedApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
        process_before_response=False,
        listener_executor=executor,
    )
    prompt_acks(app)  # before app.error, which gives the runner its error handler
    app.use(UnreadableActions())  # first: function middleware cannot take `actions: []`
    app.use(_request_context(deps))
    app.use(make_actor_guard(deps.users, own_team, executor, settings.identity_wait_ms / 1000))
    app.error(_handle_error)
    from handlers import register_handlers

    deps.listener_names.know(register_handlers(app))
    app.onboard_deps = deps  # type: ignore[attr-defined]  # for the process that runs the app
    return app


def _counted(
    settings: Settings, db: Database, client: WebClient | None, outbox: OutboxLoop | None
) -> tuple[Metrics, WebClient, OutboxLoop]:
    """The app's metrics, with every Web API call of the app counted in them: its client's,
    Bolt's per-request copies of it, and the outbox sender's."""
    metrics = Metrics(db)
    client = count_api_calls(client or make_client(settings), metrics)
    outbox = outbox or OutboxLoop(OutboxSender(db, client, settings))
    count_api_calls(outbox.sender.client, metrics)
    return metrics, client, outbox


def _own_team(client: WebClient) -> tuple[str, str | None]:
    """The installing team, asked once at start-up so no request waits for it."""
    auth = client.auth_test()
    return auth["team_id"], auth.get("enterprise_id")


def _request_context(deps: Deps) -> Callable[..., Any]:
    def attach_deps(
        body: dict[str, Any], context: BoltContext, request: BoltRequest, next: Callable
    ) -> Any:
        # Bolt's own signature check has passed by now (app.use runs after it).
        context[VERIFIED] = True
        context[DEPS_KEY] = deps
        given = request.headers.get(REQUEST_ID_HEADER) or [None]
        context[REQUEST_ID] = logs.start_request(given[0])
        logs.slack_user.set(actor_user_id(body) or "-")
        logs.slack_command.set(_describe(body))
        log.info("request")
        return next()

    return attach_deps


def _describe(body: dict[str, Any]) -> str:
    if body.get("command"):
        return f"{body['command']} {str(body.get('text', '')).split(' ', 1)[0]}".strip()
    kind = body.get("type", "")
    if kind == "block_actions":
        return "action:" + ",".join(a.get("action_id", "") for a in body.get("actions", []))
    if kind in ("view_submission", "view_closed"):
        return f"{kind}:{body.get('view', {}).get('callback_id', '')}"
    if kind in ("shortcut", "message_action"):
        return f"shortcut:{body.get('callback_id', '')}"
    if kind == "event_callback":
        return "event:" + str(body.get("event", {}).get("type", ""))
    return kind or "-"


def _handle_error(
    error: Exception, body: dict[str, Any], client: WebClient, context: BoltContext
) -> BoltResponse | None:
    """Domain errors become a friendly ephemeral reply; anything else is logged with a reference.
    A request that was never verified gets no reply at all: its body is the sender's word."""
    if not context.get(VERIFIED):
        log.warning("error before the request was verified: %s", type(error).__name__)
        return None
    if isinstance(error, DomainError):
        message = refusal_text(error)
        log.info("domain error: %s", message)
    else:
        reference = context.get(REQUEST_ID) or logs.request_id.get()
        log.error("unexpected error", exc_info=error)
        message = f"Something went wrong on our side (reference `{reference}`). Please try again."
    reply_to(body, client, context.respond, message)
    return None
