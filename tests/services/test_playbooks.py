"""The shipped playbooks under templates/playbooks and the errors of broken ones.

No database, no Slack: only `bot.playbooks` and the YAML files.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.playbooks import MilestoneDef, Playbook, PlaybookError, PlaybookLibrary, load_playbook

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHIPPED = TEMPLATES / "playbooks"

KEYS = ["self_serve", "smb", "mid_market", "enterprise"]
MILESTONE_KEYS = [
    "handoff",
    "kickoff",
    "technical_setup",
    "first_value",
    "training",
    "pilot",
    "go_live",
    "hypercare_exit",
    "transition",
]
GATE_GROUPS = {"technical", "operational", "business", "support"}

# domain.md, "Segments (by ARR)": duration range and time to first value, in calendar days.
DURATION_DAYS = {
    "enterprise": (90, 180),
    "mid_market": (60, 90),
    "smb": (30, 60),
    "self_serve": (14, 30),
}
FIRST_VALUE_MAX_DAYS = {"enterprise": 30, "mid_market": 14, "smb": 7, "self_serve": 7}
SEGMENT_NAMES = {
    "enterprise": "Enterprise",
    "mid_market": "Mid-Market",
    "smb": "SMB",
    "self_serve": "Self-Serve",
}
# domain.md, "Hypercare": 2-4 weeks.
HYPERCARE_BUSINESS_DAYS = (10, 20)

JOURNEY_PLACEHOLDERS = {"company", "csm", "day"}
JOURNEY_STEPS = [
    "welcome",
    "quick_start",
    "feature_tour",
    "progress_check",
    "use_case",
    "value_checkpoint",
    "power_tips",
    "success_check_in",
    "community",
    "graduation",
]
MARKUP = re.compile(r"[*_`~<>#\[\]|]")


def calendar_days(business_days: int) -> float:
    """Rough calendar length of a business-day offset (5 business days a week)."""
    return business_days * 7 / 5


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return PlaybookLibrary.load(TEMPLATES)


def playbook(library: PlaybookLibrary, key: str) -> Playbook:
    found = library.get(key)
    assert found is not None, f"no playbook {key!r}"
    return found


def milestone(book: Playbook, key: str) -> MilestoneDef:
    return next(m for m in book.milestones if m.key == key)


# ---------------------------------------------------------------- shipped playbooks


def test_all_four_playbooks_load(library: PlaybookLibrary) -> None:
    assert [p.key for p in library] == list(reversed(KEYS))
    assert sorted(path.stem for path in SHIPPED.glob("*.yml")) == sorted(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_file_name_matches_key_and_segment(library: PlaybookLibrary, key: str) -> None:
    book = load_playbook(SHIPPED / f"{key}.yml")
    assert book.key == key
    assert book.segment == SEGMENT_NAMES[key]
    assert playbook(library, key) == book


@pytest.mark.parametrize(
    ("arr", "expected"),
    [
        ("0", "self_serve"),
        ("4999.99", "self_serve"),
        ("5000", "smb"),
        ("24999", "smb"),
        ("25000", "mid_market"),
        ("99999.99", "mid_market"),
        ("100000", "enterprise"),
        ("10000000", "enterprise"),
    ],
)
def test_for_arr_picks_segment_at_boundaries(
    library: PlaybookLibrary, arr: str, expected: str
) -> None:
    assert library.for_arr(Decimal(arr)).key == expected


def test_arr_ranges_match_domain(library: PlaybookLibrary) -> None:
    ranges = {p.key: (p.arr_min, p.arr_max) for p in library}
    assert ranges == {
        "self_serve": (Decimal(0), Decimal(5000)),
        "smb": (Decimal(5000), Decimal(25000)),
        "mid_market": (Decimal(25000), Decimal(100000)),
        "enterprise": (Decimal(100000), None),
    }


@pytest.mark.parametrize("key", KEYS)
def test_milestones_have_the_nine_keys_in_order(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    assert [m.key for m in book.milestones] == MILESTONE_KEYS
    assert [m.key for m in book.milestones if m.first_value] == ["first_value"]
    assert [m.key for m in book.milestones if m.go_live] == ["go_live"]
    for m in book.milestones:
        assert m.done_when.strip(), f"{key}: milestone {m.key} has no done_when"


@pytest.mark.parametrize("key", KEYS)
def test_offsets_non_decreasing(library: PlaybookLibrary, key: str) -> None:
    """In list order; only the first-value milestone may sit earlier than its neighbours."""
    book = playbook(library, key)
    offsets = [m.offset_business_days for m in book.milestones if not m.first_value]
    assert offsets == sorted(offsets)
    first_value = milestone(book, "first_value").offset_business_days
    assert milestone(book, "kickoff").offset_business_days <= first_value
    assert first_value <= milestone(book, "go_live").offset_business_days


@pytest.mark.parametrize("key", KEYS)
def test_journey_fits_segment_duration(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    low, high = DURATION_DAYS[key]
    go_live = milestone(book, "go_live").offset_business_days
    hypercare_exit = milestone(book, "hypercare_exit").offset_business_days
    transition = milestone(book, "transition").offset_business_days

    assert HYPERCARE_BUSINESS_DAYS[0] <= book.hypercare_business_days <= HYPERCARE_BUSINESS_DAYS[1]
    assert hypercare_exit == go_live + book.hypercare_business_days
    assert hypercare_exit <= transition
    assert low <= calendar_days(transition) <= high
    assert calendar_days(go_live) < high


@pytest.mark.parametrize("key", KEYS)
def test_first_value_within_target(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    assert 0 < book.target_first_value_days <= FIRST_VALUE_MAX_DAYS[key]
    assert milestone(book, "first_value").offset_business_days <= book.target_first_value_days


@pytest.mark.parametrize(
    "key",
    [
        "self_serve",
        "smb",
        "mid_market",
        "enterprise",
    ],
)
def test_first_value_due_within_segment_time_to_value(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    offset = milestone(book, "first_value").offset_business_days
    assert calendar_days(offset) <= FIRST_VALUE_MAX_DAYS[key]


@pytest.mark.parametrize("key", KEYS)
def test_gate_has_all_four_groups(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    assert {item.group for item in book.gate} == GATE_GROUPS
    texts = [item.text for item in book.gate]
    assert len(texts) == len(set(texts))


def test_enterprise_has_the_full_go_live_readiness_checklist(library: PlaybookLibrary) -> None:
    book = playbook(library, "enterprise")
    sizes = {group: sum(item.group == group for item in book.gate) for group in GATE_GROUPS}
    # seed 004, "Go-Live Readiness Checklist": 8 technical, 7 operational, 6 business, 5 support.
    assert sizes["technical"] >= 8
    assert sizes["operational"] >= 7
    assert sizes["business"] >= 6
    assert sizes["support"] >= 5
    gate = " ".join(item.text for item in book.gate).lower()
    for needle in ("security review", "war room", "performance tested", "rollback plan"):
        assert needle in gate
    checklist = " ".join(item.text for item in book.checklist).lower()
    for needle in ("security review", "erp", "executive alignment", "rollout waves", "war room"):
        assert needle in checklist


def test_checklists_shrink_with_the_touch_model(library: PlaybookLibrary) -> None:
    sizes = [len(playbook(library, key).checklist) for key in KEYS]
    assert sizes == sorted(sizes)
    assert all(size > 0 for size in sizes)


@pytest.mark.parametrize("key", ["self_serve", "smb"])
def test_tech_touch_journey(library: PlaybookLibrary, key: str) -> None:
    book = playbook(library, key)
    milestone_keys = {m.key for m in book.milestones}
    steps = book.journey
    assert steps, f"{key} needs a journey"
    assert steps[0].day == 0
    days = [s.day for s in steps]
    assert days == sorted(set(days)), "one step per day, in day order"
    assert days[-1] <= DURATION_DAYS[key][1]
    assert len({s.key for s in steps}) == len(steps)
    assert [s.key for s in steps] == JOURNEY_STEPS
    for step in steps:
        assert step.conditions, f"{key}.{step.key}: every step has a behaviour condition"
        assert set(step.conditions) <= milestone_keys
        assert len(step.message) < 400, f"{key}.{step.key}: too long"
        assert not MARKUP.search(step.message), f"{key}.{step.key}: markup"
        placeholders = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", step.message))
        assert placeholders <= JOURNEY_PLACEHOLDERS, f"{key}.{step.key}: {placeholders}"
        assert not re.sub(r"\{\{\s*\w+\s*\}\}", "", step.message).count("{")


def test_journey_days_per_segment(library: PlaybookLibrary) -> None:
    smb = playbook(library, "smb").journey
    self_serve = playbook(library, "self_serve").journey
    assert [s.day for s in smb] == [s.day for s in self_serve] == [0, 1, 2, 3, 5, 7, 10, 14, 21, 30]
    for steps in (smb, self_serve):
        conditions = {s.key: s.only_if_not_done for s in steps}
        assert conditions["quick_start"] == "technical_setup"
        assert conditions["progress_check"] == "technical_setup"
        assert conditions["value_checkpoint"] == "first_value"
        assert {s.key: s.only_if_done for s in steps}["graduation"] == "go_live"


@pytest.mark.parametrize("key", ["mid_market", "enterprise"])
def test_high_touch_has_no_automated_journey(library: PlaybookLibrary, key: str) -> None:
    assert playbook(library, key).journey == []


# ---------------------------------------------------------------- broken playbooks


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the shipped templates to break."""
    shutil.copytree(SHIPPED, tmp_path / "playbooks")
    return tmp_path


