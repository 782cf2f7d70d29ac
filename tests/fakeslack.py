"""A fake Slack Web API served over real HTTP, for tests.

The real ``slack_sdk.WebClient`` talks to it with ``WebClient(base_url=fake.url)``. Every call is
recorded in ``fake.calls``; faults (errors, 429s, 5xx, delays) can be queued per method; message
and view payloads are validated against Block Kit limits and refused the way Slack refuses them.

    fake = FakeSlack()
    fake.start()
    fake.add_channel("C1", "onb-acme")
    ...
    fake.wait_for("chat.postMessage", lambda p: p["channel"] == "C1")
    fake.stop()
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import yaml
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

log = logging.getLogger(__name__)

Params = dict[str, Any]
Handler = Callable[["FakeSlack", Params], Params]

TEAM_NAME = "Onboard Test"
TEAM_DOMAIN = "onboard-test"
BOT_ID = "B0ONBOARD"
APP_ID = "A0ONBOARD"
# Parameters that Slack accepts as JSON strings inside form bodies.
JSON_PARAMS = frozenset({"attachments", "blocks", "files", "metadata", "unfurls", "view"})
_STATUSES = {s.value for s in HTTPStatus}
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
# The scope conversations.info needs, by the kind of conversation asked about.
READ_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}


@functools.cache
def manifest_bot_scopes() -> frozenset[str]:
    """The bot scopes manifest.yml asks for: what an install of the app is granted."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


@dataclass
class Call:
    """One Web API call as the fake saw it; `status`/`response` are what it answered."""

    method: str
    params: Params
    at: float
    status: int = 200
    response: Params | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


