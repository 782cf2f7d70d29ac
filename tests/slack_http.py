"""Drive a Bolt app over real HTTP with requests signed exactly as Slack signs them.

Signing (v0): HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` with the signing secret, sent as
``X-Slack-Signature: v0=<hex>`` with ``X-Slack-Request-Timestamp: {timestamp}``.

    http = SlackHttp(app_url, signing_secret, fake=fake)
    response = http.command("new Acme")
    http.view_submission("handoff", {"company": {"input": plain("Acme")}})
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from tests.fakeslack import FakeSlack

Payload = dict[str, Any]

API_APP_ID = "A0ONBOARD"
TEAM_DOMAIN = "onboard-test"
VERIFICATION_TOKEN = "legacy-verification-token"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def sign(signing_secret: str, body: bytes, timestamp: int | str) -> str:
    basestring = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
    return f"v0={digest}"


# ---- view state values, in the shape Slack puts in view.state.values[block][action] --------


def plain(value: str | None) -> Payload:
    return {"type": "plain_text_input", "value": value}


def date_value(iso: str | None) -> Payload:
    return {"type": "datepicker", "selected_date": iso}


def user_value(user_id: str | None) -> Payload:
    return {"type": "users_select", "selected_user": user_id}


def channel_value(channel_id: str | None, *, element: str = "conversations_select") -> Payload:
    """conversations_select (selected_conversation) or channels_select (selected_channel)."""
    key = "selected_channel" if element == "channels_select" else "selected_conversation"
    return {"type": element, key: channel_id}


def option(value: str, text: str | None = None) -> Payload:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def select_value(value: str | None, text: str | None = None) -> Payload:
    chosen = None if value is None else option(value, text)
    return {"type": "static_select", "selected_option": chosen}


def checkboxes(*values: str) -> Payload:
    return {"type": "checkboxes", "selected_options": [option(v) for v in values]}


# ---- the client ----------------------------------------------------------------------------


class SlackHttp:
    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0OWN",
        fake: FakeSlack | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.fake = fake
        self.timeout = timeout
        self.bot_user_id = fake.bot_user_id if fake else "UBOT"
        self._seq = itertools.count(1)
        self.last_sent: tuple[bytes, dict[str, str]] = (b"", {})

    # ---- transport -------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str | None] | None = None,
        signed: bool = True,
    ) -> Response:
        """POST `body` signed with `timestamp` (default now); `signature` overrides the HMAC.

        `signed=False` sends neither signature header; a header mapped to None is left out.
        """
        ts = int(time.time()) if timestamp is None else timestamp
        merged: dict[str, str | None] = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if signed:
            merged["X-Slack-Request-Timestamp"] = str(ts)
            merged["X-Slack-Signature"] = self.sign(body, ts) if signature is None else signature
        merged.update(headers or {})
        final = {k: v for k, v in merged.items() if v is not None}
        self.last_sent = (body, final)
        return self.send(body, final)

    def replay(self) -> Response:
        """The last request again, byte for byte: same body, timestamp and signature."""
        body, headers = self.last_sent
        return self.send(body, headers)

    def send(self, body: bytes, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return Response(resp.status, resp.read(), dict(resp.headers.items()))
        except urllib.error.HTTPError as err:
            with err:
                return Response(err.code, err.read(), dict(err.headers.items()))

    def sign(self, body: bytes, timestamp: int | str) -> str:
        return sign(self.signing_secret, body, timestamp)

    def post_form(self, fields: Payload, **kwargs: Any) -> Response:
        return self.post(urlencode(fields).encode(), FORM, **kwargs)

    def post_interaction(self, payload: Payload, **kwargs: Any) -> Response:
        """An interactivity request: `payload=<json>` in a form body."""
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    def post_json(self, payload: Payload, **kwargs: Any) -> Response:
        return self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    # ---- request kinds ---------------------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user_id: str = "UCSM",
        command: str = "/onboard",
        channel_id: str = "C0GENERAL",
        team_id: str | None = None,
        user_team_id: str | None = None,
    ) -> Response:
        """A slash command. Slack sends no user team here: `team_id` is the invoking user's
        workspace, so `user_team_id` is used as `team_id` when `team_id` is not given."""
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id or user_team_id or self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": self._response_url("commands"),
            "trigger_id": self.trigger_id(),
        }
        return self.post_form(fields)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str = "UCSM",
        user_team_id: str | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: Payload | None = None,
        block_id: str = "b",
        selected_option: str | Payload | None = None,
        extra_action: Payload | None = None,
        actions: list[Any] | None = None,
    ) -> Response:
        """A click on a button (or a static_select choice with `selected_option`).

        With `view` the action comes from that modal/Home tab; otherwise from the message
        `message_ts` in `channel_id` (taken from the fake when it has it). `actions` replaces
        the payload's list of actions (malformed payloads)."""
        action = self._action(action_id, value, block_id, selected_option)
        action.update(extra_action or {})
        payload = self._interaction("block_actions", user_id, user_team_id)
        payload["actions"] = [action] if actions is None else actions
        if view is not None:
            payload.update(self._view_context(view))
        else:
            payload.update(self._message_context(channel_id or "C0GENERAL", message_ts))
        return self.post_interaction(payload)

    def view_submission(
        self,
        callback_id: str,
        values: Payload | None,
        *,
        user_id: str = "UAE",
        user_team_id: str | None = None,
        private_metadata: str | None = "",
        view_id: str = "V123",
        hash: str = "h1",
    ) -> Response:
        """A modal submitted with `values` as view.state.values ({block: {action: {...}}}).

        None for `values` sends no state, None for `private_metadata` none (malformed views)."""
        view = self.view(
            id=view_id,
            callback_id=callback_id,
            private_metadata=private_metadata,
            hash=hash,
            state={"values": values},
        )
        if values is None:
            view.pop("state")
        if private_metadata is None:
            view.pop("private_metadata")
        payload = self._interaction("view_submission", user_id, user_team_id)
        payload.update(view=view, response_urls=[])
        return self.post_interaction(payload)

    def view_closed(
        self,
        callback_id: str,
        *,
        user_id: str = "UAE",
        user_team_id: str | None = None,
        view_id: str = "V123",
        private_metadata: str = "",
    ) -> Response:
        view = self.view(id=view_id, callback_id=callback_id, private_metadata=private_metadata)
        payload = self._interaction("view_closed", user_id, user_team_id)
        payload.update(view=view, is_cleared=False)
        payload.pop("trigger_id")
        return self.post_interaction(payload)

    def shortcut(
        self, callback_id: str, *, user_id: str = "UAE", user_team_id: str | None = None
    ) -> Response:
        """A global shortcut."""
        payload = self._interaction("shortcut", user_id, user_team_id)
        payload.update(callback_id=callback_id, action_ts=self._now_ts())
        return self.post_interaction(payload)

    def message_shortcut(
        self,
        callback_id: str,
        message_text: str,
        *,
        user_id: str = "UAE",
        channel_id: str = "C0GENERAL",
        message_user: str = "UCRM",
        user_team_id: str | None = None,
        message_ts: str | None = None,
    ) -> Response:
        """A message shortcut on a message by `message_user` saying `message_text` (the
        message `message_ts`, e.g. one seeded in the fake with `add_message`)."""
        ts = message_ts or self._now_ts()
        payload = self._interaction("message_action", user_id, user_team_id)
        payload.update(
            callback_id=callback_id,
            action_ts=self._now_ts(),
            message_ts=ts,
            response_url=self._response_url("actions"),
            channel={"id": channel_id, "name": self._channel_name(channel_id)},
            message={
                "type": "message",
                "user": message_user,
                "ts": ts,
                "text": message_text,
                "team": self.team_id,
            },
        )
        return self.post_interaction(payload)

    def event(
        self,
        event: Payload,
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        authorizations: list[Payload] | None = None,
        is_ext_shared_channel: bool = False,
    ) -> Response:
        """An Events API `event_callback` envelope around `event`."""
        team = team_id or self.team_id
        inner = {"event_ts": self._now_ts(), **event}
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": API_APP_ID,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}ONB",
            "event_time": int(time.time()),
            "authorizations": authorizations
            if authorizations is not None
            else [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": is_ext_shared_channel,
            "event_context": f"4-{secrets.token_hex(12)}",
        }
        return self.post_json(envelope)

    def url_verification(self, challenge: str = "challenge") -> Response:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.post_json(body)

    # ---- payload parts ---------------------------------------------------------------------

    def trigger_id(self) -> str:
        return f"{next(self._seq)}.{int(time.time())}.{secrets.token_hex(16)}"

    def view(self, **fields: Any) -> Payload:
        """A view as Slack sends it back; starts from the fake's copy when it has the id."""
        view_id = fields.get("id", "V123")
        known = self.fake.views.get(view_id) if self.fake else None
        base: Payload = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": "h1",
            "title": {"type": "plain_text", "text": "Onboard", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": "B0ONBOARD",
        }
        return {**base, **(json.loads(json.dumps(known)) if known else {}), **fields}

    def _interaction(self, kind: str, user_id: str, user_team_id: str | None) -> Payload:
        return {
            "type": kind,
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": user_team_id or self.team_id,
            },
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.trigger_id(),
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _action(
        self, action_id: str, value: str | None, block_id: str, selected: str | Payload | None
    ) -> Payload:
        action: Payload = {
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": self._now_ts(),
        }
        if selected is not None:
            chosen = option(selected) if isinstance(selected, str) else selected
            return {**action, "type": "static_select", "selected_option": chosen}
        action.update(type="button", text={"type": "plain_text", "text": action_id, "emoji": True})
        if value is not None:
            action["value"] = value
        return action

    def _view_context(self, view: Payload) -> Payload:
        full = self.view(**view)
        return {"container": {"type": "view", "view_id": full["id"]}, "view": full}

    def _message_context(self, channel_id: str, message_ts: str | None) -> Payload:
        message = self._known_message(channel_id, message_ts) or {
            "type": "message",
            "ts": message_ts or self._now_ts(),
            "user": self.bot_user_id,
            "bot_id": "B0ONBOARD",
            "text": "",
            "blocks": [],
            "team": self.team_id,
        }
        return {
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "message": message,
            "state": {"values": {}},
            "response_url": self._response_url("actions"),
        }

    def _known_message(self, channel_id: str, ts: str | None) -> Payload | None:
        if self.fake is None or ts is None:
            return None
        for message in self.fake.messages_in(channel_id):
            if message["ts"] == ts:
                return {k: v for k, v in message.items() if v is not None}
        return None

    def _response_url(self, kind: str) -> str:
        if self.fake is not None:
            return self.fake.response_url()
        return f"https://hooks.slack.com/{kind}/{self.team_id}/{next(self._seq)}/{secrets.token_hex(12)}"

    def _user_name(self, user_id: str) -> str:
        user = self.fake.users.get(user_id) if self.fake else None
        return user["name"] if user else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.fake.channels.get(channel_id) if self.fake else None
        if channel and channel.get("name"):
            return channel["name"]
        return "directmessage" if channel_id.startswith("D") else channel_id.lower()

    @staticmethod
    def _now_ts() -> str:
        return f"{time.time():.6f}"
