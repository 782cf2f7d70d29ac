"""Forgiving parsers for what people actually type into the handoff modal.

Each line parser returns the parsed items or raises `LineError` naming the line, so the modal
can put the message next to the field.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.models import Severity, StakeholderRole


class LineError(ValueError):
    """A line of a multi-line field could not be read; the message names the line."""


_MONEY = re.compile(
    r"^(?:usd|eur|gbp|[$€£])?\s*(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<suffix>[km]|mm|thousand|million)?"
    r"\s*(?:usd|eur|gbp|arr|acv|/\s*y(?:ea)?r|per year)?$",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "million": 1_000_000,
}
_EMAIL = re.compile(r"^[^@\s<>|]+@[^@\s<>|]+\.[A-Za-z]{2,}$")
_SLACK_USER = re.compile(r"^<?@?(?P<id>[UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "bv",
    "pty",
    "srl",
    "oy",
    "ab",
}

_ROLE_ALIASES: dict[str, StakeholderRole] = {
    "executive sponsor": StakeholderRole.EXECUTIVE_SPONSOR,
    "exec sponsor": StakeholderRole.EXECUTIVE_SPONSOR,
    "sponsor": StakeholderRole.EXECUTIVE_SPONSOR,
    "economic buyer": StakeholderRole.EXECUTIVE_SPONSOR,
    "project lead": StakeholderRole.CHAMPION,
    "project lead champion": StakeholderRole.CHAMPION,
    "champion": StakeholderRole.CHAMPION,
    "project manager": StakeholderRole.CHAMPION,
    "technical lead": StakeholderRole.TECHNICAL_LEAD,
    "tech lead": StakeholderRole.TECHNICAL_LEAD,
    "technical": StakeholderRole.TECHNICAL_LEAD,
    "it lead": StakeholderRole.TECHNICAL_LEAD,
    "end user champion": StakeholderRole.END_USER_CHAMPION,
    "end user": StakeholderRole.END_USER_CHAMPION,
    "power user": StakeholderRole.END_USER_CHAMPION,
    "detractor": StakeholderRole.DETRACTOR,
    "skeptic": StakeholderRole.DETRACTOR,
}
_SEVERITY_ALIASES = {
    "critical": Severity.HIGH,
    "high": Severity.HIGH,
    "h": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "med": Severity.MEDIUM,
    "m": Severity.MEDIUM,
    "low": Severity.LOW,
    "l": Severity.LOW,
}


def parse_money(text: str) -> Decimal | None:
    """`$95K`, `95,000`, `95000`, `1.2M`, `USD 95k` -> Decimal; None when it is not an amount."""
    match = _MONEY.match(text.strip())
    if not match:
        return None
    number = match.group("number")
    if re.fullmatch(r"\d+,\d{1,2}", number):
        number = number.replace(",", ".")  # a decimal comma: 49,5K
    elif not re.fullmatch(r"\d{1,3}(?:,\d{3})*(?:\.\d+)?|[\d.]+", number):
        return None  # commas that group neither thousands nor decimals: not an amount
    suffix = (match.group("suffix") or "").lower()
    try:
        value = Decimal(number.replace(",", "")) * _MULTIPLIERS.get(suffix, 1)
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:  # more digits than any contract has
        return None


_TERM = re.compile(r"(\d{1,3})\s*-?\s*(months?|mos?|m|years?|yrs?|y)\b", re.IGNORECASE)


def parse_term_months(text: str) -> int | None:
    """A contract term as people write it ("12 months", "3 years", "24-mo", "1 yr") in months;
    None when no term is found."""
    match = _TERM.search(text or "")
    if match is None or int(match[1]) == 0:
        return None
    months = int(match[1])
    return months * 12 if match[2].lower().startswith("y") else months


def company_key(name: str) -> str:
    """A comparison key: case, accents, punctuation and legal suffixes do not matter."""
    decomposed = unicodedata.normalize("NFKD", name.replace(".", ""))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"\w+", folded.casefold())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)[:200]


def lines_of(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, bullets stripped."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)]|\[ ?\])\s+", "", raw).strip()
        if line:
            out.append((number, line))
    return out


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class StakeholderLine:
    name: str
    title: str
    role: StakeholderRole
    slack_user_id: str | None
    email: str | None


STAKEHOLDER_FORMAT = "Name | Title | Role | email or @user"
STAKEHOLDER_FORMS = (
    f"“{STAKEHOLDER_FORMAT}”, “Name - Title - Role - contact”, “Name, Title, Role, contact” "
    "or “Name (Title, Role) contact”"
)
ROLE_WORDS = (
    "executive sponsor, champion (project lead), technical lead, end-user champion, detractor"
)
EMAIL_MAX = 320  # stakeholder.email is VARCHAR(320)
_OUTSIDE_MENTION_PIPE = re.compile(r"\|(?![^<]*>)")  # a labelled mention <@U1|jane> keeps its |
_PARENS = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<inside>[^()]*)\)$")
_PART_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+[-\u2013\u2014]+\s+")
_CONTACT_CUT = " \t,;()"  # what may stand between the last part and the contact
_SEPARATOR_CHARS = " \t,;:-\u2013\u2014"


def is_email(text: str) -> bool:
    """An address the handoff would accept: something@domain.tld, no spaces or markup."""
    text = text.strip()
    return len(text) <= EMAIL_MAX and bool(_EMAIL.match(text))


def parse_role(text: str) -> StakeholderRole | None:
    """A role as people write it; a near miss (`techincal lead`, `exec sponser`) counts."""
    key = re.sub(r"[^a-z ]+", " ", text.lower())
    key = re.sub(r"\s+", " ", key).strip()
    if key in _ROLE_ALIASES:
        return _ROLE_ALIASES[key]
    close = difflib.get_close_matches(key[:60], _ROLE_ALIASES, n=1, cutoff=0.85)
    return _ROLE_ALIASES[close[0]] if close else None


def _unknown_role(number: int, role_text: str) -> LineError:
    return LineError(f"Line {number}: unknown role “{role_text[:40]}”. Use {ROLE_WORDS}")


def _not_understood(number: int, line: str) -> LineError:
    return LineError(f"Line {number}: expected {STAKEHOLDER_FORMS}, got “{line[:80]}”")


def parse_stakeholders(text: str) -> list[StakeholderLine]:
    """One stakeholder a line, in the pipe form or as people type them (see STAKEHOLDER_FORMS)."""
    people = []
    for number, line in lines_of(text):
        if _OUTSIDE_MENTION_PIPE.search(line):
            people.append(_pipe_line(number, line))
        else:
            people.append(_typed_line(number, line))
    return people


def _pipe_line(number: int, line: str) -> StakeholderLine:
    parts = [part.strip() for part in _OUTSIDE_MENTION_PIPE.split(line)]
    if len(parts) != 4 or not parts[0]:
        raise _not_understood(number, line)
    name, title, role_text, contact = parts
    role = parse_role(role_text)
    if role is None:
        raise _unknown_role(number, role_text)
    user = _SLACK_USER.match(contact)
    if user:
        return StakeholderLine(name, title, role, user.group("id"), None)
    if is_email(contact):
        return StakeholderLine(name, title, role, None, contact)
    raise LineError(f"Line {number}: “{contact[:60]}” is neither an email nor a @user")


def _typed_line(number: int, line: str) -> StakeholderLine:
    """`Name - Title - Role - contact`, `Name, Title, Role, contact` or `Name (Title, Role)
    contact`: the contact ends the line, the name starts it, the role is the last part that
    reads as one and the rest is the title."""
    if line.endswith(">") and (start := line.rfind("<@")) >= 0:
        head, contact = line[:start], line[start:]
    else:
        cut = max(line.rfind(char) for char in _CONTACT_CUT)
        head, contact = line[: cut + 1], line[cut + 1 :]
    user = _SLACK_USER.match(contact) if contact.lstrip("<").startswith("@") else None
    email = contact.removeprefix("<").removesuffix(">").rstrip(".")  # a sentence's full stop
    if not user and not is_email(email):
        raise _not_understood(number, line)
    head = head.rstrip(_SEPARATOR_CHARS)
    parens = _PARENS.match(head)
    name, *rest = (
        [parens["name"], *_PART_SEPARATORS.split(parens["inside"])]
        if parens
        else _PART_SEPARATORS.split(head)
    )
    parts = [part.strip() for part in rest if part.strip()]
    if not name.strip() or not parts:
        raise _not_understood(number, line)
    roles = [parse_role(part) for part in parts]
    at = next((i for i in reversed(range(len(parts))) if roles[i]), None)
    role = roles[at] if at is not None else None
    if at is None or role is None:
        raise _unknown_role(number, parts[-1])
    del parts[at]
    return StakeholderLine(
        name.strip(),
        ", ".join(parts),
        role,
        user.group("id") if user else None,
        None if user else email,
    )


@dataclass(frozen=True)
class DatedLine:
    text: str
    due: date | None


def parse_dated_lines(text: str) -> list[DatedLine]:
    """`text | 2026-12-31` or `text (by 2026-12-31)`; the date is optional."""
    items = []
    for number, line in lines_of(text):
        body, _, tail = line.rpartition("|") if "|" in line else (line, "", "")
        due = None
        if tail.strip():
            due = parse_date(tail)
            if due is None:
                raise LineError(f"Line {number}: “{tail.strip()[:30]}” is not a date (YYYY-MM-DD)")
        else:
            found = _ISO_DATE.search(line)
            if found:
                due = parse_date(found.group(1))
                if due is None:
                    raise LineError(f"Line {number}: “{found.group(1)}” is not a valid date")
        items.append(DatedLine(body.strip() or line, due))
    return items


@dataclass(frozen=True)
class RiskLine:
    text: str
    severity: Severity


def parse_risks(text: str) -> list[RiskLine]:
    """`high: text`, `text | high` or just `text` (medium)."""
    risks = []
    for _number, line in lines_of(text):
        head, sep, rest = line.partition(":")
        if sep and head.strip().lower() in _SEVERITY_ALIASES and rest.strip():
            risks.append(RiskLine(rest.strip(), _SEVERITY_ALIASES[head.strip().lower()]))
            continue
        body, sep, tail = line.rpartition("|")
        if sep and tail.strip().lower() in _SEVERITY_ALIASES and body.strip():
            risks.append(RiskLine(body.strip(), _SEVERITY_ALIASES[tail.strip().lower()]))
            continue
        risks.append(RiskLine(line, Severity.MEDIUM))
    return risks


def is_measurable(criterion: str) -> bool:
    """A criterion with a number in it (a count, a percentage, a time) can be measured."""
    return bool(re.search(r"\d", criterion))


# Closed-won posts from a CRM: "Company: Acme", "ARR: $95K", "Industry: Manufacturing"...
_PREFILL_KEYS = {
    "company": "company_name",
    "account": "company_name",
    "customer": "company_name",
    "company name": "company_name",
    "account name": "company_name",
    "arr": "arr",
    "acv": "arr",
    "amount": "arr",
    "contract value": "arr",
    "deal size": "arr",
    "industry": "industry",
    "website": "website",
    "url": "website",
    "domain": "website",
    "size": "company_size",
    "employees": "company_size",
    "company size": "company_size",
    "term": "contract_term",
    "contract term": "contract_term",
    "start date": "start_date",
    "close date": "start_date",
    "start": "start_date",
    "go live": "go_live_target",
    "go-live": "go_live_target",
    "go live target": "go_live_target",
}


def prefill_from_message(text: str) -> dict[str, str]:
    """What a message says about a deal, keyed by handoff field; unknown parts are ignored."""
    found: dict[str, str] = {}
    for _number, line in lines_of(text or ""):
        clean = re.sub(r"[*_`]", "", line)
        key, sep, value = clean.partition(":")
        field = _PREFILL_KEYS.get(key.strip().lower()) if sep else None
        if field and value.strip() and field not in found:
            found[field] = value.strip()[:200]
    if "arr" not in found:
        amount = re.search(r"[$€£]\s?\d[\d,.]*\s?[kKmM]?\b", text or "")
        if amount:
            found["arr"] = amount.group(0)
    if "company_name" not in found:
        first_line = re.sub(r":[a-z0-9_+-]+:", " ", (text or "").split("\n", 1)[0])
        first = re.sub(r"[*_`:]|closed[- ]won|🎉|!", " ", first_line, flags=re.I)
        first = re.split(r"\s[-\u2013\u2014|]\s|[$€£(]", first)[0].strip()
        if first:
            found["company_name"] = first[:200]
    for field in ("start_date", "go_live_target"):
        if field in found and parse_date(found[field]) is None:
            del found[field]
    return found
