"""The bot scopes in manifest.yml are exactly those the code needs.

The Web API methods are read from the source of bot/, handlers/ and jobs/ (every
`<client>.<method>` of slack_sdk's WebClient, called or passed on, and every
`api_call("<method>")`), the bot events and features from the manifest; each maps to the scopes
Slack's reference gives for it (docs.slack.dev/reference/methods/<method>, .../events/<event>).
A new call fails here until its scopes are in the table and in manifest.yml; a scope nothing
uses any more fails here until it leaves the manifest.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from slack_sdk import WebClient

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "jobs")

_HISTORY = frozenset({"channels:history", "groups:history", "im:history"})
# Web API method -> the bot scopes Onboard needs for it, for the conversations it calls it on.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    # Is the channel a command came from shared? Any kind of conversation: public, private,
    # a DM (`/onboard status X share` from the app's DM asks too unless told it is one) and a
    # group DM, which may include people of another organisation.
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    # The outbox sender looks for a post that may have gone out (public, private, DMs), and the
    # timeline reads a pinned message (the linked channels).
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,
    "conversations.create": frozenset({"groups:write"}),  # the internal channel is private
    "conversations.invite": frozenset({"groups:write"}),  # into that private channel
    "conversations.join": frozenset({"channels:join"}),  # public channels only
    "conversations.open": frozenset({"im:write"}),  # one user: a DM
    "pins.add": frozenset({"pins:write"}),
    "users.info": frozenset({"users:read"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    "views.open": frozenset(),
    "views.push": frozenset(),
    "views.update": frozenset(),
    "views.publish": frozenset(),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
}
# slack_sdk helpers that are several Web API calls.
COMPOSITE = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
EVENT_SCOPES: dict[str, frozenset[str]] = {
    "app_home_opened": frozenset(),
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
    "reaction_added": frozenset({"reactions:read"}),
    "reaction_removed": frozenset({"reactions:read"}),
    # Who spoke when in the linked channels (the conversation signals).
    "message.channels": frozenset({"channels:history"}),
    "message.groups": frozenset({"groups:history"}),
}
WEB_API = frozenset(name for name in vars(WebClient) if not name.startswith("_"))


def web_api_methods(source: str) -> set[str]:
    """The Web API methods a module's source calls (or hands to a wrapper that calls them)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in WEB_API and node.attr != "api_call":
            found.update(COMPOSITE.get(node.attr, (node.attr.replace("_", "."),)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "api_call"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def code_methods() -> set[str]:
    return {
        method
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        for method in web_api_methods(path.read_text())
    }


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def needed_scopes(methods: set[str], app: dict) -> dict[str, set[str]]:
    """scope -> what needs it (Web API methods, `event:<type>`, `feature:<name>`)."""
    needs: dict[str, set[str]] = {}
    for method in methods:
        for scope in METHOD_SCOPES[method]:
            needs.setdefault(scope, set()).add(method)
    for event in app["settings"]["event_subscriptions"]["bot_events"]:
        for scope in EVENT_SCOPES[event]:
            needs.setdefault(scope, set()).add(f"event:{event}")
    for feature in ("slash_commands", "shortcuts"):
        if app["features"].get(feature):
            needs.setdefault("commands", set()).add(f"feature:{feature}")
    return needs


def test_the_scan_sees_calls_wrappers_and_api_call() -> None:
    source = """
client.chat_postMessage(channel="C1", text="x")
self._call(self.client.pins_add, channel="C1", timestamp="1.2")
actor.client.files_upload_v2(channel="C1", content=b"")
client.api_call("reactions.add", json={})
client.token, client.base_url, chat_postMessage_text()
"""
    assert web_api_methods(source) == {
        "chat.postMessage",
        "pins.add",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "reactions.add",
    }


def test_every_method_the_code_calls_has_its_scopes_in_the_table() -> None:
    methods = code_methods()
    assert {"chat.postMessage", "conversations.info", "views.open"} <= methods  # the scan works
    unknown = sorted(methods - set(METHOD_SCOPES))
    assert not unknown, f"add these to METHOD_SCOPES from Slack's method reference: {unknown}"
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert not events - set(EVENT_SCOPES), "add the new bot events' scopes to EVENT_SCOPES"


def test_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    app = manifest()
    needs = needed_scopes(code_methods(), app)
    declared = set(app["oauth_config"]["scopes"]["bot"])
    missing = {scope: sorted(needs[scope]) for scope in sorted(set(needs) - declared)}
    assert not missing, f"manifest.yml lacks scopes the code needs (scope: used by): {missing}"
    unused = sorted(declared - set(needs))
    assert not unused, f"manifest.yml asks for scopes nothing uses: {unused}"
    assert len(declared) == len(app["oauth_config"]["scopes"]["bot"]), "a scope listed twice"
