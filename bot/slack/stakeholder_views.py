"""The stakeholder map card and its modal (`/onboard stakeholders <customer>`).

Sentiment, detractors and notes are internal: the card is only ever an ephemeral reply to a
member of our own organisation (the guard refuses anyone else), never a channel post.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.models import StakeholderRole
from bot.services.stakeholder_changes import StakeholderChange
from bot.services.stakeholders import (
    Level,
    Person,
    Sentiment,
    StakeholderField,
    StakeholderForm,
    StakeholderMap,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import StakeholderId
from bot.slack.mrkdwn import Mrkdwn, day, escape, mention, truncate

F = StakeholderField
WITH_BUTTONS_MAX = 22  # header, notes and the add button + two blocks each: under 50
SENTIMENT_ICON = {
    Sentiment.CHAMPION: ":star:",
    Sentiment.SUPPORTER: ":large_green_circle:",
    Sentiment.NEUTRAL: ":white_circle:",
    Sentiment.SKEPTIC: ":large_yellow_circle:",
    Sentiment.DETRACTOR: ":red_circle:",
}
LEVEL_LABELS = {Level.HIGH: "High", Level.LOW: "Low"}
SENTIMENT_LABELS = {s: s.value.capitalize() for s in Sentiment}


class StakeholderMetadata(bk.CardModalMetadata):
    """`private_metadata` of the modal: whom it edits (None: a new one)."""

    stakeholder_id: int | None = None


def _ago(moment: datetime | None, today: date) -> str:
    if moment is None:
        return "never"
    days = (today - moment.date()).days
    when = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
    return f"{day(moment.date())} ({when})" if days > 1 else when


def _contact(p: Person) -> str:
    parts = [mention(p.slack_user_id)] if p.slack_user_id else []
    if p.email:
        parts.append(escape(p.email))
    return " · ".join(parts)


def person_text(p: Person, today: date) -> Mrkdwn:
    title = f" · {escape(truncate(p.title, 100))}" if p.title else ""
    grid = (
        f"power {p.power or '?'} / interest {p.interest or '?'}"
        + (f" ({p.quadrant})" if p.quadrant else "")
        if p.power or p.interest
        else "power/interest not set"
    )
    feeling = (
        f"{SENTIMENT_ICON.get(Sentiment(p.sentiment), '')} {p.sentiment}"
        if p.sentiment in set(Sentiment)
        else "sentiment not set"
    )
    lines = [
        f"*{escape(truncate(p.name, 100))}*{title}",
        f"{escape(p.role_label)} · {grid} · {feeling}",
        f"Last contact: {_ago(p.last_contact_at, today)}"
        + (f" · {_contact(p)}" if _contact(p) else ""),
    ]
    if p.notes:
        lines.append(f"_{escape(truncate(' '.join(p.notes.split()), 300))}_")
    return Mrkdwn("\n".join(lines))


def _buttons(p: Person) -> bk.Block:
    depart = bk.button("Mark departed", StakeholderId.DEPART, str(p.stakeholder_id), "danger")
    champion = (
        " They are the champion: the champion-loss checklist is added." if (p.is_champion) else ""
    )
    depart["confirm"] = {
        "title": bk.plain("Mark departed?", bk.MODAL_TITLE_MAX),
        "text": bk.md(
            Mrkdwn(f"*{escape(truncate(p.name, 100))}* has left the customer.{champion}")
        ),
        "confirm": bk.plain("Mark departed"),
        "deny": bk.plain("Cancel"),
        "style": "danger",
    }
    return bk.actions(
        bk.button("Edit", StakeholderId.EDIT, str(p.stakeholder_id)),
        bk.button("Log contact", StakeholderId.LOG_CONTACT, str(p.stakeholder_id)),
        depart,
    )


def build_stakeholder_blocks(
    stakeholders: StakeholderMap, today: date, notice: str = ""
) -> list[bk.Block]:
    """The map: each present stakeholder with Edit / Log contact / Mark departed, the departed
    ones listed after them, and Add stakeholder."""
    present = stakeholders.present
    blocks: list[bk.Block] = []
    if notice:
        blocks.append(bk.section(notice))
    blocks += [
        bk.header(f"Stakeholders · {stakeholders.company_name}"),
        bk.context(
            f"{len(present)} present (minimum {stakeholders.minimum}) · internal: sentiment and "
            "notes are for our team only"
        ),
    ]
    if stakeholders.single_threaded:
        blocks.append(
            bk.section(
                f":warning: Single-threaded: fewer than {stakeholders.minimum} customer "
                "stakeholders. Multi-thread: add another contact."
            )
        )
    for p in present[:WITH_BUTTONS_MAX]:
        blocks += [bk.section(person_text(p, today)), _buttons(p)]
    if len(present) > WITH_BUTTONS_MAX:
        rest = ", ".join(escape(p.name) for p in present[WITH_BUTTONS_MAX:])
        blocks.append(bk.section(Mrkdwn(truncate(f"*Also*: {rest}", bk.SECTION_TEXT_MAX))))
    departed = [p for p in stakeholders.people if p.departed]
    if departed:
        lines = [
            f"• ~{escape(truncate(p.name, 100))}~ ({escape(p.role_label)}), left "
            f"{day(p.departed_at.date()) if p.departed_at else '—'}"
            for p in departed[:20]
        ]
        blocks.append(bk.section(Mrkdwn(truncate("*Departed*\n" + "\n".join(lines), 2900))))
    blocks.append(
        bk.actions(
            bk.button(
                "Add stakeholder", StakeholderId.ADD, str(stakeholders.onboarding_id), "primary"
            )
        )
    )
    return bk.fit_message(blocks)


# ---- the modal -------------------------------------------------------------------------------


def _text_input(
    field: F,
    label: str,
    initial: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int = 200,
    placeholder: str = "",
) -> bk.Block:
    element = bk.text_element(
        StakeholderId.INPUT,
        initial,
        multiline=multiline,
        max_length=max_length,
        placeholder=placeholder,
    )
    return bk.input_block(field, label, element, optional=optional)


def _select(
    field: F, label: str, choices: list[tuple[str, str]], initial: str, *, optional: bool
) -> bk.Block:
    options = [bk.option(text, value) for value, text in choices]
    element = bk.select_element(StakeholderId.INPUT, options, initial=initial, placeholder="Choose")
    return bk.input_block(field, label, element, optional=optional)


def build_stakeholder_modal(
    metadata: StakeholderMetadata, company_name: str, form: StakeholderForm
) -> dict[str, Any]:
    user = bk.user_element(
        StakeholderId.INPUT, form.slack_user_id, placeholder="Their Slack user, if they have one"
    )
    levels = [(level.value, LEVEL_LABELS[level]) for level in Level]
    new = metadata.stakeholder_id is None
    return {
        "type": "modal",
        "callback_id": StakeholderId.VIEW,
        "title": bk.plain("Add stakeholder" if new else "Edit stakeholder", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Add" if new else "Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": [
            bk.context(
                Mrkdwn(
                    f"*{escape(company_name)}* · sentiment and notes are internal: they are "
                    "never shown in a channel shared with the customer."
                )
            ),
            _text_input(F.NAME, "Name", form.name),
            _text_input(F.TITLE, "Title", form.title, optional=True),
            _select(
                F.ROLE,
                "Role",
                [(r.value, r.label) for r in StakeholderRole],
                form.role,
                optional=False,
            ),
            _select(F.POWER, "Power", levels, form.power, optional=True),
            _select(F.INTEREST, "Interest", levels, form.interest, optional=True),
            _select(
                F.SENTIMENT,
                "Sentiment",
                [(s.value, SENTIMENT_LABELS[s]) for s in Sentiment],
                form.sentiment,
                optional=True,
            ),
            bk.input_block(F.SLACK_USER, "Slack user", user, optional=True),
            _text_input(
                F.EMAIL,
                "Email",
                form.email,
                optional=True,
                max_length=320,
                placeholder="name@company.com (or pick the Slack user above)",
            ),
            _text_input(
                F.NOTES, "Notes", form.notes, optional=True, multiline=True, max_length=2000
            ),
        ],
    }


def read_stakeholder_form(form: ViewForm) -> StakeholderForm:
    """The stakeholder modal's fields as typed input."""
    return StakeholderForm(
        name=form.text(F.NAME),
        title=form.text(F.TITLE),
        role=form.choice(F.ROLE) or "",
        power=form.choice(F.POWER) or "",
        interest=form.choice(F.INTEREST) or "",
        sentiment=form.choice(F.SENTIMENT) or "",
        slack_user_id=form.user(F.SLACK_USER),
        email=form.text(F.EMAIL),
        notes=form.text(F.NOTES),
    )


def build_notice_view(title: str, text: str) -> dict[str, Any]:
    """What replaces a modal that cannot be saved (no permission, gone)."""
    return {
        "type": "modal",
        "title": bk.plain(title, bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        # Domain messages are written as mrkdwn (mentions, escaped names).
        "blocks": [bk.section(Mrkdwn(text))],
    }


def contact_notice(change: StakeholderChange) -> Mrkdwn:
    return Mrkdwn(f":telephone_receiver: Contact with *{escape(change.name)}* logged.")


def departed_notice(change: StakeholderChange) -> Mrkdwn:
    name = escape(change.name)
    if not change.changed:
        return Mrkdwn(f"*{name}* was already marked departed.")
    if not change.was_champion:
        return Mrkdwn(f":wave: *{name}* marked departed.")
    added = (
        f" The champion-loss checklist ({len(change.checklist_added)} items) is on the "
        f"onboarding: `/onboard checklist {escape(change.company_name)}`."
        if change.checklist_added
        else " The champion-loss checklist is already open on the onboarding."
    )
    return Mrkdwn(
        f":rotating_light: The champion *{name}* marked departed.{added} The critical "
        "“champion gone” alert goes to the internal channel on the next stall-alert pass."
    )