def read(templates: Path, key: str) -> dict[str, Any]:
    return yaml.safe_load((templates / "playbooks" / f"{key}.yml").read_text(encoding="utf-8"))


def write(templates: Path, key: str, data: dict[str, Any]) -> Path:
    path = templates / "playbooks" / f"{key}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(templates: Path) -> str:
    with pytest.raises(PlaybookError) as caught:
        PlaybookLibrary.load(templates)
    return str(caught.value)


def test_copied_templates_load(templates: Path) -> None:
    assert {p.key for p in PlaybookLibrary.load(templates)} == set(KEYS)


def test_missing_milestone_name(templates: Path) -> None:
    data = read(templates, "smb")
    del data["milestones"][0]["name"]
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "milestones.0.name" in message
    assert "Field required" in message


def test_unknown_milestone_phase(templates: Path) -> None:
    data = read(templates, "enterprise")
    data["milestones"][2]["phase"] = "build"
    write(templates, "enterprise", data)
    message = load_error(templates)
    assert "enterprise.yml" in message
    assert "milestones[2].phase" in message
    assert "'build'" in message


def test_unknown_checklist_phase(templates: Path) -> None:
    data = read(templates, "mid_market")
    data["checklist"][4]["phase"] = "launch"
    write(templates, "mid_market", data)
    message = load_error(templates)
    assert "mid_market.yml" in message
    assert "checklist[4].phase" in message


