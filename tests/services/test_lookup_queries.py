"""The customer lookup reads through the index: a few rows and a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bot.models import Onboarding
from bot.services.lookup import CustomerIndex, find_customer
from tests.services.test_lookup import make_onboarding


@pytest.fixture
def acme(session, playbooks) -> Onboarding:  # type: ignore[no-untyped-def]
    onboarding = make_onboarding(session, playbooks, "Acme Manufacturing")
    make_onboarding(session, playbooks, "Globex Corporation")
    return onboarding


@contextmanager
def counted(session) -> Iterator[list[tuple[str, int]]]:  # type: ignore[no-untyped-def]
    """(statement, rows returned) for each query run inside the block."""
    seen: list[tuple[str, int]] = []
    engine = session.get_bind()

    def after(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, cursor.rowcount))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def queries_for(session, words: list[str], need_rest: bool = False) -> int:  # type: ignore[no-untyped-def]
    with counted(session) as seen:
        CustomerIndex.load(session).find_with_rest(words, need_rest=need_rest)
    return len(seen)


@pytest.mark.parametrize(
    "words, need_rest",
    [
        (["acme", "manufacturing"], False),
        (["acme", "mfg"], False),
        (["acme", "manufacturing", "kickoff", "held"], True),
        (["acme", "manufactring"], False),
        (["zzyzx"], False),
    ],
)
def test_query_count_does_not_grow_with_the_book(
    session, playbooks, acme, words, need_rest
) -> None:  # type: ignore[no-untyped-def]
    queries_for(session, words, need_rest)  # PostgreSQL: the collation is asked once
    small = queries_for(session, words, need_rest)
    for i in range(30):
        make_onboarding(session, playbooks, f"Customer {i:03d}")
    assert queries_for(session, words, need_rest) == small <= 2 * len(words) + 1


def test_a_full_name_is_one_indexed_query(session, acme) -> None:  # type: ignore[no-untyped-def]
    find_customer(session, "Globex")  # PostgreSQL: the collation is asked once per process
    with counted(session) as seen:
        assert find_customer(session, "Acme Manufacturing").one is not None
    assert len(seen) == 1 and "company_key" in seen[0][0]


def test_an_abbreviation_of_a_longer_run_beats_a_shorter_runs_prefix(
    session, playbooks, acme
) -> None:  # type: ignore[no-untyped-def]
    make_onboarding(session, playbooks, "Acme Labs")
    lookup, rest = CustomerIndex.load(session).find_with_rest(
        ["acme", "mfg", "kickoff"], need_rest=True
    )
    assert lookup.one is not None and lookup.one.company_name == "Acme Manufacturing"
    assert rest == "kickoff"


@pytest.mark.parametrize(
    "name, query", [("Big_Co", "big_co"), ("100% Juice", "100%"), ("Pipe | Co", "pipe")]
)
def test_like_wildcards_in_names_are_literal(session, playbooks, acme, name, query) -> None:  # type: ignore[no-untyped-def]
    make_onboarding(session, playbooks, name)
    make_onboarding(session, playbooks, "Bigxco 100x Juice")
    found = find_customer(session, query)
    assert found.one is not None and found.one.company_name == name