class SlackError(Exception):
    """Raised by a handler to answer ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    payload: Params | None = None
    drop: bool = False  # hang up without answering


def json_reply(payload: Params, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload).encode()
    return Reply(status, body, headers=headers or {}, payload=payload)


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, text.encode(), "text/plain; charset=utf-8")


@dataclass
class _Fault:
    kind: str  # "fail" | "rate_limit" | "server_error" | "delay" | "lost"
    value: Any
    times: int
    status: int = 200

    def reply(self) -> Reply:
        if self.kind == "rate_limit":
            payload = {"ok": False, "error": "ratelimited"}
            return json_reply(payload, 429, {"Retry-After": str(self.value)})
        if self.kind == "server_error":
            phrase = HTTPStatus(self.status).phrase if self.status in _STATUSES else "Error"
            return Reply(self.status, f"<html><body>{phrase}</body></html>".encode(), "text/html")
        return json_reply({"ok": False, "error": self.value})


# --------------------------------------------------------------------------------------------
# Block Kit validation: slack_sdk's models plus the limits slack_sdk does not check.
# Problems read like Slack's: "<what> [json-pointer:/blocks/0/text/text]".
# --------------------------------------------------------------------------------------------

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_TEXT = 40_000
TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})
ELEMENT_TYPES = frozenset(
    {
        "button",
        "channels_select",
        "checkboxes",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "file_input",
        "image",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_static_select",
        "multi_users_select",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
        "workflow_button",
    }
)
# (node kind, key) -> the most characters allowed in the text object under key
TEXT_LIMITS = {
    ("section", "text"): 3000,
    ("header", "text"): 150,
    ("button", "text"): 75,
    ("option", "text"): 75,
    ("option", "description"): 75,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
}
# (node kind, key) -> the most characters allowed in the string under key ("*": any node)
STRING_LIMITS = {
    ("*", "action_id"): 255,
    ("*", "block_id"): 255,
    ("plain_text_input", "initial_value"): 3000,
    ("button", "value"): 2000,
    ("button", "url"): 3000,
    ("option", "value"): 150,
}
# (node kind, key) -> the most items allowed in the list under key
COUNT_LIMITS = {
    ("section", "fields"): 10,
    ("actions", "elements"): 25,
    ("context", "elements"): 10,
    ("static_select", "options"): 100,
    ("checkboxes", "options"): 10,
    ("radio_buttons", "options"): 10,
    ("overflow", "options"): 5,
}


def _pointer(ptr: str, message: str) -> str:
    return f"{message} [json-pointer:{ptr}]"


def _kind(node: Params) -> str:
    if "type" in node:
        return str(node["type"])
    if "value" in node and isinstance(node.get("text"), dict):
        return "option"
    return ""


def _nodes(node: Any, ptr: str) -> Iterator[tuple[str, Params]]:
    """Every dict in a JSON tree with its JSON pointer."""
    if isinstance(node, dict):
        yield ptr, node
        for key, value in node.items():
            yield from _nodes(value, f"{ptr}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, f"{ptr}/{i}")


def _too_long(value: Any, limit: int, ptr: str) -> Iterator[str]:
    if isinstance(value, str) and len(value) > limit:
        yield _pointer(ptr, f"must be less than {limit + 1} characters")


def _limit_problems(kind: str, node: Params, ptr: str) -> Iterator[str]:
    for (owner, key), limit in TEXT_LIMITS.items():
        if owner == kind and isinstance(node.get(key), dict):
            yield from _too_long(node[key].get("text"), limit, f"{ptr}/{key}/text")
    for (owner, key), limit in STRING_LIMITS.items():
        if owner in (kind, "*"):
            yield from _too_long(node.get(key), limit, f"{ptr}/{key}")
    for (owner, key), limit in COUNT_LIMITS.items():
        if owner == kind and isinstance(node.get(key), list) and len(node[key]) > limit:
            yield _pointer(f"{ptr}/{key}", f"no more than {limit} items allowed")


def _element_problems(kind: str, node: Params, ptr: str) -> Iterator[str]:
    children: list[tuple[str, Any]] = []
    if kind == "input":
        if "element" not in node:
            yield _pointer(ptr, "missing required field: element")
        children = [("element", node.get("element"))]
    elif kind == "section" and "accessory" in node:
        children = [("accessory", node["accessory"])]
    elif kind == "actions":
        children = [(f"elements/{i}", e) for i, e in enumerate(node.get("elements") or [])]
    for key, child in children:
        child_type = child.get("type") if isinstance(child, dict) else None
        if child is not None and child_type not in ELEMENT_TYPES:
            yield _pointer(f"{ptr}/{key}", f"unsupported element type: {child_type!r}")


def _text_object_problems(kind: str, node: Params, ptr: str) -> Iterator[str]:
    if kind in TEXT_OBJECT_TYPES and not (isinstance(node.get("text"), str) and node["text"]):
        yield _pointer(f"{ptr}/text", "must be more than 0 characters")
    for key in ("text", "label", "title", "placeholder", "hint"):
        if kind in ("section", "header", "input", "button") and isinstance(node.get(key), str):
            yield _pointer(f"{ptr}/{key}", "must provide an object")


def _node_problems(ptr: str, node: Params) -> Iterator[str]:
    kind = _kind(node)
    yield from _limit_problems(kind, node, ptr)
    yield from _element_problems(kind, node, ptr)
    yield from _text_object_problems(kind, node, ptr)


def _block_problems(raw: Any, ptr: str) -> list[str]:
    if not isinstance(raw, dict):
        return [_pointer(ptr, "must provide an object")]
    try:
        block = Block.parse(raw)
    except (TypeError, ValueError, AttributeError) as exc:
        return [_pointer(ptr, f"invalid block: {exc}")]
    if block is None:
        return [_pointer(ptr, f"unsupported block type: {raw.get('type')!r}")]
    problems = [p for sub, node in _nodes(raw, ptr) for p in _node_problems(sub, node)]
    if problems:
        return problems
    try:
        block.to_dict()  # validates the whole tree (validate_json() checks only the top object)
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError) as exc:
        return [_pointer(ptr, str(exc))]
    return []


def block_problems(blocks: Any, *, max_blocks: int, ptr: str = "/blocks") -> list[str]:
    """Problems of a `blocks` array, [] when Slack would accept it."""
    if not isinstance(blocks, list):
        return [_pointer(ptr, "must be an array")]
    problems = []
    if len(blocks) > max_blocks:
        problems.append(_pointer(ptr, f"no more than {max_blocks} items allowed"))
    for i, raw in enumerate(blocks):
        problems += _block_problems(raw, f"{ptr}/{i}")
    return problems


def message_problems(params: Params) -> tuple[str, list[str]] | None:
    """(Slack error, problems) for a message payload, None when it is fine."""
    text, blocks = params.get("text"), params.get("blocks")
    if blocks is not None and (problems := block_problems(blocks, max_blocks=MESSAGE_MAX_BLOCKS)):
        return "invalid_blocks", problems
    if isinstance(text, str) and len(text) > MESSAGE_MAX_TEXT:
        return "msg_too_long", list(_too_long(text, MESSAGE_MAX_TEXT, "/text"))
    if not text and not blocks and not params.get("attachments"):
        return "no_text", ["a message needs text, blocks or attachments"]
    metadata = params.get("metadata")
    if metadata is not None and not _metadata_ok(metadata):
        problem = _pointer("/metadata", "needs event_type and event_payload")
        return "invalid_metadata_format", [problem]
    return None


def _metadata_ok(metadata: Any) -> bool:
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    )


def view_problems(view: Any) -> list[str]:
    """Problems of a modal or Home tab view, [] when Slack would accept it."""
    if not isinstance(view, dict):
        return [_pointer("/view", "must provide an object")]
    problems = list(_view_field_problems(view))
    blocks = view.get("blocks", [])
    problems += block_problems(blocks, max_blocks=VIEW_MAX_BLOCKS, ptr="/view/blocks")
    if problems:
        return problems
    try:
        # Slack accepts a view without blocks; slack_sdk insists on at least one.
        View(**{**view, "blocks": view.get("blocks") or [{"type": "divider"}]}).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError) as exc:
        return [_pointer("/view", str(exc))]
    return []


def _view_field_problems(view: Params) -> Iterator[str]:
    kind = view.get("type")
    if kind not in ("modal", "home"):
        yield _pointer("/view/type", f"unsupported view type: {kind!r}")
    if kind == "modal" and not isinstance(view.get("title"), dict):
        yield _pointer("/view/title", "must provide an object")
    for key in ("title", "submit", "close"):
        if isinstance(view.get(key), dict):
            yield from _too_long(view[key].get("text"), 24, f"/view/{key}/text")
    yield from _too_long(view.get("private_metadata"), 3000, "/view/private_metadata")
    yield from _too_long(view.get("callback_id"), 255, "/view/callback_id")
    yield from _too_long(view.get("external_id"), 255, "/view/external_id")


# --------------------------------------------------------------------------------------------
# Request parsing helpers
# --------------------------------------------------------------------------------------------


def parse_params(query: str, body: bytes, content_type: str) -> Params:
    """Query string + form or JSON body; JSON-valued form fields decoded."""
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    if body and "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(data, dict):
            raise SlackError("invalid_json")
        params.update(data)
    elif body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key in JSON_PARAMS & params.keys():
        if isinstance(params[key], str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def id_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def ts_key(ts: Any) -> int:
    """A Slack timestamp ("1700000000.000100") as integer microseconds; ValueError if malformed."""
    seconds, _, fraction = str(ts).partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(ts)
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])


def format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _public(record: Params, *, drop: Iterable[str] = ()) -> Params:
    """A copy without internal keys and None values."""
    hidden = {"members", *drop}
    return {k: v for k, v in record.items() if v is not None and k not in hidden}


def _bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _check_channel_name(name: str) -> None:
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if any(c.isupper() or not (c.isalnum() or c in "-_") for c in name):
        raise SlackError("invalid_name_specials")
    if all(c in "-_" for c in name):
        raise SlackError("invalid_name_punctuation")


# --------------------------------------------------------------------------------------------
# The HTTP server
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("fake slack: connection error from %s", client_address, exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake slack: " + format, *args)

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind, _, rest = url.path.strip("/").partition("/")
        fake = self.server.fake
        if kind == "api" and rest:
            reply = fake._handle_api(rest, url.query, body, dict(self.headers.items()))
        elif kind == "response" and rest:
            reply = fake._handle_response_url(rest, body)
        elif kind == "upload" and rest:
            reply = fake._handle_upload(rest, body)
        else:
            reply = text_reply(404, "not_found")
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            pass


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeSlack:
    team_id = "T0OWN"
    bot_user_id = "UBOT"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)  # never reset: ids stay unique across reset()
        self.base = ""
        self.url = ""
        self._reset_state()

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.fake = self
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self.url = f"{self.base}/api/"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget calls, faults and state; keep the server running."""
        with self._lock:
            self._reset_state()

    def _reset_state(self) -> None:
        self.calls: list[Call] = []
        self.invalid: list[tuple[str, list[str]]] = []
        self.responses: list[Params] = []
        self.errors: list[str] = []  # bugs in the fake itself, surfaced for debugging
        self._faults: dict[str, list[_Fault]] = {}
        self.users: dict[str, Params] = {}
        self.channels: dict[str, Params] = {}
        self.messages: dict[str, list[Params]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.ephemerals: list[Params] = []
        self.views: dict[str, Params] = {}
        self.home_views: dict[str, Params] = {}
        self.files: dict[str, Params] = {}
        self.pins: list[tuple[str, str]] = []
        # What the bot token was granted (what manifest.yml asks for); tests take some away.
        self.scopes: set[str] = set(manifest_bot_scopes())
        # The error every call answers once the token is revoked (`revoke`), else None.
        self.revoked: str | None = None
        self._last_ts = 0
        self.add_user(self.bot_user_id, name="onboard", real_name="Onboard", is_bot=True)
        self.add_channel("C0GENERAL", "general")

    # ---- recorded calls ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def last(self, method: str) -> Params:
        """Params of the latest call to `method`."""
        calls = self.calls_to(method)
        assert calls, f"no call to {method}; recorded: {[c.method for c in self.calls]}"
        return calls[-1].params

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Params], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[Call]:
        """Block until `count` calls to `method` match `predicate(params)`; return them."""

        def found() -> list[Call]:
            return [c for c in self.calls if c.method == method and _matches(predicate, c.params)]

        def describe() -> str:
            return f"{count} call(s) to {method}; recorded: {[c.method for c in self.calls]}"

        return self._wait(found, count, timeout, describe)

    def wait_for_call(
        self, predicate: Callable[[Call], bool], timeout: float = 5.0, since: int = 0
    ) -> Call:
        """Block until a call recorded at or after index `since` satisfies `predicate`."""

        def found() -> list[Call]:
            return [c for c in self.calls[since:] if predicate(c)]

        return self._wait(found, 1, timeout, lambda: f"a matching call; recorded: {self.calls}")[0]

    def wait_for_response(
        self,
        predicate: Callable[[Params], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[Params]:
        """Block until `count` response-URL posts match `predicate(body)`; return them."""

        def found() -> list[Params]:
            return [r for r in self.responses if _matches(predicate, r)]

        return self._wait(found, count, timeout, lambda: f"{count} response(s): {self.responses}")

    def _wait(
        self, found: Callable[[], list], count: int, timeout: float, describe: Callable[[], str]
    ) -> list:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(hits := found()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {describe()}")
                self._changed.wait(remaining)
            return hits

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # ---- state -----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "",
        real_name: str = "",
        email: str | None = None,
        team_id: str | None = None,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str | None = "America/New_York",
        tz_offset: int | None = None,
    ) -> Params:
        name = name or user_id.lower()
        real_name = real_name or name
        team = team_id or self.team_id
        profile = {
            "real_name": real_name,
            "display_name": name,
            "real_name_normalized": real_name,
            "display_name_normalized": name,
            "team": team,
            "email": email,
        }
        user = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            **_tz_fields(tz, tz_offset),
            "updated": int(time.time()),
            "profile": {k: v for k, v in profile.items() if v is not None},
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def set_user_tz(self, user_id: str, tz: str | None, tz_offset: int | None = None) -> None:
        """Move a user to `tz` (None: a user whose users.info carries no time zone)."""
        with self._lock:
            user = self.users[user_id]
            for key in ("tz", "tz_label", "tz_offset"):
                user.pop(key, None)
            user.update(_tz_fields(tz, tz_offset))

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_ext_shared: bool = False,
        is_member: bool = True,
        members: Iterable[str] = (),
        is_archived: bool = False,
    ) -> Params:
        member_ids = list(dict.fromkeys([*members, *([self.bot_user_id] if is_member else [])]))
        channel = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_general": name == "general",
            "is_shared": is_ext_shared,
            "is_ext_shared": is_ext_shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "is_member": is_member,
            "context_team_id": self.team_id,
            "created": int(time.time()),
            "creator": self.bot_user_id,
            "topic": _blank_topic(),
            "purpose": _blank_topic(),
            "members": member_ids,
        }
        with self._lock:
            self.channels[channel_id] = channel
        return channel

    def add_im(self, user_id: str) -> str:
        """The DM between the bot and `user_id` (as a slash command from it names it)."""
        with self._lock:
            return str(self._open_im(user_id)["id"])

    def revoke(self, error: str = "token_revoked") -> None:
        """The app was uninstalled or its token revoked: every call answers `error`
        (Slack says token_revoked, invalid_auth or account_inactive) until `reinstate()`."""
        with self._lock:
            self.revoked = error

    def reinstate(self) -> None:
        with self._lock:
            self.revoked = None

    def add_message(
        self,
        channel_id: str,
        text: str = "",
        *,
        user: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list | None = None,
        metadata: Params | None = None,
        **extra: Any,
    ) -> Params:
        """Seed a message (e.g. a customer's) as if it had been posted in `channel_id`."""
        with self._lock:
            params = {"text": text, "blocks": blocks, "metadata": metadata, "thread_ts": thread_ts}
            message = self._store_message(channel_id, params, user=user, ts=ts)
            message.update(extra)
            if user and user != self.bot_user_id:
                message.pop("bot_id", None)
                message.pop("app_id", None)
            return message

    def messages_in(self, channel_id: str) -> list[Params]:
        with self._lock:
            return list(self.messages.get(channel_id, []))

    # ---- faults ----------------------------------------------------------------------------

    def fail(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        self._add_fault(method, _Fault("fail", error, times))

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        self._add_fault(method, _Fault("rate_limit", retry_after, times))

    def server_error(self, method: str, times: int = 1, status: int = 500) -> None:
        self._add_fault(method, _Fault("server_error", None, times, status))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        self._add_fault(method, _Fault("delay", seconds, times))

    def lose_response(self, method: str, how: int | float | str = 500, times: int = 1) -> None:
        """The call takes effect (the message is stored), then its answer is lost: a 5xx
        status (`how` an int), a dropped connection (`how="drop"`), or an answer that comes
        after `how` seconds (a float), when the client has timed out."""
        self._add_fault(method, _Fault("lost", how, times))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    # ---- response URLs and uploads -----------------------------------------------------------

    def response_url(self) -> str:
        return f"{self.base}/response/{next(self._ids)}"

    def _handle_response_url(self, ident: str, body: bytes) -> Reply:
        """Record the JSON body (valid or not); refuse bad Block Kit with 400 like Slack."""
        if not ident.isdigit():
            return text_reply(404, "no_active_hooks")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return text_reply(400, "invalid_payload")
        with self._changed:
            self.responses.append(payload)
            self._changed.notify_all()
            problems = None if payload.get("delete_original") else message_problems(payload)
            if problems:
                self.invalid.append(("response_url", problems[1]))
                return text_reply(400, problems[0])
        return json_reply({"ok": True})

    def _handle_upload(self, file_id: str, body: bytes) -> Reply:
        with self._lock:
            record = self.files.get(file_id)
            if record is None:
                return text_reply(404, "file_not_found")
            record["content"] = body
            record["uploaded"] = True
        return text_reply(200, f"OK - {len(body)}")

    # ---- the Web API -------------------------------------------------------------------------

    def _handle_api(self, method: str, query: str, body: bytes, headers: dict[str, str]) -> Reply:
        at = time.time()
        fault = self._take_fault(method)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.value)  # outside the lock; the call then takes effect as usual
            fault = None
        lost, fault = (fault, None) if fault is not None and fault.kind == "lost" else (None, fault)
        headers = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            try:
                params = parse_params(query, body, headers.get("content-type", ""))
            except SlackError as exc:
                params, reply = {}, json_reply({"ok": False, "error": exc.error})
            else:
                token = _bearer(headers.get("authorization", "")) or params.get("token")
                reply = fault.reply() if fault else self._dispatch(method, params, token)
            self._record(Call(method, params, at, reply.status, reply.payload))
        if lost is not None:
            return _lost_reply(lost.value, reply)
        return reply

    def _dispatch(self, method: str, params: Params, token: str | None) -> Reply:
        handler = HANDLERS.get(method)
        try:
            if handler is None:
                raise SlackError("unknown_method")
            if not token:
                raise SlackError("not_authed")
            if not str(token).startswith("xox"):
                raise SlackError("invalid_auth")
            if self.revoked:
                raise SlackError(self.revoked)
            payload = {"ok": True, **handler(self, params)}
        except SlackError as exc:
            payload = {"ok": False, "error": exc.error, **exc.extra}
        except Exception as exc:  # a bug in the fake: answer, and keep it visible
            log.exception("fake slack: %s crashed", method)
            self.errors.append(f"{method}: {exc!r}")
            payload = {"ok": False, "error": "fake_internal_error", "detail": repr(exc)}
        return json_reply(payload)

    # ---- lookups shared by handlers ------------------------------------------------------------

    def _channel(self, params: Params, key: str = "channel") -> Params:
        ref = str(params.get(key) or "")
        channel = self.channels.get(ref) or next(
            (c for c in self.channels.values() if ref.lstrip("#") == c.get("name")), None
        )
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def _member_channel(self, params: Params, key: str = "channel") -> Params:
        channel = self._channel(params, key)
        if not channel["is_member"]:
            raise SlackError("not_in_channel")
        return channel

    def _postable(self, params: Params) -> Params:
        """The conversation a message goes to; a user id means the DM with that user."""
        ref = str(params.get("channel") or "")
        if ref in self.users:
            return self._open_im(ref)
        channel = self._channel(params)
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if not channel["is_member"]:
            raise SlackError("not_in_channel")
        return channel

    def _open_im(self, user_id: str) -> Params:
        im_id = f"D{user_id}"
        if im_id not in self.channels:
            self.channels[im_id] = {
                "id": im_id,
                "is_im": True,
                "is_channel": False,
                "is_group": False,
                "is_mpim": False,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "is_ext_shared": False,
                "is_shared": False,
                "user": user_id,
                "context_team_id": self.team_id,
                "created": int(time.time()),
                "members": [self.bot_user_id, user_id],
            }
        return self.channels[im_id]

    def _user(self, user_id: Any, error: str = "user_not_found") -> Params:
        user = self.users.get(str(user_id or ""))
        if user is None:
            raise SlackError(error)
        return user

    def _message(self, channel_id: str, ts: Any) -> Params:
        for message in self.messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _next_ts(self) -> str:
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return format_ts(self._last_ts)

    def _store_message(
        self, channel_id: str, params: Params, *, user: str | None = None, ts: str | None = None
    ) -> Params:
        if ts is not None:
            self._last_ts = max(self._last_ts, ts_key(ts))
        message = {
            "type": "message",
            "ts": ts or self._next_ts(),
            "user": user or self.bot_user_id,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": params.get("text") or "",
            "blocks": params.get("blocks") or [],
            "metadata": params.get("metadata"),
            "thread_ts": params.get("thread_ts"),
        }
        if params.get("attachments"):
            message["attachments"] = params["attachments"]
        if flag(params.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def _validate(
        self, method: str, problems: tuple[str, list[str]] | None, error: str | None = None
    ) -> None:
        if problems:
            slack_error, messages = problems
            self.invalid.append((method, messages))
            raise SlackError(
                error or slack_error,
                errors=messages,
                response_metadata={"messages": [f"[ERROR] {m}" for m in messages]},
            )

    def _require(self, scope: str) -> None:
        if scope not in self.scopes:
            provided = ",".join(sorted(self.scopes))
            raise SlackError("missing_scope", needed=scope, provided=provided)

    def _public_channel(self, channel: Params, *, num_members: bool = False) -> Params:
        out = _public(channel)
        if num_members:
            out["num_members"] = len(channel.get("members", []))
        return out

    # ---- handlers: auth, chat ------------------------------------------------------------------

    def _auth_test(self, p: Params) -> Params:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "onboard",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, p: Params) -> Params:
        self._validate("chat.postMessage", message_problems(p))
        channel = self._postable(p)
        message = self._store_message(channel["id"], p)
        return {"channel": channel["id"], "ts": message["ts"], "message": _public(message)}

    def _chat_post_ephemeral(self, p: Params) -> Params:
        self._validate("chat.postEphemeral", message_problems(p))
        channel = self._postable(p)
        user = self._user(p.get("user"))
        ephemeral = {
            "channel": channel["id"],
            "user": user["id"],
            "text": p.get("text") or "",
            "blocks": p.get("blocks") or [],
            "thread_ts": p.get("thread_ts"),
            "message_ts": self._next_ts(),
        }
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral["message_ts"]}

    def _chat_update(self, p: Params) -> Params:
        self._validate("chat.update", message_problems(p))
        channel = self._channel(p)
        message = self._message(channel["id"], p.get("ts"))
        for key in ("text", "blocks", "metadata", "attachments"):
            if key in p:
                message[key] = p[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel["id"],
            "ts": message["ts"],
            "text": message["text"],
            "message": _public(message),
        }

    def _chat_delete(self, p: Params) -> Params:
        channel = self._channel(p)
        message = self._message(channel["id"], p.get("ts"))
        self.messages[channel["id"]].remove(message)
        return {"channel": channel["id"], "ts": message["ts"]}

    def _chat_get_permalink(self, p: Params) -> Params:
        channel = self._channel(p)
        message = self._message(channel["id"], p.get("message_ts"))
        digits = message["ts"].replace(".", "")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel['id']}/p{digits}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel['id']}"
        return {"channel": channel["id"], "permalink": link}

    # ---- handlers: conversations ---------------------------------------------------------------

    def _conversations_info(self, p: Params) -> Params:
        channel = self._channel(p)
        self._require(READ_SCOPES[_conversation_type(channel)])
        with_count = flag(p.get("include_num_members"))
        return {"channel": self._public_channel(channel, num_members=with_count)}

    def _conversations_list(self, p: Params) -> Params:
        wanted = set(id_list(p.get("types") or "public_channel"))
        channels = [
            self._public_channel(c)
            for c in self.channels.values()
            if _conversation_type(c) in wanted
            and not (flag(p.get("exclude_archived")) and c["is_archived"])
        ]
        return {"channels": channels, "response_metadata": {"next_cursor": ""}}

    def _conversations_create(self, p: Params) -> Params:
        name = str(p.get("name") or "")
        _check_channel_name(name)
        if any(c.get("name") == name for c in self.channels.values()):
            raise SlackError("name_taken")
        channel_id = f"C{next(self._ids):08d}X"
        channel = self.add_channel(channel_id, name, is_private=flag(p.get("is_private")))
        return {"channel": self._public_channel(channel)}

    def _conversations_invite(self, p: Params) -> Params:
        channel = self._channel(p)
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if not channel["is_member"]:
            raise SlackError("not_in_channel")
        user_ids = id_list(p.get("users"))
        if not user_ids:
            raise SlackError("no_user")
        for user_id in user_ids:
            self._check_invitable(channel, user_id)
        new = [u for u in user_ids if u not in channel["members"]]
        if not new:
            raise SlackError("already_in_channel")
        channel["members"].extend(new)
        return {"channel": self._public_channel(channel)}

    def _check_invitable(self, channel: Params, user_id: str) -> None:
        if user_id == self.bot_user_id:
            raise SlackError("cant_invite_self")
        user = self.users.get(user_id)
        if user is None:
            raise SlackError(
                "user_not_found", errors=[{"user": user_id, "ok": False, "error": "user_not_found"}]
            )
        if user["deleted"] or (user["team_id"] != self.team_id and not channel["is_ext_shared"]):
            raise SlackError("cant_invite")
        if (
            user["is_ultra_restricted"]
            and user_id not in channel["members"]
            and any(
                user_id in c.get("members", []) for c in self.channels.values() if not c["is_im"]
            )
        ):
            raise SlackError("ura_max_channels")

    def _conversations_join(self, p: Params) -> Params:
        channel = self._channel(p)
        if channel["is_private"] or channel["is_im"]:
            raise SlackError("method_not_supported_for_channel_type")
        if channel["is_archived"]:
            raise SlackError("is_archived")
        extra = {"warning": "already_in_channel"} if channel["is_member"] else {}
        channel["is_member"] = True
        if self.bot_user_id not in channel["members"]:
            channel["members"].append(self.bot_user_id)
        return {"channel": self._public_channel(channel), **extra}

    def _conversations_open(self, p: Params) -> Params:
        if p.get("channel"):
            return {"channel": {"id": self._channel(p)["id"]}}
        user_ids = id_list(p.get("users"))
        if not user_ids:
            raise SlackError("users_list_not_supplied")
        if len(user_ids) > 1:
            raise SlackError("method_not_supported_for_channel_type")  # no group DMs here
        user = self._user(user_ids[0])
        if user["deleted"]:
            raise SlackError("user_disabled")
        already = f"D{user['id']}" in self.channels
        im = self._open_im(user["id"])
        channel = self._public_channel(im) if flag(p.get("return_im")) else {"id": im["id"]}
        return {"channel": channel, "no_op": already, "already_open": already}

    def _conversations_history(self, p: Params) -> Params:
        channel = self._member_channel(p)
        oldest = _ts_param(p, "oldest", "0")
        latest = _ts_param(p, "latest", "99999999999")
        inclusive = flag(p.get("inclusive"))
        found = [
            m
            for m in self.messages.get(channel["id"], [])
            if _is_top_level(m) and _in_range(ts_key(m["ts"]), oldest, latest, inclusive)
        ]
        found.sort(key=lambda m: ts_key(m["ts"]), reverse=True)
        drop = () if flag(p.get("include_all_metadata")) else ("metadata",)
        return _page(found, p, "messages", lambda m: _public(m, drop=drop))

    def _conversations_replies(self, p: Params) -> Params:
        channel = self._member_channel(p)
        parent = self._message(channel["id"], p.get("ts"))
        thread = [
            m
            for m in self.messages.get(channel["id"], [])
            if m is parent or m.get("thread_ts") == parent["ts"]
        ]
        thread.sort(key=lambda m: ts_key(m["ts"]))
        drop = () if flag(p.get("include_all_metadata")) else ("metadata",)
        return _page(thread, p, "messages", lambda m: _public(m, drop=drop))

    def _conversations_members(self, p: Params) -> Params:
        channel = self._channel(p)
        return _page(list(channel.get("members", [])), p, "members", lambda m: m)

    # ---- handlers: pins, reactions, users, usergroups -------------------------------------------

    def _pins_add(self, p: Params) -> Params:
        channel = self._member_channel(p)
        if not p.get("timestamp"):
            raise SlackError("no_item_specified")
        message = self._message(channel["id"], p["timestamp"])
        if (channel["id"], message["ts"]) in self.pins:
            raise SlackError("already_pinned")
        self.pins.append((channel["id"], message["ts"]))
        message["pinned_to"] = [channel["id"]]
        return {}

    def _reactions_add(self, p: Params) -> Params:
        channel = self._channel(p)
        if not p.get("name"):
            raise SlackError("invalid_name")
        message = self._message(channel["id"], p.get("timestamp"))
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == p["name"]), None)
        if reaction is None:
            reaction = {"name": p["name"], "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise SlackError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {}

    def _users_info(self, p: Params) -> Params:
        return {"user": self._user(p.get("user"))}

    def _users_list(self, p: Params) -> Params:
        return _page(list(self.users.values()), p, "members", lambda u: u)

    def _users_lookup_by_email(self, p: Params) -> Params:
        email = str(p.get("email") or "").lower()
        for user in self.users.values():
            if email and str(user["profile"].get("email", "")).lower() == email:
                return {"user": user}
        raise SlackError("users_not_found")

    def _usergroups_users_list(self, p: Params) -> Params:
        group = str(p.get("usergroup") or "")
        if group not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    # ---- handlers: views -----------------------------------------------------------------------

    def _views_open(self, p: Params) -> Params:
        return self._open_view("views.open", p)

    def _views_push(self, p: Params) -> Params:
        return self._open_view("views.push", p)

    def _open_view(self, method: str, p: Params) -> Params:
        if not p.get("trigger_id"):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
            )
        self._validate_view(method, p.get("view"))
        self._check_external_id(p["view"])
        return {"view": self._store_view(p["view"])}

    def _views_update(self, p: Params) -> Params:
        current = self._find_view(p)
        if p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._validate_view("views.update", p.get("view"))
        return {"view": self._store_view(p["view"], current)}

    def _views_publish(self, p: Params) -> Params:
        user = self._user(p.get("user_id"))
        self._validate_view("views.publish", p.get("view"))
        if p["view"].get("type") != "home":
            raise SlackError("invalid_arguments")
        current = self.home_views.get(user["id"])
        if p.get("hash") and current and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self.home_views[user["id"]] = self._store_view(p["view"], current)
        return {"view": self.home_views[user["id"]]}

    def _validate_view(self, method: str, view: Any) -> None:
        """Slack answers invalid_arguments (not invalid_blocks) for a bad view."""
        problems = view_problems(view)
        self._validate(method, ("invalid_arguments", problems) if problems else None)

    def _check_external_id(self, view: Params) -> None:
        external_id = view.get("external_id")
        if external_id and any(v["external_id"] == external_id for v in self.views.values()):
            raise SlackError("duplicate_external_id")

    def _find_view(self, p: Params) -> Params:
        if p.get("view_id"):
            found = self.views.get(p["view_id"])
        elif p.get("external_id"):
            found = next(
                (v for v in self.views.values() if v["external_id"] == p["external_id"]), None
            )
        else:
            raise SlackError("invalid_arguments")
        if found is None:
            raise SlackError("not_found")
        return found

    def _store_view(self, view: Params, current: Params | None = None) -> Params:
        view_id = current["id"] if current else f"V{next(self._ids):08d}X"
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }
        self.views[view_id] = stored
        return stored

    # ---- handlers: files -----------------------------------------------------------------------

    def _files_get_upload_url_external(self, p: Params) -> Params:
        if not p.get("filename") or not str(p.get("length") or "").isdigit():
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}X"
        self.files[file_id] = {
            "id": file_id,
            "name": p["filename"],
            "title": p["filename"],
            "length": int(p["length"]),
            "content": None,
            "uploaded": False,
            "shared": False,
        }
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, p: Params) -> Params:
        entries = p.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        records = [self._uploaded_file(entry) for entry in entries]
        channel = self._member_channel(p, "channel_id") if p.get("channel_id") else None
        for entry, record in zip(entries, records, strict=True):
            record.update(
                title=entry.get("title") or record["name"],
                shared=channel is not None,
                channel_id=channel and channel["id"],
                initial_comment=p.get("initial_comment"),
                thread_ts=p.get("thread_ts"),
            )
        return {"files": [{"id": r["id"], "title": r["title"]} for r in records]}

    def _uploaded_file(self, entry: Any) -> Params:
        record = self.files.get(entry.get("id")) if isinstance(entry, dict) else None
        if record is None or not record["uploaded"]:
            raise SlackError("file_not_found")
        return record