def test_two_first_value_milestones(templates: Path) -> None:
    data = read(templates, "self_serve")
    data["milestones"][4]["first_value"] = True
    write(templates, "self_serve", data)
    message = load_error(templates)
    assert "self_serve.yml" in message
    assert "milestones" in message
    assert "first_value" in message


def test_no_go_live_milestone(templates: Path) -> None:
    data = read(templates, "smb")
    for m in data["milestones"]:
        m.pop("go_live", None)
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "go_live" in message


def test_duplicate_milestone_key(templates: Path) -> None:
    data = read(templates, "smb")
    data["milestones"][5]["key"] = "training"
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "milestones[5].key" in message


def test_unknown_owner_role(templates: Path) -> None:
    data = read(templates, "enterprise")
    data["checklist"][3]["owner"] = "project_manager"
    write(templates, "enterprise", data)
    message = load_error(templates)
    assert "enterprise.yml" in message
    assert "checklist.3.owner" in message


def test_unknown_gate_group(templates: Path) -> None:
    data = read(templates, "smb")
    data["gate"][1]["group"] = "legal"
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "gate.1.group" in message


def test_unknown_field_is_rejected(templates: Path) -> None:
    data = read(templates, "smb")
    data["milestones"][1]["due_days"] = 3
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "milestones.1.due_days" in message


def test_negative_offset(templates: Path) -> None:
    data = read(templates, "smb")
    data["milestones"][3]["offset_business_days"] = -1
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "milestones.3.offset_business_days" in message


def test_journey_step_without_message(templates: Path) -> None:
    data = read(templates, "self_serve")
    del data["journey"][2]["message"]
    write(templates, "self_serve", data)
    message = load_error(templates)
    assert "self_serve.yml" in message
    assert "journey.2.message" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"message": "Hi {company}"}, "write {{ company }}, not {company}"),
        ({"message": "Hi {{ customer }}"}, "unknown placeholder 'customer'"),
        ({"message": "Hi {{ company"}, "journey.2.message"),
        ({"only_if_done": "no_such_milestone"}, "journey[2].only_if_done: unknown milestone"),
        ({"only_if_not_done": "nope"}, "journey[2].only_if_not_done: unknown milestone"),
        ({"day": 1}, "journey[2].day: steps go in day order"),
    ],
)
def test_broken_journey_step(templates: Path, change: dict[str, Any], expected: str) -> None:
    data = read(templates, "smb")
    data["journey"][2].update(change)
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message and expected in message, message


def test_arr_max_not_above_arr_min(templates: Path) -> None:
    data = read(templates, "smb")
    data["arr_max"] = 5000
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message
    assert "arr_max" in message


