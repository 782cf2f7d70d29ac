"""The launch messages in the customer channel: pure builders from a `LaunchMessage`.

Wording in templates/messages/launch_before.j2 and launch_after.j2. Only names, dates and the
CSM: safe in a channel shared with the customer.
"""

from __future__ import annotations

from bot.services.launch_messages import LAUNCH_AFTER_KIND, LAUNCH_BEFORE_KIND, LaunchMessage
from bot.slack import blocks as bk
from bot.slack.mrkdwn import render
from bot.slack.rendering import Rendered, renderer

WEEK = 7


def when(m: LaunchMessage) -> str:
    """The go-live day as the customer reads it on the day the message was queued."""
    weekday = f"{m.go_live_on:%A}"
    if m.days <= 1:
        return "tomorrow"
    return f"next {weekday}" if m.days >= WEEK else f"this {weekday}"


def build_launch_before(m: LaunchMessage) -> Rendered:
    text = bk.fallback_text(f"Go-live is {when(m)} for {m.company_name}: what to expect")
    return Rendered(text, [bk.section(render("launch_before", m=m, when=when(m)))])


def build_launch_after(m: LaunchMessage) -> Rendered:
    text = bk.fallback_text(f"{m.company_name} is live: how is it going?")
    return Rendered(text, [bk.section(render("launch_after", m=m))])


RENDERERS = {
    LAUNCH_BEFORE_KIND: renderer(LaunchMessage, build_launch_before),
    LAUNCH_AFTER_KIND: renderer(LaunchMessage, build_launch_after),
}
