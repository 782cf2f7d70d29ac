"""Forgiving customer lookup: exact, prefix, substring, abbreviation, then small typos."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Onboarding, OnboardingStatus
from bot.parsing import company_key

FUZZY_CUTOFF = 0.75
MAX_MATCHES = 10
CLOSEST_MAX = 3


@dataclass(frozen=True)
class CustomerRef:
    onboarding_id: int
    company_name: str
    key: str


@dataclass(frozen=True)
class Lookup:
    """What a customer query found: one match, several, or none with the closest names."""

    query: str
    matches: list[CustomerRef] = field(default_factory=list)
    closest: list[CustomerRef] = field(default_factory=list)

    @property
    def one(self) -> CustomerRef | None:
        return self.matches[0] if len(self.matches) == 1 else None


def _is_abbreviation(short: str, word: str) -> bool:
    """`mfg` for `manufacturing`: same first letter, letters in order."""
    if not short or not word or short[0] != word[0]:
        return False
    rest = iter(word)
    return all(ch in rest for ch in short)


def _tokens_match(query_words: list[str], key_words: list[str]) -> bool:
    """Each query word is a prefix or abbreviation of the key's words, in order."""
    if not query_words or len(query_words) > len(key_words):
        return False
    return all(
        kw.startswith(qw) or _is_abbreviation(qw, kw)
        for qw, kw in zip(query_words, key_words, strict=False)
    )


def _fuzzy_score(query: str, key: str) -> float:
    whole = difflib.SequenceMatcher(None, query, key).ratio()
    head = difflib.SequenceMatcher(None, query, key[: len(query)]).ratio() if len(query) >= 4 else 0
    return max(whole, head)


class CustomerIndex:
    """The open onboardings' names, loaded once (one query) and matched in memory."""

    def __init__(self, refs: list[CustomerRef]) -> None:
        self.refs = refs

    @classmethod
    def load(cls, session: Session) -> CustomerIndex:
        rows = session.execute(
            select(Onboarding.id, Onboarding.company_name, Onboarding.company_key)
            .where(Onboarding.status != OnboardingStatus.CLOSED)
            .order_by(Onboarding.company_name)
        )
        return cls([CustomerRef(r.id, r.company_name, r.company_key) for r in rows])

    def strict(self, query: str) -> list[CustomerRef]:
        """Exact, then prefix, then substring, then word-by-word abbreviation: first tier wins."""
        key, lowered = company_key(query), " ".join(query.lower().split())
        if not key:
            return []
        tiers = (
            lambda r: r.key == key or r.company_name.lower() == lowered,
            lambda r: r.key.startswith(key) or r.company_name.lower().startswith(lowered),
            lambda r: key in r.key or lowered in r.company_name.lower(),
            lambda r: _tokens_match(key.split(), r.key.split()),
        )
        for tier in tiers:
            found = [r for r in self.refs if tier(r)]
            if found:
                return found[:MAX_MATCHES]
        return []

    def fuzzy(self, query: str) -> list[CustomerRef]:
        """Small typos: the names close enough, best first (the best alone when clearly best)."""
        key = company_key(query)
        scored = sorted(
            ((_fuzzy_score(key, r.key), r) for r in self.refs), key=lambda pair: -pair[0]
        )
        good = [(s, r) for s, r in scored if s >= FUZZY_CUTOFF]
        if len(good) > 1 and good[0][0] - good[1][0] >= 0.1:
            good = good[:1]
        return [r for _, r in good[:MAX_MATCHES]]

    def closest(self, query: str, n: int = CLOSEST_MAX) -> list[CustomerRef]:
        key = company_key(query)
        scored = sorted(self.refs, key=lambda r: -_fuzzy_score(key, r.key))
        return scored[:n]

    def find(self, query: str) -> Lookup:
        query = " ".join(query.split())
        matches = self.strict(query) or self.fuzzy(query)
        return Lookup(query, matches, [] if matches else self.closest(query))

    def find_with_rest(self, words: list[str], *, need_rest: bool) -> tuple[Lookup, str]:
        """Split `acme manufacturing kickoff held` into the customer and what follows.

        The longest leading run of words that names a customer wins; typos are tried only
        when no run matches exactly, by prefix, substring or abbreviation."""
        longest = len(words) - 1 if need_rest else len(words)
        for matcher in (self.strict, self.fuzzy):
            for size in range(longest, 0, -1):
                found = matcher(" ".join(words[:size]))
                if found:
                    return Lookup(" ".join(words[:size]), found), " ".join(words[size:])
        query = " ".join(words[:1] if need_rest else words)
        return Lookup(query, [], self.closest(query)), " ".join(words[1:] if need_rest else [])


def find_customer(session: Session, query: str) -> Lookup:
    """The forgiving lookup of one customer name among the open onboardings."""
    return CustomerIndex.load(session).find(query)
