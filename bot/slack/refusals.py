"""What the user reads when a request is refused. Most domain errors carry their message; the
ones that carry data instead (bot/services/onboardings: MilestoneRefused, NotTheReceivingCsm) are
worded here, from templates/messages/refusal_*.j2, with every value escaped."""

from __future__ import annotations

from bot.services.errors import DomainError
from bot.services.onboardings import MilestoneRefused, NotTheReceivingCsm
from bot.slack.mrkdwn import render


def refusal_text(error: DomainError) -> str:
    if error.template is not None:
        return render(error.template, **error.facts)
    if isinstance(error, MilestoneRefused):
        return render(
            f"refusal_{error.reason}",
            company=error.company_name,
            criterion=error.criterion,
            open=error.open_integrations,
        )
    if isinstance(error, NotTheReceivingCsm):
        return render("refusal_not_the_receiving_csm", csm=error.csm_user_id)
    return str(error)
