"""The one customer picker: its buttons keep the action ids and values that messages already
posted carry, whichever feature asked."""

from __future__ import annotations

import json

from bot.services.lookup import CustomerRef
from bot.slack.ids import ChecklistId, HypercareId, StatusId
from bot.slack.picker import PICK_MAX, PickValue, build_pick_blocks, pick_action_pattern


def refs(n: int) -> list[CustomerRef]:
    return [CustomerRef(i, f"Acme <{i}> & Co", f"acme {i}") for i in range(1, n + 1)]


def test_a_button_per_candidate_with_the_feature_id_and_its_index() -> None:
    blocks = build_pick_blocks("acme", refs(2), "done", "kickoff", found=True, action_id="x-pick")
    assert blocks[0]["text"]["text"] == "Several customers match `acme`. Which one did you mean?"
    buttons = blocks[1]["elements"]
    assert [b["action_id"] for b in buttons] == ["x-pick-0", "x-pick-1"]
    assert json.loads(buttons[1]["value"]) == {"onboarding_id": 2, "sub": "done", "rest": "kickoff"}
    assert PickValue.model_validate_json(buttons[0]["value"]).onboarding_id == 1


def test_no_match_names_the_closest_or_says_there_are_none() -> None:
    closest = build_pick_blocks("<b>", refs(1), "status", "", found=False, action_id="x")
    assert (
        closest[0]["text"]["text"]
        == "I can't find a customer called `&lt;b&gt;`. The closest names:"
    )
    none = build_pick_blocks("zz", [], "status", "", found=False, action_id="x")
    assert none == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "I can't find a customer called `zz`. There are no open onboardings yet.",
            },
        }
    ]


def test_at_most_ten_buttons_and_the_rest_of_the_command_is_capped() -> None:
    blocks = build_pick_blocks("a", refs(12), "block", "x" * 2000, found=True, action_id="x")
    buttons = blocks[1]["elements"]
    assert len(buttons) == PICK_MAX
    assert len(PickValue.model_validate_json(buttons[0]["value"]).rest) == 1500


def test_the_pattern_takes_the_indexed_ids_and_the_bare_one_only() -> None:
    for feature in (StatusId.PICK_CUSTOMER, ChecklistId.PICK_CUSTOMER, HypercareId.PICK_CUSTOMER):
        pattern = pick_action_pattern(feature)
        assert pattern.match(f"{feature}-0") and pattern.match(f"{feature}-9")
        assert pattern.match(feature)
        assert not pattern.match(f"{feature}-x") and not pattern.match(f"{feature}-0-1")
    assert not pick_action_pattern(StatusId.PICK_CUSTOMER).match(ChecklistId.PICK_CUSTOMER)
