"""Property tests: whatever shape a payload has, the readers (bot/slack/forms.py) answer a typed
value or their own error, and the handoff modal's text parsers (bot/parsing.py) a value or
`LineError`. Never another exception."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bot import parsing
from bot.slack import forms
from bot.slack.forms import FormError, StaleButton, StaleForm, ViewForm

FAST = settings(max_examples=200, deadline=None)
BLOCK = "b"
KEYS = st.sampled_from(
    [
        "value",
        "selected_date",
        "selected_user",
        "selected_conversation",
        "selected_channel",
        "selected_option",
        "selected_options",
        "type",
    ]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
DATES = st.dates().map(date.isoformat) | st.text(max_size=12)
ELEMENT = st.fixed_dictionaries(
    {},
    optional={
        "value": JSONISH,
        "selected_date": DATES | JSONISH,
        "selected_user": JSONISH,
        "selected_conversation": JSONISH,
        "selected_option": JSONISH | st.fixed_dictionaries({"value": JSONISH}),
        "selected_options": JSONISH | st.lists(st.fixed_dictionaries({"value": JSONISH})),
    },
)
VIEW = st.one_of(
    JSONISH,
    st.fixed_dictionaries(
        {"state": st.fixed_dictionaries({"values": st.dictionaries(st.just(BLOCK), JSONISH)})},
        optional={"private_metadata": JSONISH},
    ),
    st.fixed_dictionaries(
        {
            "state": st.fixed_dictionaries(
                {
                    "values": st.fixed_dictionaries(
                        {BLOCK: st.fixed_dictionaries({"value": ELEMENT})}
                    )
                }
            )
        },
        optional={"private_metadata": st.text(max_size=40) | JSONISH},
    ),
)


class Meta(BaseModel):
    onboarding_id: int
    channel_id: str | None = None


def _read_all(form: ViewForm) -> list[Any]:
    """Every reader on the one block; each either answers or raises FormError."""
    out: list[Any] = []
    readers = (
        form.text,
        form.date,
        form.user,
        form.conversation,
        form.choice,
        form.choices,
        form.choice_ids,
    )
    for reader in readers:
        try:
            out.append(reader(BLOCK))
        except FormError as error:
            assert error.block_id == BLOCK and error.message
    return out


@FAST
@given(VIEW)
def test_view_readers_answer_a_typed_value_or_their_own_error(view: Any) -> None:
    try:
        form = ViewForm(view)
    except StaleForm:
        return
    for value in _read_all(form):
        assert value is None or isinstance(value, str | date | list)
    assert all(isinstance(v, str) for v in form.block_ids("x"))
    with contextlib.suppress(StaleForm):
        assert isinstance(form.metadata(Meta), Meta)


@FAST
@given(
    JSONISH
    | st.fixed_dictionaries({}, optional={"value": JSONISH | st.text(), "selected_option": JSONISH})
)
def test_action_readers_answer_a_typed_value_or_stale_button(action: Any) -> None:
    readers = (
        (forms.button_value, str),
        (forms.button_id, int),
        (forms.selected_value, str),
        (forms.selected_id, int),
        (lambda a: forms.button_model(a, Meta), Meta),
    )
    for reader, kind in readers:
        with contextlib.suppress(StaleButton):
            assert isinstance(reader(action), kind)


# ---- bot/parsing.py --------------------------------------------------------------------------

TYPED = st.text(max_size=200) | st.lists(
    st.sampled_from(["$", "95", "k", ",", ".", "|", "-", "@", "<@U1>", "2026-02-31", "2026-03-01"])
    | st.text(max_size=8),
    max_size=20,
).map(" ".join)
LINES = st.lists(TYPED, max_size=6).map("\n".join)


@FAST
@given(TYPED)
def test_money_and_dates_parse_or_say_none(text: str) -> None:
    money = parsing.parse_money(text)
    assert money is None or isinstance(money, Decimal)
    day = parsing.parse_date(text)
    assert day is None or isinstance(day, date)
    assert isinstance(parsing.company_key(text), str)


@FAST
@given(LINES)
def test_line_parsers_answer_lines_or_line_error(text: str) -> None:
    for parse in (parsing.parse_stakeholders, parsing.parse_dated_lines, parsing.parse_risks):
        try:
            assert isinstance(parse(text), list)
        except parsing.LineError as error:
            assert str(error).startswith("Line ")


@FAST
@given(LINES)
def test_prefill_reads_only_known_fields(text: str) -> None:
    found = parsing.prefill_from_message(text)
    assert all(isinstance(v, str) and len(v) <= 200 for v in found.values())
