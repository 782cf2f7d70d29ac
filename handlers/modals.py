"""What the cards with modals (setup, stakeholders, commitments, success criteria, training)
share: a submitted modal saved in one transaction and answered, and the card redrawn after a
click or a modal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from bot.services.changes import ChangeInvalid
from bot.services.commitments import CommitmentInvalid
from bot.services.criteria import CriterionInvalid
from bot.services.errors import DomainError
from bot.services.integrations import IntegrationInvalid
from bot.services.message_log import MessageLogInvalid
from bot.services.replan import ReplanInvalid
from bot.services.stakeholders import StakeholderInvalid
from bot.services.training import TrainingInvalid
from bot.slack import blocks as bk
from bot.slack.deps import Deps
from bot.slack.mrkdwn import Mrkdwn, escape
from bot.slack.refusals import refusal_text
from bot.slack.stakeholder_views import build_notice_view

log = logging.getLogger(__name__)
Card = tuple[str, list[bk.Block]]
# The services' form errors: `errors` maps each wrong field (named like its block) to why.
FormInvalid = (
    ChangeInvalid
    | CommitmentInvalid
    | CriterionInvalid
    | IntegrationInvalid
    | MessageLogInvalid
    | ReplanInvalid
    | StakeholderInvalid
    | TrainingInvalid
)
T = TypeVar("T")


def save_modal(
    ack: Ack, deps: Deps, invalid: type[FormInvalid], title: str, save: Callable[[Session], T]
) -> T | None:
    """Run `save` in one transaction and answer the submission: `invalid` goes back as errors
    on the modal's fields, any other refusal replaces the modal with a notice titled `title`
    (both give None, nothing is stored); else it commits, the modal closes and `save`'s result
    is returned."""
    try:
        with deps.db.transaction() as session:
            change = save(session)
    except invalid as error:
        ack(response_action="errors", errors={str(k): v for k, v in error.errors.items()})
        return None
    except DomainError as refused:
        ack(response_action="update", view=build_notice_view(title, refusal_text(refused)))
        return None
    ack()
    return change


@dataclass(frozen=True)
class CardModal:
    """A card's modal: the title of its refusal notice, its form error, and the card it redraws
    (`card(deps, onboarding_id, notice)`)."""

    title: str
    invalid: type[FormInvalid]
    card: Callable[[Deps, int, str], Card]

    def submit(
        self,
        ack: Ack,
        client: WebClient,
        deps: Deps,
        opened: bk.CardModalMetadata,
        user_id: str,
        save: Callable[[Session], T],
        notice: Callable[[T], str],
    ) -> T | None:
        """Save (see `save_modal`), then redraw the card it was `opened` from, opening with
        `notice(change)`; the change, or None when nothing was saved."""
        change = save_modal(ack, deps, self.invalid, self.title, save)
        if change is not None:
            redraw(client, opened, user_id, self.card(deps, opened.onboarding_id, notice(change)))
        return change


class Saved(Protocol):
    """What a card modal's save returns: the row's name, and whether it was new or changed."""

    name: str
    added: bool
    changed: bool


def saved_notice(icon: str, change: Saved) -> Mrkdwn:
    """The line the redrawn card opens with: `*SAP ERP* added` / `saved` / `unchanged`."""
    verb = "added" if change.added else "saved" if change.changed else "unchanged"
    return Mrkdwn(f"{icon} *{escape(change.name)}* {verb}.")


def replace_card(respond: Respond, card: Card) -> None:
    """After a click on the card: the card again, in place."""
    text, blocks = card
    respond(
        text=bk.fallback_text(text), blocks=blocks, response_type="ephemeral", replace_original=True
    )


def redraw(client: WebClient, opened: bk.CardModalMetadata, user_id: str, card: Card) -> None:
    """After a modal: replace the card it was `opened` from (through the response URL of the
    click that opened it); a fresh ephemeral card when that cannot be done."""
    text, blocks = card
    if opened.response_url:
        response = WebhookClient(opened.response_url).send(
            text=bk.fallback_text(text),
            blocks=blocks,
            replace_original=True,
            response_type="ephemeral",
        )
        if response.status_code == 200:
            return
        log.info("card not redrawn through its response URL: %s", response.status_code)
    if opened.channel_id:
        try:
            client.chat_postEphemeral(
                channel=opened.channel_id, user=user_id, text=bk.fallback_text(text), blocks=blocks
            )
        except SlackApiError as exc:
            log.info("card not posted: %s", exc.response.get("error"))