def _lost_reply(how: int | float | str, reply: Reply) -> Reply:
    if how == "drop":
        return Reply(0, b"", drop=True)
    if isinstance(how, int):
        return _Fault("server_error", None, 1, how).reply()
    time.sleep(float(how))  # the client gave up before this answer
    return reply


def _matches(predicate: Callable[[Params], bool] | None, params: Params) -> bool:
    if predicate is None:
        return True
    try:
        return bool(predicate(params))
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _tz_offset(tz: str) -> int:
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _tz_fields(tz: str | None, tz_offset: int | None = None) -> Params:
    """users.info's `tz` (IANA name), `tz_label` and `tz_offset` (seconds east of UTC, now);
    none of them for a user without a zone."""
    if tz is None:
        return {}
    offset = _tz_offset(tz) if tz_offset is None else tz_offset
    return {"tz": tz, "tz_label": tz, "tz_offset": offset}


def _blank_topic() -> Params:
    return {"value": "", "creator": "", "last_set": 0}


def _conversation_type(channel: Params) -> str:
    if channel["is_im"]:
        return "im"
    if channel["is_mpim"]:
        return "mpim"
    return "private_channel" if channel["is_private"] else "public_channel"


def _ts_param(p: Params, key: str, default: str) -> int:
    try:
        return ts_key(p.get(key) or default)
    except ValueError:
        raise SlackError(f"invalid_ts_{key}") from None


