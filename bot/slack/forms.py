"""The one place that reads what Slack sends back: a modal's `view.state.values` and
`private_metadata`, and a button's or select's value.

Slack signs whatever it sends, but a payload can still be malformed: an old modal or button
from before a release, a client that sends a number where text was typed, a date that does
not exist. The readers check types and shapes and raise their own errors, which the listener
wrappers below turn into an answer: an error on the modal field concerned, a short "out of
date" modal, or an ephemeral "out of date" notice for a button. Never a 500, never a
traceback, and nothing saved, since reading comes before any service is called.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import DomainError
from bot.slack import blocks as bk
from bot.slack.guard import actor_user_id
from bot.slack.refusals import refusal_text

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

INPUT = "value"  # every feature's input elements use this action id
UNREADABLE = "This answer could not be read. Please enter it again."
NOT_A_DATE = "That is not a date. Please pick one from the calendar."
OUT_OF_DATE_FORM = "This form is out of date, please open it again."
OUT_OF_DATE_BUTTON = "That button is out of date — run the command again."


class FormError(Exception):
    """One field of a submitted modal could not be read: `message` goes on `block_id`."""

    def __init__(self, block_id: str, message: str = UNREADABLE) -> None:
        super().__init__(f"{block_id}: {message}")
        self.block_id = block_id
        self.message = message


class StaleForm(Exception):
    """The modal itself cannot be read (no state, unreadable `private_metadata`)."""


class StaleButton(Exception):
    """A button's or select's value cannot be read (a button from an older message)."""


# ---- modals ----------------------------------------------------------------------------------


class ViewForm:
    """A submitted view, read field by field. `block_id` names the input block; every reader
    answers the field's typed value (empty when the field was left empty or is not there)."""

    def __init__(self, view: Any) -> None:
        if not isinstance(view, Mapping):
            raise StaleForm("the view is not an object")
        state = view.get("state")
        values = state.get("values") if isinstance(state, Mapping) else None
        if not isinstance(values, Mapping):
            raise StaleForm("the view has no state")
        self.view = view
        self.values = values

    def metadata(self, model: type[M]) -> M:
        """`private_metadata` read into `model`."""
        return read_model(model, self.view.get("private_metadata"), StaleForm)

    def block_ids(self, prefix: str) -> list[str]:
        """The submitted block ids `<prefix>-…` (a modal with one block per item)."""
        return [b for b in self.values if isinstance(b, str) and b.startswith(f"{prefix}-")]

    def _element(self, block_id: str, action_id: str) -> Mapping[str, Any]:
        block = self.values.get(block_id)
        if block is None:
            return {}
        if not isinstance(block, Mapping):
            raise FormError(block_id)
        element = block.get(action_id)
        if element is None:
            return {}
        if not isinstance(element, Mapping):
            raise FormError(block_id)
        return element

    def _field(self, block_id: str, action_id: str, key: str) -> str | None:
        value = self._element(block_id, action_id).get(key)
        if value is not None and not isinstance(value, str):
            raise FormError(block_id)
        return value or None

    def text(self, block_id: str, action_id: str = INPUT) -> str:
        """A plain_text_input's text ("" when empty)."""
        return self._field(block_id, action_id, "value") or ""

    def date(self, block_id: str, action_id: str = INPUT) -> date | None:
        """A datepicker's date."""
        raw = self._field(block_id, action_id, "selected_date")
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise FormError(block_id, NOT_A_DATE) from None

    def user(self, block_id: str, action_id: str = INPUT) -> str | None:
        """A users_select's user id."""
        return self._field(block_id, action_id, "selected_user")

    def conversation(self, block_id: str, action_id: str = INPUT) -> str | None:
        """A conversations_select's (or channels_select's) conversation id."""
        return self._field(block_id, action_id, "selected_conversation") or self._field(
            block_id, action_id, "selected_channel"
        )

    def choice(self, block_id: str, action_id: str = INPUT) -> str | None:
        """A static_select's or radio_buttons' chosen option value."""
        chosen = self._element(block_id, action_id).get("selected_option")
        if chosen is None:
            return None
        return _option_value(chosen, lambda: FormError(block_id))

    def choices(self, block_id: str, action_id: str = INPUT) -> list[str]:
        """A checkboxes' (or multi-select's) ticked option values."""
        chosen = self._element(block_id, action_id).get("selected_options")
        if chosen is None:
            return []
        if not isinstance(chosen, list):
            raise FormError(block_id)
        return [_option_value(o, lambda: FormError(block_id)) for o in chosen]

    def choice_ids(self, block_id: str, action_id: str = INPUT) -> list[int]:
        """Ticked options whose values are row ids."""
        try:
            return [int(v) for v in self.choices(block_id, action_id) if v]
        except ValueError:
            raise FormError(block_id) from None


def _option_value(option: Any, error: Callable[[], Exception]) -> str:
    value = option.get("value") if isinstance(option, Mapping) else None
    if not isinstance(value, str):
        raise error()
    return value


def read_model(model: type[M], raw: Any, error: type[Exception]) -> M:
    """`raw` JSON read into `model`, or `error`."""
    if not isinstance(raw, str) or not raw:
        raise error(f"no {model.__name__}")
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        raise error(f"unreadable {model.__name__}") from None


