"""The integration rows a handoff's technical context names: each system of
`Onboarding.systems` and each SSO provider of `Onboarding.sso` (bot/services/integrations.py
tracks them). Made when the onboarding is created, or for onboardings created before
integrations existed, the first time they are needed (`ensure_integrations`)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.models import Integration, Onboarding
from bot.parsing import lines_of

NAME_MAX = 120  # Integration.name is VARCHAR(120)
# What an AE types when there is nothing: no row for it.
_NOTHING = {"none", "n/a", "na", "no", "nothing", "-", "tbd", "unknown", "not applicable"}
_SEPARATORS = re.compile(r"[,;]|\s\+\s|\s&\s")


def _split_outside_parentheses(line: str) -> list[str]:
    """`SAP ERP (S/4HANA, EU), Salesforce` -> two parts: a separator in brackets is not one."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(line):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and (match := _SEPARATORS.match(line, i)):
            parts.append(line[start:i])
            start = match.end()
    parts.append(line[start:])
    return parts


def split_systems(text: str) -> list[str]:
    """The system names of a comma, semicolon, `+` or newline separated list (bullets allowed),
    spaces collapsed, "none"/"n/a" dropped, duplicates (any case) once, in order."""
    names: list[str] = []
    seen: set[str] = set()
    for _, line in lines_of(text or ""):
        for part in _split_outside_parentheses(line):
            name = " ".join(part.split()).strip(" .")[:NAME_MAX].strip()
            if name and name.casefold() not in _NOTHING and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names


def integration_names(systems: str, sso: str) -> list[str]:
    """The integration items of a handoff's technical context: each system, then each SSO
    provider as "<name> SSO" (unless it already says SSO)."""
    names = split_systems(systems)
    seen = {n.casefold() for n in names}
    for provider in split_systems(sso):
        name = provider if re.search(r"\bsso\b", provider, re.IGNORECASE) else f"{provider} SSO"
        name = name[:NAME_MAX]
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def integrations_from_handoff(onboarding: Onboarding) -> list[Integration]:
    """New rows for the handoff's systems (create_onboarding adds them with the onboarding)."""
    return [
        Integration(name=name) for name in integration_names(onboarding.systems, onboarding.sso)
    ]


def ensure_integrations(session: Session, onboarding: Onboarding) -> int:
    """Add the rows an onboarding created before integrations existed lacks; only when it has
    none at all (once someone edits the list, the list is theirs). Returns how many were added."""
    if onboarding.integrations:
        return 0
    rows = integrations_from_handoff(onboarding)
    onboarding.integrations.extend(rows)
    if rows:
        session.flush()
    return len(rows)
