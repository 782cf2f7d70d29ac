"""The tech-touch journey in Slack: a step as the customer sees it, its copy for the CSM when
there is no customer channel, and the "Need help?" page to the owner.

Pure builders (no database, no Slack calls). A step is read by the customer: it holds the
playbook's wording, the company name (escaped), a mention of the CSM and the button, and
nothing internal. `RENDERERS` turn the queued `JourneyStep` and `HelpPage` into messages.
"""

from __future__ import annotations

import functools

from jinja2 import Template
from pydantic import BaseModel, ValidationError

from bot.services.journey import HELP_KIND, KIND, HelpPage, JourneyStep, step_name
from bot.slack import blocks as bk
from bot.slack.ids import JourneyId
from bot.slack.mrkdwn import Mrkdwn, channel_link, environment, escape, mention
from bot.slack.rendering import Rendered, renderer

HELP_BUTTON = "Need help?"


class HelpValue(BaseModel):
    """The "Need help?" button: which onboarding and which step."""

    onboarding_id: int
    step: str


def parse_help_value(raw: str | None) -> HelpValue | None:
    try:
        return HelpValue.model_validate_json(raw or "")
    except ValidationError:
        return None


@functools.cache
def _template(message: str) -> Template:
    return environment().from_string(message)


def render_step(message: str, *, company: str, csm_user_id: str, day: int) -> Mrkdwn:
    """A step's wording, through the shared environment: the company name is escaped, the CSM
    is a mention. Line breaks in the YAML block scalar are already folded."""
    text = _template(message).render(company=company, csm=mention(csm_user_id), day=day)
    return Mrkdwn(text.strip())


def build_step_blocks(onboarding_id: int, step: str, text: Mrkdwn) -> list[bk.Block]:
    value = HelpValue(onboarding_id=onboarding_id, step=step).model_dump_json()
    return [
        bk.section(text),
        bk.actions(bk.button(HELP_BUTTON, JourneyId.HELP, value), block_id=JourneyId.STEP),
    ]


def build_step_dm_blocks(company: str, step: str, day: int, text: Mrkdwn) -> list[bk.Block]:
    """The step for the CSM, by DM, when the onboarding has no customer channel."""
    note = Mrkdwn(
        f":information_source: *{escape(company)}* has no customer channel, so the journey's "
        f"*{escape(step_name(step))}* step (day {day}) comes to you. Pass it on if it helps; "
        "set a customer channel to have the next steps posted there."
    )
    return [bk.context(note), bk.section(text)]


def help_page_text(user_id: str, channel_id: str | None, company: str, step: str) -> Mrkdwn:
    where = f" in {channel_link(channel_id)}" if channel_id else ""
    return Mrkdwn(
        f"{mention(user_id)}{where} asked for help on *{escape(company)}* "
        f"(step: {escape(step_name(step))})"
    )


def build_help_page_blocks(
    user_id: str, channel_id: str | None, company: str, step: str, link: str | None
) -> list[bk.Block]:
    blocks = [bk.section(Mrkdwn(":sos: " + help_page_text(user_id, channel_id, company, step)))]
    if link:
        blocks.append(bk.context(Mrkdwn(f"<{escape(link)}|Open the message> and reach out.")))
    return blocks


def render_step_post(fact: JourneyStep) -> Rendered:
    text = render_step(
        fact.message, company=fact.company_name, csm_user_id=fact.csm_user_id, day=fact.day
    )
    if fact.in_channel:
        blocks = build_step_blocks(fact.onboarding_id, fact.step, text)
    else:
        blocks = build_step_dm_blocks(fact.company_name, fact.step, fact.day, text)
    return Rendered(bk.fallback_text(text), blocks)


def render_help_page(page: HelpPage) -> Rendered:
    text = help_page_text(page.user_id, page.channel_id, page.company_name, page.step)
    blocks = build_help_page_blocks(
        page.user_id, page.channel_id, page.company_name, page.step, page.link
    )
    return Rendered(bk.fallback_text(text), blocks)


RENDERERS = {
    KIND: renderer(JourneyStep, render_step_post),
    HELP_KIND: renderer(HelpPage, render_help_page),
}


def help_thanks_text(csm_user_id: str) -> Mrkdwn:
    return Mrkdwn(f"Thanks — {mention(csm_user_id)} has been told and will reach out.")


HELP_GONE_TEXT = "Thanks. Please post your question in this channel and the team will answer."
