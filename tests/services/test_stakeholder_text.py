"""Stakeholder lines as people type them (bot/parsing.py): the pipe form, dashes, commas and
`Name (Title, Role) contact`, with forgiving role words; fuzzed with Hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import StakeholderRole
from bot.parsing import LineError, StakeholderLine, parse_stakeholders

SPONSOR = StakeholderRole.EXECUTIVE_SPONSOR
FAST = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("line", "person"),
    [
        (
            "Dana Ruiz - VP Operations - executive sponsor - dana@acme.example",
            StakeholderLine("Dana Ruiz", "VP Operations", SPONSOR, None, "dana@acme.example"),
        ),
        (
            "Sam Lee, IT Director, technical lead, sam@acme.example",
            StakeholderLine(
                "Sam Lee", "IT Director", StakeholderRole.TECHNICAL_LEAD, None, "sam@acme.example"
            ),
        ),
        (
            "Pat Kim (Plant Manager, project lead) pat@acme.example",
            StakeholderLine(
                "Pat Kim", "Plant Manager", StakeholderRole.CHAMPION, None, "pat@acme.example"
            ),
        ),
        (
            "Dana Ruiz \u2013 VP Operations \u2013 Exec. Sponsor \u2014 <@U0DANA>",
            StakeholderLine("Dana Ruiz", "VP Operations", SPONSOR, "U0DANA", None),
        ),
        (
            "Dana Ruiz, VP Operations, sponsor, <@U0DANA|dana ruiz>",
            StakeholderLine("Dana Ruiz", "VP Operations", SPONSOR, "U0DANA", None),
        ),
        (
            "Dana Ruiz, VP, Operations, executive sponsor, dana@acme.example.",
            StakeholderLine("Dana Ruiz", "VP, Operations", SPONSOR, None, "dana@acme.example"),
        ),
        (
            "Vic Crane - skeptic - <vic@acme.example>",
            StakeholderLine("Vic Crane", "", StakeholderRole.DETRACTOR, None, "vic@acme.example"),
        ),
        (
            "Jo Park (techincal lead) @U0JO",
            StakeholderLine("Jo Park", "", StakeholderRole.TECHNICAL_LEAD, "U0JO", None),
        ),
        (
            "Ann Ito, executive sponsor, Chief Technical Officer, ann@acme.example",
            StakeholderLine(
                "Ann Ito", "Chief Technical Officer", SPONSOR, None, "ann@acme.example"
            ),
        ),
    ],
)
def test_lines_as_people_type_them(line: str, person: StakeholderLine) -> None:
    assert parse_stakeholders(line) == [person]


def test_the_forms_mix_in_one_field() -> None:
    text = (
        "- Dana Reyes | VP Operations | executive sponsor | dana@acme.example\n"
        "- Sam Lee, IT Director, tech lead, sam@acme.example\n"
        "- Pat Kim (Plant Manager, champion) <@U0PAT>\n"
    )
    assert [p.name for p in parse_stakeholders(text)] == ["Dana Reyes", "Sam Lee", "Pat Kim"]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("just a name", "expected “Name | Title | Role | email or @user”, “Name - Title"),
        ("Dana Ruiz - VP Operations - executive sponsor", "“Name (Title, Role) contact”"),
        ("Dana Ruiz, dana@acme.example", "expected"),
        ("Dana Ruiz - VP - sponsor - USA", "expected"),  # a bare word is not a Slack user
        ("Dana Ruiz - VP Operations - wizard - dana@acme.example", "unknown role “wizard”"),
    ],
)
def test_a_line_that_cannot_be_read_is_named_with_the_forms(line: str, says: str) -> None:
    good = "Sam Lee, IT Director, technical lead, sam@acme.example"
    with pytest.raises(LineError) as caught:
        parse_stakeholders(f"{good}\n{line}")
    assert str(caught.value).startswith("Line 2: ")
    assert says in str(caught.value)


def test_an_address_longer_than_the_column_is_refused() -> None:
    with pytest.raises(LineError, match="neither an email"):
        parse_stakeholders(f"Dana | VP | sponsor | {'d' * 310}@acme.example")


# --- fuzz ----------------------------------------------------------------------------------------

FRAGMENTS = ["|", ",", ";", " - ", " \u2013 ", "(", ")", "<", ">", "@", ".", "\n", "<@U0A1>"]
ANY_TEXT = st.lists(
    st.text(max_size=20) | st.sampled_from([*FRAGMENTS, "dana@acme.io", "sponsor", "x" * 300]),
    max_size=30,
).map("".join)


@FAST
@given(ANY_TEXT)
def test_any_text_reads_as_people_or_a_line_error(text: str) -> None:
    try:
        people = parse_stakeholders(text)
    except LineError as error:
        assert str(error).startswith("Line ")
        return
    for person in people:
        assert person.name.strip() and isinstance(person.role, StakeholderRole)
        assert (person.slack_user_id is None) != (person.email is None)


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÀÉçøñ'.ABCXYZ", min_size=1, max_size=12)
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
TITLE = st.lists(WORD, max_size=3).map(" ".join)
ROLE = st.sampled_from(
    [
        ("Executive sponsor", SPONSOR),
        ("exec sponsor", SPONSOR),
        ("project lead", StakeholderRole.CHAMPION),
        ("Champion", StakeholderRole.CHAMPION),
        ("technical lead", StakeholderRole.TECHNICAL_LEAD),
        ("End-user champion", StakeholderRole.END_USER_CHAMPION),
        ("detractor", StakeholderRole.DETRACTOR),
    ]
)
EMAIL = st.builds(
    "{}@{}.{}".format,
    st.text(alphabet="abcxyz0123456789.+_-", min_size=1, max_size=20),
    st.text(alphabet="abcxyz0123456789-", min_size=1, max_size=20),
    st.sampled_from(["io", "com", "example", "co.uk"]),
)
USER = st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True)
CONTACT = EMAIL.map(lambda email: (email, None, email)) | USER.map(
    lambda user: (f"<@{user}>", user, None)
)


@FAST
@given(NAME, TITLE, ROLE, CONTACT)
def test_the_pipe_form_round_trips(name: str, title: str, role, contact) -> None:  # type: ignore[no-untyped-def]
    role_text, expected_role = role
    typed, user, email = contact
    line = f"{name} | {title} | {role_text} | {typed}"
    assert parse_stakeholders(line) == [StakeholderLine(name, title, expected_role, user, email)]


@FAST
@given(NAME, TITLE.filter(bool), ROLE, CONTACT, st.sampled_from(["dashes", "commas", "parens"]))
def test_the_typed_forms_read_back_what_was_written(name, title, role, contact, form) -> None:  # type: ignore[no-untyped-def]
    role_text, expected_role = role
    typed, user, email = contact
    line = {
        "dashes": f"{name} - {title} - {role_text} - {typed}",
        "commas": f"{name}, {title}, {role_text}, {typed}",
        "parens": f"{name} ({title}, {role_text}) {typed}",
    }[form]
    assert parse_stakeholders(line) == [StakeholderLine(name, title, expected_role, user, email)]
