"""bot/slack/mrkdwn.count: the noun agrees with the number, so no message says "issue(s)"."""

from __future__ import annotations

import pytest

from bot.slack.mrkdwn import count


@pytest.mark.parametrize(
    ("n", "said"),
    [(0, "0 onboardings"), (1, "1 onboarding"), (2, "2 onboardings"), (1000, "1000 onboardings")],
)
def test_count_takes_an_s_unless_there_is_exactly_one(n: int, said: str) -> None:
    assert count(n, "onboarding") == said


def test_count_keeps_the_words_before_the_noun() -> None:
    assert count(1, "P1/P2 issue") == "1 P1/P2 issue"
    assert count(3, "P1/P2 issue") == "3 P1/P2 issues"


@pytest.mark.parametrize(
    ("n", "said"), [(0, "0 SLA breaches"), (1, "1 SLA breach"), (2, "2 SLA breaches")]
)
def test_count_with_an_irregular_plural(n: int, said: str) -> None:
    assert count(n, "SLA breach", plural="SLA breaches") == said
