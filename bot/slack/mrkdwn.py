"""User text is data, never markup: escaping, truncation, and the one Jinja2 environment."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.config import DEFAULT_TEMPLATES_DIR
from bot.text import count

__all__ = ["Mrkdwn", "count", "escape", "mention", "render", "truncate"]

_ID = re.compile(r"^[UWCGDS][A-Z0-9]{2,}$")


class Mrkdwn(str):
    """Text that is already safe mrkdwn (built by us, with user parts escaped)."""

    __slots__ = ()


def escape(text: Any) -> Mrkdwn:
    """Escape the three characters Slack treats as control characters."""
    if isinstance(text, Mrkdwn):
        return text
    value = "" if text is None else str(text)
    return Mrkdwn(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """At most `limit` characters; an escaped entity is never cut in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(marker)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    result = cut + marker
    return Mrkdwn(result) if isinstance(text, Mrkdwn) else result


def mention(user_id: str | None) -> Mrkdwn:
    if not user_id or not _ID.match(user_id):
        return Mrkdwn("someone")
    return Mrkdwn(f"<@{user_id}>")


def usergroup(usergroup_id: str | None) -> Mrkdwn:
    if not usergroup_id or not _ID.match(usergroup_id):
        return Mrkdwn("a user group")
    return Mrkdwn(f"<!subteam^{usergroup_id}>")


def channel_link(channel_id: str | None) -> Mrkdwn:
    if not channel_id or not _ID.match(channel_id):
        return Mrkdwn("a channel")
    return Mrkdwn(f"<#{channel_id}>")


def money(value: Decimal | int | float) -> str:
    amount = Decimal(value)
    if amount >= 1_000_000:
        return f"${amount / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    if amount >= 1_000:
        return f"${amount / 1_000:.1f}".rstrip("0").rstrip(".") + "K"
    return f"${amount:,.0f}"


def day(value: date | None) -> str:
    return "—" if value is None else f"{value:%a %b} {value.day}, {value:%Y}"


def _finalize(value: Any) -> str:
    # Every {{ expression }} is escaped unless it was built as Mrkdwn by a filter above.
    return escape(value)


@cache
def environment(templates_dir: Path = DEFAULT_TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir / "messages"),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters.update(
        mention=mention,
        usergroup=usergroup,
        channel=channel_link,
        money=money,
        day=day,
        escape=escape,
        truncate_to=truncate,
    )
    return env


def render(name: str, **context: Any) -> Mrkdwn:
    """Render templates/messages/<name>.j2; user values in it are escaped."""
    return Mrkdwn(environment().get_template(f"{name}.j2").render(**context).strip())
