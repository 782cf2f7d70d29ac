"""A Web API client that writes what Onboard would post to a terminal instead of Slack.

Used by `onboard demo`: the real builders and services run; only the transport differs.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")


def blocks_to_text(blocks: list[dict[str, Any]], names: Callable[[str], str]) -> str:
    """Block Kit as plain readable lines (no JSON)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_readable(block["text"]["text"], names))
            lines.extend(
                _readable(f["text"], names).replace("\n", ": ", 1) for f in block.get("fields", [])
            )
        elif kind == "context":
            lines.append(
                "  "
                + " ".join(_readable(e.get("text", ""), names) for e in block.get("elements", []))
            )
        elif kind == "actions":
            lines.append(
                "  "
                + "  ".join(
                    f"[{e['text']['text']}]" for e in block["elements"] if e.get("type") == "button"
                )
            )
        elif kind == "divider":
            lines.append("  ---")
    return "\n".join(lines)


def _readable(text: str, names: Callable[[str], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "!" and target.startswith("date^"):
            return label or target  # a moment shown in the reader's zone: its fallback
        return ("@" if sigil == "@" else "#") + (label or names(target))

    return html.unescape(_MENTION.sub(replace, text))


class TerminalSlack(WebClient):
    """Answers like Slack, prints instead of posting."""

    def __init__(
        self,
        names: dict[str, str],
        out: Callable[[str], None] = print,
        shared_channels: frozenset[str] = frozenset(),
    ) -> None:
        # No retry handlers: nothing here can fail, and the outbox sender uses such a client
        # as it is (it must not re-send on its own).
        super().__init__(token="xoxb-demo", base_url="http://127.0.0.1:9/", retry_handlers=[])
        self.names = names
        self.shared_channels = shared_channels
        self.out = out
        self.clock_label: Callable[[], str] = lambda: ""
        self._ts = itertools.count(1)
        self._texts: dict[str, str] = {}
        self._pins: set[tuple[str, str]] = set()
        self.posts = 0

    def readable_name(self, target: str) -> str:
        """The name shown for a user or channel id."""
        return self.names.get(target, target)

    def readable(self, text: str) -> str:
        """mrkdwn as a person reads it: names for mentions, entities decoded."""
        return _readable(text, self.readable_name)

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: Any = None,
        data: Any = None,
        params: Any = None,
        json: Any = None,
        headers: Any = None,
        auth: Any = None,
    ) -> SlackResponse:
        args = {**(params or {}), **(data or {}), **(json or {})}
        body: dict[str, Any] = {"ok": True}
        if api_method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            body.update(self._print_message(api_method, args))
        elif api_method == "conversations.info":
            channel = args.get("channel", "")
            body["channel"] = {
                "id": channel,
                "name": self.readable_name(channel),
                "is_ext_shared": channel in self.shared_channels,
            }
        elif api_method == "conversations.create":
            channel_id = "CINT" + args["name"].upper().replace("-", "")[:8]
            self.names[channel_id] = args["name"]
            self.out(f"{self.clock_label()}  created private channel #{args['name']}")
            body["channel"] = {"id": channel_id, "name": args["name"]}
        elif api_method == "conversations.open":
            body["channel"] = {"id": "D" + str(args.get("users", "")).split(",")[0]}
        elif api_method == "chat.getPermalink":
            digits = str(args.get("message_ts", "")).replace(".", "")
            body["permalink"] = f"https://demo.slack.com/archives/{args.get('channel')}/p{digits}"
        elif api_method in ("conversations.history", "conversations.replies"):
            body["messages"] = []
        elif api_method == "pins.add" and (args["channel"], args["timestamp"]) not in self._pins:
            self._pins.add((args["channel"], args["timestamp"]))
            self.out(
                f"{self.clock_label()}  Onboard pins it in #{self.readable_name(args['channel'])}"
            )
        elif api_method == "auth.test":
            body.update(team_id="TDEMO", user_id="UBOT")
        return SlackResponse(
            client=self,
            http_verb=http_verb,
            api_url=api_method,
            req_args=args,
            data=body,
            headers={},
            status_code=200,
        )

    def _print_message(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if channel.startswith(("U", "W", "D")):
            where = "DM to @" + self.readable_name(channel.removeprefix("D"))
        else:
            where = "#" + self.readable_name(channel)
        verb = {"chat.update": "edits", "chat.postEphemeral": "shows"}.get(method, "posts")
        text = blocks_to_text(args.get("blocks") or [], self.readable_name) or _readable(
            args.get("text", ""), self.readable_name
        )
        thread = " (in thread)" if args.get("thread_ts") else ""
        ts = args.get("ts") or f"{next(self._ts)}.000100"
        previous = self._texts.get(ts)
        self._texts[ts] = text
        if previous is not None:
            # An edit shows only the lines that changed: the rest the reader has seen.
            text = "\n".join(_changed_lines(previous, text)) or "(no visible change)"
        self.out(f"{self.clock_label()}  Onboard {verb} in {where}{thread}:")
        self.out("    " + text.replace("\n", "\n    "))
        self.posts += 1
        return {"channel": channel, "ts": ts}


def _changed_lines(before: str, after: str) -> list[str]:
    seen = set(before.splitlines())
    return [f"~ {line.strip()}" for line in after.splitlines() if line not in seen]
