"""The grouped stall alert: every signal of one onboarding in one message, with its answers.

Per signal: what is wrong (the `what` template of templates/signals.yml, user values escaped),
since when, the intervention and who should act. Buttons for the whole group: Acknowledge,
Snooze 1 day, Snooze 3 days, Open status. Any number of signals fits Slack's 50 blocks.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Template, TemplateError
from pydantic import BaseModel, ConfigDict, Field

from bot.services.alerts import ALERT_KIND, AlertGroup, AlertItem
from bot.services.signals import (
    SAMPLE_FACTS,
    AlertSeverity,
    SignalCatalog,
    SignalCatalogError,
    load_catalog,
    typed_facts,
)
from bot.slack import blocks as bk
from bot.slack.ids import AlertId, StatusId
from bot.slack.mrkdwn import Mrkdwn, channel_link, day, environment, escape, mention, render
from bot.slack.rendering import Rendered, renderer

SEVERITY_MARK = {
    AlertSeverity.CRITICAL: ":rotating_light:",
    AlertSeverity.HIGH: ":red_circle:",
    AlertSeverity.MEDIUM: ":large_orange_circle:",
    AlertSeverity.LOW: ":large_yellow_circle:",
}
REASON_NOTE = {
    "worse": " _(worse)_",
    "reminder": " _(reminder)_",
    "snooze over": " _(snooze over)_",
    "acknowledgement over": " _(acknowledgement over, still there)_",
}
STATUS_BLOCK = "alert-status"
ACTIONS_BLOCK = "alert-actions"
FIXED_BLOCKS = 3  # header, actions, status line
IDS_IN_VALUE_MAX = 150  # keeps a button value under Slack's 2,000 characters
HINT = "Acknowledge quiets reminders unless a signal gets worse; snooze pauses them."


class AlertAction(BaseModel):
    """The value of the alert buttons: which onboarding, which alerts, how long a snooze."""

    model_config = ConfigDict(extra="forbid")
    o: int
    a: list[int] = Field(min_length=1)
    d: int = 0


@functools.cache
def _template(source: str) -> Template:
    return environment().from_string(source)


def check_wording(catalog: SignalCatalog) -> SignalCatalog:
    """Render every `what` template against its signal's sample facts, so a template naming a
    fact that does not exist (or a filter that does not) stops start-up, naming the field."""
    for where, kind, source in catalog.wordings():
        try:
            _template(source).render(**SAMPLE_FACTS[kind])
        except TemplateError as exc:
            raise SignalCatalogError(f"{catalog.path}: {where}.{kind}.what: {exc}") from None
    return catalog


def load_checked_catalog(templates_dir: Path) -> SignalCatalog:
    """The catalog of a templates directory, its wording checked."""
    return check_wording(load_catalog(templates_dir))


def what(item: AlertItem) -> Mrkdwn:
    facts = typed_facts(item.signal.kind, item.signal.facts)
    return Mrkdwn(_template(item.definition.what).render(**facts).strip())


def who_acts(item: AlertItem, group: AlertGroup) -> Mrkdwn:
    people: list[str] = []
    for actor in item.definition.act:
        if actor == "csm":
            people.append(mention(group.csm_user_id))
        elif actor == "ae":
            people.append(mention(group.ae_user_id))
        elif actor == "subject_owner" and item.signal.facts.get("subject_owner"):
            people.append(mention(item.signal.facts["subject_owner"]))
        elif actor == "leadership":
            where = (
                f" in {channel_link(group.escalation_channel_id)}"
                if group.escalation_channel_id
                else ""
            )
            people.append(f"CS leadership{where}")
    return Mrkdwn(", ".join(dict.fromkeys(people))) or mention(group.csm_user_id)


def signal_text(item: AlertItem, group: AlertGroup) -> Mrkdwn:
    signal = item.signal
    return render(
        "alert_signal",
        mark=SEVERITY_MARK[signal.severity],
        definition=item.definition,
        severity=signal.severity.value,
        note=REASON_NOTE.get(item.reason, ""),
        what=what(item),
        since=signal.since.astimezone(group.timezone).date(),
        who=who_acts(item, group),
    )


def alert_text(group: AlertGroup) -> str:
    count = len(group.items)
    return f"Stall alert: {escape(group.company_name)}, {count} signal{'s' if count != 1 else ''}"


def build_alert_blocks(group: AlertGroup) -> list[bk.Block]:
    room = bk.MAX_MESSAGE_BLOCKS - FIXED_BLOCKS
    shown = group.items if len(group.items) <= room else group.items[: room - 1]
    body = [bk.section(signal_text(item, group)) for item in shown]
    if len(shown) < len(group.items):
        left = len(group.items) - len(shown)
        body.append(bk.context(f"…and {left} more signals; open the status for all of them."))
    ids = [item.alert_id for item in group.items][:IDS_IN_VALUE_MAX]
    blocks = [
        bk.header(f"Stall alert: {group.company_name}"),
        *body,
        bk.actions(
            bk.button("Acknowledge", AlertId.ACKNOWLEDGE, _value(group, ids), style="primary"),
            bk.button("Snooze 1 day", AlertId.SNOOZE_1, _value(group, ids, 1)),
            bk.button("Snooze 3 days", AlertId.SNOOZE_3, _value(group, ids, 3)),
            bk.button("Open status", StatusId.OPEN_STATUS, str(group.onboarding_id)),
            block_id=ACTIONS_BLOCK,
        ),
        {**bk.context(HINT), "block_id": STATUS_BLOCK},
    ]
    return bk.fit_message(blocks)


def _render_alert(group: AlertGroup) -> Rendered:
    return Rendered(alert_text(group), build_alert_blocks(group))


RENDERERS = {ALERT_KIND: renderer(AlertGroup, _render_alert)}


def _value(group: AlertGroup, ids: list[int], days: int = 0) -> str:
    return AlertAction(o=group.onboarding_id, a=ids, d=days).model_dump_json()


def with_alert_status(blocks: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The alert message as posted, its status line saying who answered and how."""
    status = {**bk.context(text), "block_id": STATUS_BLOCK}
    kept = [b for b in blocks if b.get("block_id") != STATUS_BLOCK]
    return bk.fit_message([*kept, status])


def snoozed_verb(days: int) -> str:
    return f"Snoozed for {days} day{'s' if days != 1 else ''}"


def answered_text(
    verb: str, actor: str, at: datetime, tz: ZoneInfo, until: datetime | None
) -> Mrkdwn:
    local = at.astimezone(tz)
    text = f":white_check_mark: {verb} by {mention(actor)} on {day(local.date())} {local:%H:%M}"
    if until is not None:
        text += f"; reminders resume {day(until.astimezone(tz).date())}"
    return Mrkdwn(text + ".")