def _in_range(ts: int, oldest: int, latest: int, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest


def _is_top_level(message: Params) -> bool:
    thread_ts = message.get("thread_ts")
    broadcast = message.get("subtype") == "thread_broadcast"
    return not thread_ts or thread_ts == message["ts"] or broadcast


def _page(items: list, p: Params, key: str, render: Callable[[Any], Any]) -> Params:
    """Cursor pagination: cursors are "offset:<n>"."""
    cursor = str(p.get("cursor") or "offset:0")
    if not cursor.startswith("offset:") or not cursor[7:].isdigit():
        raise SlackError("invalid_cursor")
    start = int(cursor[7:])
    limit = max(1, min(int(p.get("limit") or 100), 1000))
    end = start + limit
    more = end < len(items)
    return {
        key: [render(item) for item in items[start:end]],
        "has_more": more,
        "response_metadata": {"next_cursor": f"offset:{end}" if more else ""},
    }


HANDLERS: dict[str, Handler] = {
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.update": FakeSlack._chat_update,
    "chat.delete": FakeSlack._chat_delete,
    "chat.getPermalink": FakeSlack._chat_get_permalink,
    "conversations.info": FakeSlack._conversations_info,
    "conversations.list": FakeSlack._conversations_list,
    "conversations.create": FakeSlack._conversations_create,
    "conversations.invite": FakeSlack._conversations_invite,
    "conversations.join": FakeSlack._conversations_join,
    "conversations.open": FakeSlack._conversations_open,
    "conversations.history": FakeSlack._conversations_history,
    "conversations.replies": FakeSlack._conversations_replies,
    "conversations.members": FakeSlack._conversations_members,
    "pins.add": FakeSlack._pins_add,
    "reactions.add": FakeSlack._reactions_add,
    "users.info": FakeSlack._users_info,
    "users.list": FakeSlack._users_list,
    "users.lookupByEmail": FakeSlack._users_lookup_by_email,
    "usergroups.users.list": FakeSlack._usergroups_users_list,
    "views.open": FakeSlack._views_open,
    "views.push": FakeSlack._views_push,
    "views.update": FakeSlack._views_update,
    "views.publish": FakeSlack._views_publish,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url_external,
    "files.completeUploadExternal": FakeSlack._files_complete_upload_external,
}
