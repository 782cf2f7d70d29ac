"""The customer's voice: pulse buttons, the survey button and modal, `/onboard survey`.

The pulse and survey entry points are the only ones a guest or another organisation's user gets
through the guard (bot/slack/guard.py: CUSTOMER_ACTIONS, CUSTOMER_VIEWS); replies to them only
thank. Answers from our own team are not counted: the question is the customer's.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.errors import DomainError
from bot.services.feedback import (
    FeedbackKind,
    InvalidAnswer,
    SurveyAnswers,
    SurveySent,
    load_feedback_config,
    open_survey,
    record_pulse,
    record_survey,
    send_survey,
)
from bot.slack.commands import CommandRequest
from bot.slack.deps import Deps, deps_of
from bot.slack.feedback_views import (
    ERROR_BLOCKS,
    PulseValue,
    SurveyMetadata,
    SurveyValue,
    build_notice_view,
    build_survey_modal,
    internal_respondent_text,
    pulse_thanks_text,
    read_survey_form,
    survey_sent_text,
)
from bot.slack.forms import ViewForm, button_model, click, submission
from bot.slack.guard import EXTERNAL_ACTOR
from bot.slack.ids import FeedbackId
from bot.slack.refusals import refusal_text
from handlers.command import CommandRouter
from handlers.customer import CustomerPick, customer_of, on_pick


def _external(context: BoltContext) -> bool:
    """Set by the guard on the customer's-voice entry points: True for the customer's users."""
    return bool(context.get(EXTERNAL_ACTOR))


def _tell(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def handle_feedback_pulse_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    if not _external(context):
        _tell(respond, internal_respondent_text())
        return
    deps = deps_of(context)
    value = button_model(action, PulseValue)
    with deps.db.transaction() as session:
        record_pulse(
            session,
            value.onboarding_id,
            FeedbackKind(value.kind),
            body["user"]["id"],
            value.score,
            load_feedback_config(deps.settings.templates_dir),
            channel_id=(body.get("channel") or {}).get("id"),
            now=deps.now(),
        )
    deps.outbox.kick()  # the message now counts one more answer
    _tell(respond, pulse_thanks_text())


def handle_feedback_survey_open_click(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    ack()
    if not _external(context):
        _tell(respond, internal_respondent_text())
        return
    deps = deps_of(context)
    value = button_model(action, SurveyValue)
    channel_id = (body.get("channel") or {}).get("id")
    with deps.db.session() as session:
        previous = open_survey(session, value.onboarding_id, body["user"]["id"], channel_id)
    metadata = SurveyMetadata(onboarding_id=value.onboarding_id, channel_id=channel_id)
    wording = load_feedback_config(deps.settings.templates_dir).survey
    client.views_open(
        trigger_id=body["trigger_id"], view=build_survey_modal(metadata, wording, previous)
    )


def handle_feedback_survey_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    wording = load_feedback_config(deps.settings.templates_dir).survey
    if not _external(context):
        ack(
            response_action="update",
            view=build_notice_view(wording.title, internal_respondent_text()),
        )
        return
    fields = ViewForm(view)
    metadata = fields.metadata(SurveyMetadata)
    form = read_survey_form(fields)
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    answers = SurveyAnswers(
        form.satisfaction,  # type: ignore[arg-type]
        form.nps,  # type: ignore[arg-type]
        form.effort,  # type: ignore[arg-type]
        form.comment,
        prepared=form.prepared,
        reference=form.reference,
    )
    try:
        with deps.db.transaction() as session:
            record_survey(
                session,
                metadata.onboarding_id,
                body["user"]["id"],
                answers,
                load_feedback_config(deps.settings.templates_dir),
                channel_id=metadata.channel_id,
                now=deps.now(),
            )
    except InvalidAnswer as bad:
        ack(response_action="errors", errors={ERROR_BLOCKS[bad.field]: str(bad)})
        return
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(wording.title, refusal_text(refused)))
        return
    ack(response_action="update", view=build_notice_view(wording.title, wording.thanks))
    deps.outbox.kick()


def _send_survey(request_deps: Deps, respond: Respond, user_id: str, onboarding_id: int) -> None:
    with request_deps.db.transaction() as session:
        sent: SurveySent = send_survey(
            session,
            onboarding_id,
            user_id,
            load_feedback_config(request_deps.settings.templates_dir),
            admins=request_deps.admins,
            now=request_deps.now(),
        )
    request_deps.outbox.kick()
    respond(text=survey_sent_text(sent), response_type="ephemeral")


def handle_survey_command(request: CommandRequest) -> None:
    request.ack()
    onboarding_id = customer_of(request, FeedbackId.PICK_CUSTOMER)
    if onboarding_id is None:
        return
    _send_survey(request.deps, request.respond, request.user_id, onboarding_id)


def handle_feedback_pick_click(pick: CustomerPick) -> None:
    _send_survey(pick.deps, pick.respond, pick.user_id, pick.onboarding_id)


def register(app: App, commands: CommandRouter) -> None:
    commands.add(("survey",), handle_survey_command)
    app.action(re.compile(f"^{FeedbackId.PULSE}-[1-5]$"))(click(handle_feedback_pulse_click))
    app.action(FeedbackId.SURVEY_OPEN)(click(handle_feedback_survey_open_click))
    on_pick(app, FeedbackId.PICK_CUSTOMER, handle_feedback_pick_click)
    app.view(FeedbackId.SURVEY_VIEW)(submission(handle_feedback_survey_submit))
