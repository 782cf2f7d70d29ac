"""Forgiving customer lookup: exact, prefix, substring, abbreviation, then small typos."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, text, true
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


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_BYTEWISE_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}
_bytewise_engines: dict[str, bool] = {}


def _sorts_bytewise(session: Session) -> bool:
    """Whether keys sort by code point (SQLite; PostgreSQL with a C collation), so that every
    key starting with `k` lies between `k` and `k` + U+10FFFF. Asked once per database."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return True
    url = str(bind.engine.url)
    if url not in _bytewise_engines:
        collation = session.scalar(
            text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        )
        _bytewise_engines[url] = collation in _BYTEWISE_COLLATIONS
    return _bytewise_engines[url]


def _key_prefix(session: Session, key: str) -> ColumnElement[bool]:
    """`company_key LIKE 'key%'`, with the equivalent key range that the btree index on
    `company_key` can answer (SQLite's case-blind LIKE and PostgreSQL's LIKE under a non-C
    collation cannot use it) wherever keys sort by code point."""
    prefix = Onboarding.company_key.like(_like_escape(key) + "%", escape="\\")
    if not _sorts_bytewise(session):
        return prefix
    return and_(Onboarding.company_key >= key, Onboarding.company_key < key + "\U0010ffff", prefix)


def _loose_prefilter(key: str, lowered: str) -> ColumnElement[bool]:
    """A superset of the rows the substring and abbreviation tiers accept for this query."""
    abbreviation = "% ".join("%".join(_like_escape(ch) for ch in word) for word in key.split())
    return or_(
        Onboarding.company_key.like(f"%{_like_escape(key)}%", escape="\\"),
        func.lower(Onboarding.company_name).like(f"%{_like_escape(lowered)}%", escape="\\"),
        Onboarding.company_key.like(abbreviation + "%", escape="\\"),
    )


def _loose_matches(candidates: list[CustomerRef], query: str) -> list[CustomerRef]:
    key, lowered = company_key(query), " ".join(query.lower().split())
    if not key:
        return []
    tiers = (
        lambda r: key in r.key or lowered in r.company_name.lower(),
        lambda r: _tokens_match(key.split(), r.key.split()),
    )
    for tier in tiers:
        found = [r for r in candidates if tier(r)]
        if found:
            return found[:MAX_MATCHES]
    return []


def _fuzzy_score(query: str, key: str) -> float:
    whole = difflib.SequenceMatcher(None, query, key).ratio()
    head = difflib.SequenceMatcher(None, query, key[: len(query)]).ratio() if len(query) >= 4 else 0
    return max(whole, head)


class CustomerIndex:
    """The open onboardings' names, asked tier by tier so a usual lookup reads a row or two.

    Exact key and key prefix go through the index on `company_key`; substring and
    abbreviation through one `LIKE` prefilter whose rows are checked here; all names are read
    (one query) only for typos and suggestions, when nothing else matched. The query count
    depends on the words typed, never on the number of onboardings."""

    def __init__(self, session: Session, *, closed: bool = False) -> None:
        self._session = session
        self._refs: list[CustomerRef] | None = None
        # `closed=True` looks among the closed onboardings instead (`/onboard reopen`).
        self._closed = closed

    @classmethod
    def load(cls, session: Session, *, closed: bool = False) -> CustomerIndex:
        return cls(session, closed=closed)

    @property
    def refs(self) -> list[CustomerRef]:
        """Every open customer, read once and only when typo matching needs them all."""
        if self._refs is None:
            self._refs = self._select(true())
        return self._refs

    def _select(
        self, condition: ColumnElement[bool], *order: Any, limit: int | None = None
    ) -> list[CustomerRef]:
        rows = self._session.execute(
            select(Onboarding.id, Onboarding.company_name, Onboarding.company_key)
            .where(
                (Onboarding.status == OnboardingStatus.CLOSED)
                if self._closed
                else (Onboarding.status != OnboardingStatus.CLOSED),
                condition,
            )
            .order_by(*order, Onboarding.company_name, *self._latest_first)
            .limit(limit)
        )
        return [CustomerRef(r.id, r.company_name, r.company_key) for r in rows]

    @property
    def _latest_first(self) -> tuple[Any, ...]:
        # A company closed twice (a renewal re-onboarded): its latest onboarding first.
        return (Onboarding.id.desc(),) if self._closed else ()

    def by_key(self, query: str) -> list[CustomerRef]:
        """The exact key alone, else the keys starting with it (one indexed query)."""
        key = company_key(query)
        if not key:
            return []
        found = self._select(
            _key_prefix(self._session, key), Onboarding.company_key != key, limit=MAX_MATCHES
        )
        return found[:1] if found and found[0].key == key else found

    def loose(self, queries: list[str]) -> list[list[CustomerRef]]:
        """For each query: the substring matches, else the abbreviation matches."""
        parts = [(company_key(q), " ".join(q.lower().split())) for q in queries]
        parts = [(key, lowered) for key, lowered in parts if key]
        if not parts:
            return [[] for _ in queries]
        candidates = self._select(or_(*(_loose_prefilter(k, low) for k, low in parts)))
        return [_loose_matches(candidates, q) for q in queries]

    def strict(self, query: str) -> list[CustomerRef]:
        """Exact, then prefix, then substring, then word-by-word abbreviation: first tier wins."""
        return self.by_key(query) or self.loose([query])[0]

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
        runs = [" ".join(words[:size]) for size in range(longest, 0, -1)]
        found = self._strict_longest(runs)
        if found is None:
            found = next(((run, refs) for run in runs if (refs := self.fuzzy(run))), None)
        if found is not None:
            run, refs = found
            return Lookup(run, refs), " ".join(words[len(run.split()) :])
        query = " ".join(words[:1] if need_rest else words)
        return Lookup(query, [], self.closest(query)), " ".join(words[1:] if need_rest else [])

    def _strict_longest(self, runs: list[str]) -> tuple[str, list[CustomerRef]] | None:
        """The longest run with a strict match. Runs are tried by key (indexed) longest first;
        a substring or abbreviation match of a longer run still beats a shorter run's key."""
        hit = next(((i, refs) for i, run in enumerate(runs) if (refs := self.by_key(run))), None)
        longer = runs[: hit[0]] if hit else runs
        for run, loose in zip(longer, self.loose(longer) if longer else [], strict=True):
            if loose:
                return run, loose
        return (runs[hit[0]], hit[1]) if hit else None


def find_customer(session: Session, query: str) -> Lookup:
    """The forgiving lookup of one customer name among the open onboardings."""
    return CustomerIndex.load(session).find(query)
