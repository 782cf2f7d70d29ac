"""A refused milestone is data in the domain and worded by bot/slack/refusals.py: user values are
escaped, long lists are cut."""

from __future__ import annotations

from bot.services.errors import NotFound
from bot.services.onboardings import MilestoneRefused, Refusal
from bot.slack.refusals import refusal_text


def test_open_integrations_are_named_escaped_and_cut_at_ten() -> None:
    names = [f"System <{i}> & co" for i in range(12)]
    text = refusal_text(
        MilestoneRefused(Refusal.INTEGRATIONS_OPEN, "A&B <Corp>", open_integrations=names)
    )
    assert text.startswith("Technical setup cannot complete until every integration")
    assert "*System &lt;0&gt; &amp; co*, *System &lt;1&gt; &amp; co*" in text
    assert "*System &lt;9&gt; &amp; co* and 2 more." in text and "&lt;10&gt;" not in text
    assert text.endswith("`/onboard setup A&amp;B &lt;Corp&gt;`.")


def test_first_value_refusals_name_the_command_and_the_criterion() -> None:
    unmet = MilestoneRefused(Refusal.FIRST_VALUE_NOT_MET, "Acme", criterion="x" * 300 + "<b>")
    text = refusal_text(unmet)
    assert "`/onboard criteria Acme` (“" + "x" * 200 + "”, with its evidence)." in text
    undefined = refusal_text(MilestoneRefused(Refusal.FIRST_VALUE_UNDEFINED, "<Acme>"))
    assert "`/onboard done &lt;Acme&gt; kickoff` asks for it" in undefined
    assert "cannot be marked done before it is defined" in str(
        MilestoneRefused(Refusal.FIRST_VALUE_UNDEFINED, "Acme")
    )


def test_other_refusals_say_their_message() -> None:
    assert (
        refusal_text(NotFound("Onboarding #3 does not exist.")) == "Onboarding #3 does not exist."
    )
