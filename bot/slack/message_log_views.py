"""The "Log on onboarding" message shortcut: its modal, reading it back, and the ephemeral
confirmation. Pure functions: no database, no Slack calls."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.services.blockers import REASON_MAX
from bot.services.hypercare import TITLE_MAX, IssueSeverity
from bot.services.message_log import (
    LinkedOnboarding,
    LogField,
    LogKind,
    MessageLogForm,
    MessageLogged,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.hypercare_views import build_issue_blocks
from bot.slack.ids import MessageLogId, StatusId
from bot.slack.mrkdwn import Mrkdwn, escape, mention, truncate

KIND_LABELS = {LogKind.BLOCKER: "Blocker", LogKind.ISSUE: "Hypercare issue"}
_ANGLED = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_SPECIAL = {"!channel": "@channel", "!here": "@here", "!everyone": "@everyone"}
_PERMALINK = re.compile(r"^https://[^\s<>|]+$")


class MessageLogMetadata(BaseModel):
    """`private_metadata` of the modal: the message, and the onboarding its channel is
    linked to (when one is)."""

    channel_id: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    linked_onboarding_id: int | None = None
    linked_company: str | None = None
    linked_in_hypercare: bool = False

    @property
    def linked(self) -> LinkedOnboarding | None:
        if self.linked_onboarding_id is None or self.linked_company is None:
            return None
        return LinkedOnboarding(
            self.linked_onboarding_id, self.linked_company, self.linked_in_hypercare
        )

    @property
    def offers_issue(self) -> bool:
        """A hypercare issue is offered unless the linked onboarding is known not in hypercare."""
        return self.linked is None or self.linked_in_hypercare


def readable_text(text: str) -> str:
    """A message's Slack mrkdwn as plain readable text: links as `label (url)`, channels as
    `#name`, @channel/@here as words, entities decoded; user mentions are kept as they are."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return match.group(0)
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            return _SPECIAL.get(target) or label or ""
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_ANGLED.sub(replace, text)).strip()


def _kind_options(metadata: MessageLogMetadata) -> list[dict[str, Any]]:
    kinds = [LogKind.BLOCKER, LogKind.ISSUE] if metadata.offers_issue else [LogKind.BLOCKER]
    return [bk.option(KIND_LABELS[k], k.value) for k in kinds]


def build_message_log_modal(metadata: MessageLogMetadata, message_text: str) -> dict[str, Any]:
    """The modal, prefilled with the linked customer and the message's text."""
    issue_first = metadata.linked is not None and metadata.linked_in_hypercare
    limit = TITLE_MAX if issue_first else REASON_MAX
    linked = metadata.linked
    blocks = [
        bk.input_block(
            LogField.CUSTOMER,
            "Customer",
            bk.text_element(
                MessageLogId.INPUT,
                linked.company_name if linked else "",
                placeholder="Customer name (forgiving: acme mfg)",
            ),
            hint="Linked to this channel." if linked else "",
        ),
        bk.input_block(
            LogField.KIND,
            "What",
            bk.radio_element(
                MessageLogId.INPUT,
                _kind_options(metadata),
                initial=(LogKind.ISSUE if issue_first else LogKind.BLOCKER).value,
            ),
            hint="" if metadata.offers_issue else "Hypercare issues start at go-live.",
        ),
    ]
    if metadata.offers_issue:
        severities = [bk.option(f"{s.value} ({s.label})", s.value) for s in IssueSeverity]
        blocks.append(
            bk.input_block(
                LogField.SEVERITY,
                "Severity",
                bk.select_element(MessageLogId.INPUT, severities, placeholder="P1 to P4"),
                optional=True,
                hint="For a hypercare issue: it sets the SLA clocks.",
            )
        )
    blocks.append(
        bk.input_block(
            LogField.TEXT,
            "Title / reason",
            bk.text_element(
                MessageLogId.INPUT,
                truncate(readable_text(message_text), limit),
                multiline=True,
                max_length=REASON_MAX,
            ),
            hint=f"A blocker's reason, or the issue's title (its first {TITLE_MAX} characters).",
        )
    )
    return {
        "type": "modal",
        "callback_id": MessageLogId.VIEW,
        "title": bk.plain("Log on onboarding", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Log"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": blocks,
    }


def read_message_log_form(form: ViewForm, metadata: MessageLogMetadata) -> MessageLogForm:
    kind = form.choice(LogField.KIND)
    severity = form.choice(LogField.SEVERITY)
    return MessageLogForm(
        customer=form.text(LogField.CUSTOMER),
        kind=LogKind(kind) if kind in set(LogKind) else None,
        severity=IssueSeverity(severity) if severity in set(IssueSeverity) else None,
        text=form.text(LogField.TEXT),
        linked=metadata.linked,
    )


def _source_line(permalink: str | None) -> Mrkdwn:
    if permalink and _PERMALINK.match(permalink):
        return Mrkdwn(f"Logged from <{permalink}|this message>.")
    return Mrkdwn("Logged from a message here.")


def build_logged_message(
    logged: MessageLogged, permalink: str | None, now: datetime
) -> tuple[str, list[bk.Block]]:
    """The ephemeral confirmation to the user who logged it: the number, the message's link
    and a Status button."""
    status = bk.actions(
        bk.button("Status", StatusId.OPEN_STATUS, str(logged.onboarding_id)),
    )
    if logged.issue is not None:
        issue = logged.issue
        text = f"Issue #{issue.number} opened for {escape(issue.company_name)}"
        blocks = [*build_issue_blocks(issue, now), bk.context(_source_line(permalink)), status]
        return text, blocks
    blocker = logged.blocker
    assert blocker is not None
    number = blocker.open_count  # the newest open blocker: last on the status card
    head = Mrkdwn(
        f":no_entry: Blocker *#{number}* added to *{escape(blocker.company_name)}*: "
        f"{escape(truncate(blocker.reason, 500))} "
        f"(owner {mention(blocker.owner_user_id)}; {blocker.open_count} open)."
    )
    text = f"Blocker #{number} added to {escape(blocker.company_name)}"
    return text, [bk.section(head), bk.context(_source_line(permalink)), status]