def out_of_date_view() -> dict[str, Any]:
    """What replaces a modal that cannot be read."""
    return {
        "type": "modal",
        "title": bk.plain("Onboard", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(OUT_OF_DATE_FORM)],
    }


# ---- buttons and selects ---------------------------------------------------------------------


def button_value(action: Any) -> str:
    """A button's value."""
    value = action.get("value") if isinstance(action, Mapping) else None
    if not isinstance(value, str) or not value:
        raise StaleButton("no value")
    return value


def button_id(action: Any) -> int:
    """A button whose value is a row id."""
    return _row_id(button_value(action))


def button_model(action: Any, model: type[M]) -> M:
    """A button whose value is `model` as JSON."""
    return read_model(model, button_value(action), StaleButton)


def selected_value(action: Any) -> str:
    """A static_select's chosen option."""
    chosen = action.get("selected_option") if isinstance(action, Mapping) else None
    value = _option_value(chosen, lambda: StaleButton("no option"))
    if not value:
        raise StaleButton("no option")
    return value


def selected_id(action: Any) -> int:
    """A static_select whose option values are row ids."""
    return _row_id(selected_value(action))


def _row_id(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise StaleButton("not an id")
    return int(value)


# ---- the answers -----------------------------------------------------------------------------


# What the wrappers take from Bolt (a listener takes any of these); Bolt injects by the names of
# the wrapper's own arguments, so the wrapper does not pretend to be the listener (__wrapped__).
LISTENER_ARGS = ("ack", "body", "action", "view", "client", "context", "respond")


def _listener(handler: Callable[..., Any], answer: Callable[..., Any]) -> Callable[..., Any]:
    wanted = inspect.getfullargspec(handler).args
    unknown = set(wanted) - set(LISTENER_ARGS)
    assert not unknown, f"{handler.__name__} takes {unknown}: add them to LISTENER_ARGS"

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any] | None,
        view: dict[str, Any] | None,
        client: WebClient,
        context: BoltContext,
        respond: Respond,
    ) -> None:
        given = {"ack": ack, "body": body, "action": action, "view": view}
        given.update(client=client, context=context, respond=respond)
        answer(lambda: handler(**{name: given[name] for name in wanted}), given)

    listener.__name__ = listener.__qualname__ = handler.__name__
    listener.__doc__ = handler.__doc__
    return listener


def submission(handler: F) -> F:
    """Wrap a view_submission listener: what its readers cannot read goes back as a field error
    or the out-of-date modal; a refusal after its ack() is a reply, not an exception (Bolt's
    thread runner can lose the ack and answer 404 when a listener raises after acking)."""

    def answer(run: Callable[[], Any], given: dict[str, Any]) -> None:
        ack = given["ack"]
        try:
            run()
        except FormError as error:
            log.info("form not read: %s", error)
            if ack.response is None:
                ack(response_action="errors", errors={error.block_id: error.message})
        except StaleForm as error:
            log.info("form out of date: %s", error)
            if ack.response is None:
                ack(response_action="update", view=out_of_date_view())
        except DomainError as refused:
            if ack.response is None:
                raise
            log.info("domain error: %s", refused)
            reply(given, refusal_text(refused))

    return _listener(handler, answer)  # type: ignore[return-value]


def click(handler: F) -> F:
    """Wrap a block_actions listener: a value its readers cannot read gets the out-of-date
    notice, and a refusal is a reply rather than an exception (see `submission`)."""

    def answer(run: Callable[[], Any], given: dict[str, Any]) -> None:
        try:
            run()
        except StaleButton as error:
            log.info("button out of date: %s", error)
            _ack_then_reply(given, OUT_OF_DATE_BUTTON)
        except DomainError as refused:
            log.info("domain error: %s", refused)
            _ack_then_reply(given, refusal_text(refused))

    return _listener(handler, answer)  # type: ignore[return-value]


def _ack_then_reply(given: dict[str, Any], text: str) -> None:
    if given["ack"].response is None:
        given["ack"]()
    reply(given, text)


def reply(given: dict[str, Any], text: str) -> None:
    """An ephemeral reply to whoever sent the request, where they are."""
    reply_to(given["body"], given["client"], given.get("respond"), text)


def reply_to(body: dict[str, Any], client: WebClient, respond: Respond | None, text: str) -> None:
    """Ephemeral by the response URL where there is one, else in the channel, else by DM."""
    user = actor_user_id(body)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    try:
        if respond is not None and (body.get("response_url") or body.get("command")):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif channel and user:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        elif user:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.info("reply not posted: %s", exc.response.get("error"))


class UnreadableActions(Middleware):
    """A block_actions payload without an action in it gets the out-of-date notice. It has to
    run before any function middleware: Bolt builds every function middleware's and listener's
    arguments with `body["actions"][0]`, which fails (500) on `actions: []`."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body = req.body
        actions = body.get("actions")
        if body.get("type") != "block_actions" or (
            isinstance(actions, list) and actions and isinstance(actions[0], Mapping)
        ):
            return next()
        log.info("button out of date: no action")
        given = {"body": body, "client": req.context.client, "respond": req.context.respond}
        reply(given, OUT_OF_DATE_BUTTON)
        return BoltResponse(status=200, body="")
