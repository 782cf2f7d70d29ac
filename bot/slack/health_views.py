"""The weekly health check modal and its (ephemeral, internal) result.

Pure functions of typed input: no database, no Slack calls."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.services.health import (
    ASKED,
    COMPUTED,
    NOTE_MAX,
    RATINGS,
    Colour,
    HealthEntry,
    HealthForm,
    HealthInvalid,
    HealthResult,
    ProgressFacts,
)
from bot.slack import blocks as bk
from bot.slack.forms import ViewForm
from bot.slack.ids import HealthId
from bot.slack.mrkdwn import Mrkdwn, escape, mention, render
from bot.slack.status_sections import adoption_text
from bot.slack.status_views import HEALTH_STATUS_ICON, trend_text

COLOUR_ICON = {
    Colour.GREEN: ":large_green_circle:",
    Colour.YELLOW: ":large_yellow_circle:",
    Colour.RED: ":red_circle:",
}
INTERNAL_NOTE = "Only you can see this: health is internal and never goes to the customer."


class HealthMetadata(BaseModel):
    """`private_metadata`: the onboarding, and where to answer once the check is saved."""

    onboarding_id: int
    channel_id: str | None = None


def area_block_id(area_key: str) -> str:
    return f"{HealthId.AREA}-{area_key}"


def rating_block_id(component: str) -> str:
    return f"{HealthId.RATING}-{component}"


def read_health_form(form: ViewForm) -> HealthEntry:
    """The health modal's fields as typed input."""
    yes = {
        block.removeprefix(f"{HealthId.AREA}-"): set(form.choice_ids(block))
        for block in form.block_ids(HealthId.AREA)
    }
    ratings: dict[str, int | None] = {c: None for c in ASKED}
    for block in form.block_ids(HealthId.RATING):
        component, value = block.removeprefix(f"{HealthId.RATING}-"), form.choice(block) or ""
        if component in ratings and value.isascii() and value.isdigit():
            ratings[component] = int(value)
    return HealthEntry(yes=yes, ratings=ratings, note=form.text(HealthId.NOTE))


def health_errors(invalid: HealthInvalid) -> dict[str, str]:
    """The service's errors by component, as Slack wants them: by block id."""
    return {
        (HealthId.NOTE.value if key == "note" else rating_block_id(key)): message
        for key, message in invalid.errors.items()
    }


def progress_text(progress: ProgressFacts) -> str:
    if progress.due == 0:
        return "nothing due yet"
    overdue = f", {progress.overdue} overdue" if progress.overdue else ", none overdue"
    return f"{progress.on_time} of {progress.due} due milestones done on time{overdue}"


def _rating_options(words: dict[int, str] | Any) -> list[dict[str, Any]]:
    return [bk.option(f"{r} · {words.get(r, '')}", str(r)) for r in RATINGS]


def _area_block(area: Any) -> bk.Block:
    options = [bk.option(question, str(i)) for i, question in enumerate(area.questions)]
    return bk.input_block(
        area_block_id(area.key),
        f"{area.name}: tick each that is true (YES)",
        bk.checkboxes_element(HealthId.INPUT, options),
        optional=True,
    )


def _rating_block(form: HealthForm, component: str) -> bk.Block:
    definition = form.components[component]
    initial, hint = None, definition.hint
    if component == "sentiment" and form.sentiment is not None:
        initial = str(form.sentiment.rating)
        count = form.sentiment.responses
        hint = (
            f"Prefilled from {count} customer response{'s' if count != 1 else ''} of the last "
            f"{form.sentiment_window_days} days (pulse 1-5; survey satisfaction 1-10 put on 1-5). "
            "Change it if you know better."
        )
    if component == "adoption" and form.adoption_rating is not None and form.adoption:
        initial = str(form.adoption_rating)
        hint = (
            f"Prefilled from usage on {form.adoption.as_of:%b} {form.adoption.as_of.day}: "
            f"{adoption_text(form.adoption).split(': ', 1)[1]}. Change it if you know better."
        )
    element = bk.select_element(
        HealthId.INPUT,
        _rating_options(form.rating_words),
        initial=initial,
        placeholder="Rate 1 to 5",
    )
    label = f"{definition.name} (weight {form.weights.get(component, 0)}%)"
    return bk.input_block(rating_block_id(component), label, element, hint=hint)


def build_health_modal(form: HealthForm, metadata: HealthMetadata) -> dict[str, Any]:
    progress = form.components[COMPUTED]
    blocks: list[bk.Block] = [
        bk.section(Mrkdwn(f"Weekly health check for *{escape(form.company_name)}*.")),
    ]
    if form.previous is not None:
        previous = form.previous
        blocks.append(
            bk.context(
                Mrkdwn(
                    f"Last check {previous.checked_at:%b} {previous.checked_at.day} by "
                    f"{mention(previous.checked_by)}: {previous.score}/100, "
                    f"{escape(previous.status_name)}."
                )
            )
        )
    blocks += [_area_block(area) for area in form.areas]
    blocks.append(bk.divider())
    blocks.append(
        bk.section(
            Mrkdwn(
                f"*{escape(progress.name)}* (weight {form.weights.get(COMPUTED, 0)}%, computed "
                f"from the plan, not asked): *{form.progress.rating}/5* · "
                f"{progress_text(form.progress)}"
            )
        )
    )
    blocks += [_rating_block(form, component) for component in ASKED]
    note = bk.text_element(HealthId.INPUT, multiline=True, max_length=NOTE_MAX)
    blocks.append(bk.input_block(HealthId.NOTE, "Note", note, optional=True))
    blocks.append(bk.context(INTERNAL_NOTE))
    return {
        "type": "modal",
        "callback_id": HealthId.VIEW,
        "title": bk.plain("Health check", bk.MODAL_TITLE_MAX),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.model_dump_json(),
        "blocks": blocks,
    }


def result_text(result: HealthResult) -> str:
    a = result.assessment
    return f"Health check for {escape(result.company_name)}: {a.score}/100, {a.status.name}"


def build_health_result_blocks(result: HealthResult, component_names: dict[str, str]) -> list:
    """What the CSM sees once the check is saved: score, status, trend and the response."""
    a = result.assessment
    icon = HEALTH_STATUS_ICON.get(a.status.key, "")
    ratings = " · ".join(
        f"{escape(component_names.get(c, c))} {r}" + (" (computed)" if c == COMPUTED else "")
        for c, r in a.ratings.items()
    )
    answered = sum(len(area) for area in a.answers.values())
    colour = f"{COLOUR_ICON[a.colour]} {a.no_count} NO of {answered} answers: {a.colour.value}" + (
        f". {escape(result.red_response)}" if result.red_response else ""
    )
    return [
        bk.section(
            render("health_result", icon=icon, result=result, a=a, trend=trend_text(result.trend))
        ),
        bk.section(Mrkdwn(f"{colour}\n{ratings}")),
        bk.context(INTERNAL_NOTE),
    ]


def build_notice_view(text: Mrkdwn) -> dict[str, Any]:
    """The modal replaced by a short notice (the check could not be saved)."""
    return {
        "type": "modal",
        "title": bk.plain("Health check", bk.MODAL_TITLE_MAX),
        "close": bk.plain("Close"),
        "blocks": [bk.section(text)],
    }