def test_invalid_yaml(templates: Path) -> None:
    path = templates / "playbooks" / "smb.yml"
    path.write_text("key: smb\nmilestones: [oops\n", encoding="utf-8")
    message = load_error(templates)
    assert "smb.yml" in message
    assert "cannot read playbook" in message
    assert "line" in message


def test_not_a_mapping(templates: Path) -> None:
    path = templates / "playbooks" / "smb.yml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    message = load_error(templates)
    assert "smb.yml" in message
    assert "mapping" in message


def test_single_file_error_names_the_file(tmp_path: Path) -> None:
    data = yaml.safe_load((SHIPPED / "smb.yml").read_text(encoding="utf-8"))
    del data["phases"]
    path = tmp_path / "custom.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"custom\.yml: phases: Field required"):
        load_playbook(path)


def test_gap_between_arr_ranges(templates: Path) -> None:
    data = read(templates, "mid_market")
    data["arr_min"] = 30000
    write(templates, "mid_market", data)
    message = load_error(templates)
    assert str(templates / "playbooks") in message
    assert "smb" in message and "mid_market" in message
    assert "arr_max 25000" in message
    assert "arr_min 30000" in message


def test_overlapping_arr_ranges(templates: Path) -> None:
    data = read(templates, "smb")
    data["arr_max"] = 30000
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb" in message and "mid_market" in message
    assert "must meet" in message


def test_nothing_covers_zero(templates: Path) -> None:
    data = read(templates, "self_serve")
    data["arr_min"] = 100
    write(templates, "self_serve", data)
    assert "arr_min" in load_error(templates)


def test_highest_playbook_has_no_arr_max(templates: Path) -> None:
    data = read(templates, "enterprise")
    data["arr_max"] = 1_000_000
    write(templates, "enterprise", data)
    message = load_error(templates)
    assert "enterprise" in message
    assert "arr_max" in message


def test_two_files_share_a_key(templates: Path) -> None:
    shutil.copy(templates / "playbooks" / "smb.yml", templates / "playbooks" / "smb_copy.yml")
    assert "share a key" in load_error(templates)


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "playbooks").mkdir()
    assert "no playbook files" in load_error(tmp_path)


@pytest.mark.parametrize("key", KEYS)
def test_shipped_playbooks_carry_the_champion_loss_protocol(key: str) -> None:
    playbook = load_playbook(SHIPPED / f"{key}.yml")
    steps = {when: 0 for when in ("day_1", "week_1", "weeks_2_4", "escalation")}
    for step in playbook.champion_loss:
        steps[step.when] += 1
    assert all(count >= 1 for count in steps.values()), steps
    assert any("executive sponsor" in s.text.lower() for s in playbook.champion_loss)


def test_champion_loss_is_optional_and_checked() -> None:
    data = yaml.safe_load((SHIPPED / "mid_market.yml").read_text(encoding="utf-8"))
    data.pop("champion_loss")
    assert Playbook.model_validate(data).champion_loss == []
    data["champion_loss"] = [{"when": "day_2", "owner": "csm", "text": "x"}]
    with pytest.raises(ValueError, match="when"):
        Playbook.model_validate(data)


# ---------------------------------------------------------------- product usage


@pytest.mark.parametrize("key", KEYS)
def test_every_playbook_names_core_features_and_the_default_targets(
    library: PlaybookLibrary, key: str
) -> None:
    usage = playbook(library, key).usage
    assert usage.core_features
    assert [(t.day, t.active_share) for t in usage.adoption_targets] == [
        (30, Decimal("0.6")),
        (60, Decimal("0.8")),
    ]
    assert usage.share_with_customer is False


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"core_features": ["dashboards", "dashboards"]},
            "core_features[1]: 'dashboards' is listed twice",
        ),
        ({"core_features": ["Dashboards!"]}, "usage.core_features.0"),
        (
            {
                "adoption_targets": [
                    {"day": 60, "active_share": 0.8},
                    {"day": 30, "active_share": 0.6},
                ]
            },
            "adoption_targets[1].day: checkpoints go in day order",
        ),
        ({"adoption_targets": [{"day": 30, "active_share": 1.5}]}, "active_share"),
        ({"shared": True}, "usage.shared"),
    ],
)
def test_a_broken_usage_section_is_named(
    templates: Path, change: dict[str, Any], says: str
) -> None:
    data = read(templates, "smb")
    data["usage"] = {**data["usage"], **change}
    write(templates, "smb", data)
    message = load_error(templates)
    assert "smb.yml" in message and says in message
