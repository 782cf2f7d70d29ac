"""What people type into the handoff modal and how `bot.parsing` reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.models import Severity, StakeholderRole
from bot.parsing import (
    DatedLine,
    LineError,
    RiskLine,
    StakeholderLine,
    company_key,
    is_measurable,
    parse_dated_lines,
    parse_money,
    parse_risks,
    parse_stakeholders,
    prefill_from_message,
)

# --- parse_money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$95K", "95000"),
        ("95,000", "95000"),
        ("95000", "95000"),
        ("1.2M", "1200000"),
        ("$1.2m", "1200000"),
        ("USD 95k", "95000"),
        ("usd95K", "95000"),
        ("95k ARR", "95000"),
        ("95K ACV", "95000"),
        ("95,000 USD", "95000"),
        ("$ 95,000", "95000"),
        ("  $95K  ", "95000"),
        ("€95k", "95000"),
        ("£1.5M", "1500000"),
        ("$95,000.50", "95000.50"),
        ("95 thousand", "95000"),
        ("1.2 million", "1200000"),
        ("2mm", "2000000"),
        ("95k/yr", "95000"),
        ("95k / year", "95000"),
        ("95k per year", "95000"),
        (".5k", "500"),
        ("4,999", "4999"),
        ("0", "0"),
    ],
)
def test_parse_money_reads_what_aes_type(text: str, expected: str) -> None:
    assert parse_money(text) == Decimal(expected)


def test_parse_money_rounds_to_cents() -> None:
    assert parse_money("1.234567M") == Decimal("1234567.00")
    assert parse_money("95000.555") == Decimal("95000.56")
    assert str(parse_money("$95K")) == "95000.00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ninety",
        "ninety-five thousand",
        "95KK",
        "95kk",
        "-5",
        "-95K",
        "95 000",  # a space as thousands separator is not read as 95 (nor as 95,000)
        " 95 000",
        "1.2.3",
        "$",
        "K",
        "95K EUR USD",
        "about 95K",
        "95K + services",
        "1e6",
        "TBD",
    ],
)
def test_parse_money_rejects_garbage(text: str) -> None:
    assert parse_money(text) is None


def test_parse_money_returns_none_for_absurdly_long_numbers() -> None:
    assert parse_money("1" * 30) is None


@pytest.mark.parametrize(("text", "european"), [("49,5K", "49500"), ("1,2M", "1200000")])
def test_parse_money_does_not_misread_a_decimal_comma(text: str, european: str) -> None:
    assert parse_money(text) in (None, Decimal(european))


# --- company_key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Acme Manufacturing, Inc.",
        "acme manufacturing",
        "ACME MANUFACTURING",
        "ACME manufacturing inc",
        "Acme Manufacturing Inc",
        "Acme Manufacturing LLC",
        "Acme Manufacturing, Ltd.",
        "Acme Manufacturing Corp.",
        "Acme Manufacturing GmbH",
        "  Acme   Manufacturing  ",
        "Acme-Manufacturing",
        "Acme Manufacturing!",
        "Ácme Manufactúring",
        "Acme Manufacturing Co., Ltd.",
    ],
)
def test_company_key_ignores_case_punctuation_accents_and_legal_suffixes(name: str) -> None:
    assert company_key(name) == "acme manufacturing"


def test_company_key_keeps_names_apart_that_differ() -> None:
    assert company_key("Acme Manufacturing") != company_key("Acme Logistics")
    assert company_key("Café Zürich GmbH") == "cafe zurich"
    # A legal suffix alone is the name, not something to strip.
    assert company_key("Inc.") == "inc"
    # A name in a script without an ASCII form keeps its letters.
    assert company_key("株式会社トヨタ") == "株式会社トヨタ"


def test_company_key_is_bounded_to_the_column_size() -> None:
    assert len(company_key("a" * 5000)) == 200


@pytest.mark.parametrize(
    ("first", "second"),
    [("شركة أكمي", "شركة بيتا"), ("شركة أكمي 🚀", "مصنع النور"), ("Acme 東京", "Acme 大阪")],
)
def test_company_key_keeps_non_latin_names_apart(first: str, second: str) -> None:
    assert company_key(first) != company_key(second)


@pytest.mark.parametrize(("dotted", "plain"), [("Acme S.A.", "Acme SA"), ("Acme L.L.C.", "Acme")])
def test_company_key_ignores_dotted_legal_suffixes(dotted: str, plain: str) -> None:
    assert company_key(dotted) == company_key(plain)


# --- parse_stakeholders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role_text", "role"),
    [
        ("Executive sponsor", StakeholderRole.EXECUTIVE_SPONSOR),
        ("exec. sponsor", StakeholderRole.EXECUTIVE_SPONSOR),
        ("SPONSOR", StakeholderRole.EXECUTIVE_SPONSOR),
        ("Economic buyer", StakeholderRole.EXECUTIVE_SPONSOR),
        ("Project lead", StakeholderRole.CHAMPION),
        ("Project lead (champion)", StakeholderRole.CHAMPION),
        ("champion", StakeholderRole.CHAMPION),
        ("Project manager", StakeholderRole.CHAMPION),
        ("Technical lead", StakeholderRole.TECHNICAL_LEAD),
        ("tech lead", StakeholderRole.TECHNICAL_LEAD),
        ("Technical", StakeholderRole.TECHNICAL_LEAD),
        ("IT lead", StakeholderRole.TECHNICAL_LEAD),
        ("End-user champion", StakeholderRole.END_USER_CHAMPION),
        ("end user", StakeholderRole.END_USER_CHAMPION),
        ("Power user", StakeholderRole.END_USER_CHAMPION),
        ("Detractor", StakeholderRole.DETRACTOR),
        ("skeptic", StakeholderRole.DETRACTOR),
    ],
)
def test_parse_stakeholders_accepts_every_role_alias(role_text: str, role: StakeholderRole) -> None:
    [person] = parse_stakeholders(f"Dana Whitfield | VP Operations | {role_text} | dana@acme.io")
    assert person == StakeholderLine("Dana Whitfield", "VP Operations", role, None, "dana@acme.io")


@pytest.mark.parametrize(
    ("contact", "user_id"),
    [
        ("<@U123ABC>", "U123ABC"),
        ("U123ABC", "U123ABC"),
        ("@U123ABC", "U123ABC"),
        ("<@W0ENTERPRISE>", "W0ENTERPRISE"),
    ],
)
def test_parse_stakeholders_reads_slack_users(contact: str, user_id: str) -> None:
    [person] = parse_stakeholders(f"Jane Doe | IT Director | technical lead | {contact}")
    assert person.slack_user_id == user_id
    assert person.email is None


def test_parse_stakeholders_reads_a_labelled_slack_mention() -> None:
    [person] = parse_stakeholders("Jane Doe | IT Director | technical lead | <@U123ABC|jane>")
    assert person.slack_user_id == "U123ABC"


def test_parse_stakeholders_strips_bullets_and_skips_blank_lines() -> None:
    text = (
        "\n"
        "- Dana Whitfield | VP Operations | sponsor | dana@acme.io\n"
        "   \n"
        "* Priya Raman | Ops Manager | champion | <@U0PRIYA>\n"
        "• Marcus Lee | IT Director | tech lead | marcus.lee+it@acme-mfg.co.uk\n"
        "1. Tom Becker | Plant Manager | end user champion | U0TOM\n"
        "2) Rosa Alvarez | Plant Manager | power user | rosa@acme.io\n"
        "[ ] Jin Park |  | detractor | jin@acme.io\n"
        "\n"
    )
    people = parse_stakeholders(text)
    assert [(p.name, p.title, p.role, p.slack_user_id, p.email) for p in people] == [
        (
            "Dana Whitfield",
            "VP Operations",
            StakeholderRole.EXECUTIVE_SPONSOR,
            None,
            "dana@acme.io",
        ),
        ("Priya Raman", "Ops Manager", StakeholderRole.CHAMPION, "U0PRIYA", None),
        (
            "Marcus Lee",
            "IT Director",
            StakeholderRole.TECHNICAL_LEAD,
            None,
            "marcus.lee+it@acme-mfg.co.uk",
        ),
        ("Tom Becker", "Plant Manager", StakeholderRole.END_USER_CHAMPION, "U0TOM", None),
        ("Rosa Alvarez", "Plant Manager", StakeholderRole.END_USER_CHAMPION, None, "rosa@acme.io"),
        ("Jin Park", "", StakeholderRole.DETRACTOR, None, "jin@acme.io"),
    ]


def test_parse_stakeholders_of_nothing_is_empty() -> None:
    assert parse_stakeholders("") == []
    assert parse_stakeholders("\n  \n- \n") == []


GOOD = "Dana Whitfield | VP Operations | sponsor | dana@acme.io"


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ("Marcus Lee | IT Director | marcus@acme.io", "expected “Name | Title | Role"),
        ("Marcus Lee | IT Director | tech lead | marcus@acme.io | extra", "expected"),
        (" | IT Director | tech lead | marcus@acme.io", "expected"),
        ("Marcus Lee | IT Director | wizard | marcus@acme.io", "unknown role “wizard”"),
        ("Marcus Lee | IT Director | tech lead | marcus@acme", "“marcus@acme” is neither"),
        ("Marcus Lee | IT Director | tech lead | @marcus", "“@marcus” is neither"),
        ("Marcus Lee | IT Director | tech lead | ", "is neither an email nor a @user"),
        ("Marcus Lee | IT Director | tech lead | call his assistant", "is neither"),
    ],
)
def test_parse_stakeholders_names_the_bad_line(bad_line: str, says: str) -> None:
    with pytest.raises(LineError) as caught:
        parse_stakeholders(f"{GOOD}\n{bad_line}\n{GOOD}")
    message = str(caught.value)
    assert message.startswith("Line 2: ")
    assert says in message


def test_parse_stakeholders_counts_blank_lines_in_the_line_number() -> None:
    with pytest.raises(LineError, match=r"^Line 4: unknown role"):
        parse_stakeholders(f"{GOOD}\n\n{GOOD}\nMarcus Lee | IT Director | boss | m@acme.io")


def test_parse_stakeholders_error_quotes_a_long_line_shortened() -> None:
    with pytest.raises(LineError) as caught:
        parse_stakeholders("x" * 500)
    message = str(caught.value)
    assert message.startswith("Line 1: ")
    assert "x" * 80 in message and "x" * 81 not in message


# --- parse_dated_lines -------------------------------------------------------------------------


def test_parse_dated_lines_reads_pipe_and_by_dates() -> None:
    text = (
        "- Cut order entry time from 12 to 4 minutes | 2026-12-31\n"
        "\n"
        "* Reduce mismatches by 50% (by 2027-01-15)\n"
        "3 plants live on the new flow\n"
        "Weekly status call |   \n"
    )
    assert parse_dated_lines(text) == [
        DatedLine("Cut order entry time from 12 to 4 minutes", date(2026, 12, 31)),
        DatedLine("Reduce mismatches by 50% (by 2027-01-15)", date(2027, 1, 15)),
        DatedLine("3 plants live on the new flow", None),
        DatedLine("Weekly status call", None),
    ]


def test_parse_dated_lines_splits_on_the_last_pipe() -> None:
    [item] = parse_dated_lines("SAP | Salesforce sync | 2026-12-18")
    assert item == DatedLine("SAP | Salesforce sync", date(2026, 12, 18))


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ("Connector | 2026-13-45", "Line 2: “2026-13-45” is not a date (YYYY-MM-DD)"),
        ("Connector | next week", "Line 2: “next week” is not a date"),
        ("Connector | 12/18/2026", "Line 2: “12/18/2026” is not a date"),
        ("Connector (by 2026-02-30)", "Line 2: “2026-02-30” is not a valid date"),
    ],
)
def test_parse_dated_lines_names_the_line_with_a_bad_date(bad_line: str, says: str) -> None:
    with pytest.raises(LineError) as caught:
        parse_dated_lines(f"Training at Dayton | 2027-01-15\n{bad_line}")
    assert str(caught.value).startswith(says)


# --- parse_risks -------------------------------------------------------------------------------


def test_parse_risks_reads_severities() -> None:
    text = (
        "high: IT team stretched by an SAP upgrade\n"
        "- Critical: sponsor leaving in March\n"
        "H: no test environment\n"
        "med: plant managers skeptical\n"
        "Budget owner may change | LOW\n"
        "l: minor language barrier\n"
        "Unclear data ownership\n"
        "\n"
        "Note: legal review pending\n"
        "Champion on leave | urgent\n"
    )
    assert parse_risks(text) == [
        RiskLine("IT team stretched by an SAP upgrade", Severity.HIGH),
        RiskLine("sponsor leaving in March", Severity.HIGH),
        RiskLine("no test environment", Severity.HIGH),
        RiskLine("plant managers skeptical", Severity.MEDIUM),
        RiskLine("Budget owner may change", Severity.LOW),
        RiskLine("minor language barrier", Severity.LOW),
        RiskLine("Unclear data ownership", Severity.MEDIUM),
        RiskLine("Note: legal review pending", Severity.MEDIUM),
        RiskLine("Champion on leave | urgent", Severity.MEDIUM),
    ]


def test_parse_risks_of_nothing_is_empty() -> None:
    assert parse_risks("  \n\n") == []


def test_is_measurable_needs_a_number() -> None:
    assert is_measurable("Cut order entry from 12 to 4 minutes")
    assert is_measurable("95% of users trained")
    assert not is_measurable("Happier plant managers")


# --- prefill_from_message ----------------------------------------------------------------------


def test_prefill_from_a_crm_closed_won_post() -> None:
    post = (
        "*Closed Won* :tada:\n"
        "Company: Acme Manufacturing\n"
        "ARR: $95,000\n"
        "Industry: Manufacturing\n"
        "Close date: 2026-11-20"
    )
    assert prefill_from_message(post) == {
        "company_name": "Acme Manufacturing",
        "arr": "$95,000",
        "industry": "Manufacturing",
        "start_date": "2026-11-20",
    }
    assert parse_money(prefill_from_message(post)["arr"]) == Decimal("95000")


def test_prefill_from_a_one_liner() -> None:
    found = prefill_from_message("Acme Manufacturing - Closed Won - $95K")
    assert found == {"company_name": "Acme Manufacturing", "arr": "$95K"}
    assert parse_money(found["arr"]) == Decimal("95000")


def test_prefill_reads_bold_keys_and_more_fields() -> None:
    post = (
        "*Account name:* Globex Corp\n"
        "*Deal size:* $1.2M\n"
        "Website: https://globex.example\n"
        "Employees: 5,000\n"
        "Contract term: 24 months\n"
        "Go-live: 2027-03-01\n"
        "Owner: Alex\n"
    )
    assert prefill_from_message(post) == {
        "company_name": "Globex Corp",
        "arr": "$1.2M",
        "website": "https://globex.example",
        "company_size": "5,000",
        "contract_term": "24 months",
        "go_live_target": "2027-03-01",
    }


def test_prefill_drops_dates_it_cannot_read_and_keeps_the_first_value() -> None:
    post = "Company: Acme\nCompany: Other\nClose date: next Friday\nARR: 95K"
    assert prefill_from_message(post) == {"company_name": "Acme", "arr": "95K"}


def test_prefill_from_nothing_is_empty() -> None:
    assert prefill_from_message("") == {}


@pytest.mark.parametrize(
    ("post", "company"),
    [
        ("*Closed Won* :tada:\nARR: $95K", None),
        ("Closed Won: Acme Manufacturing ($95K)", "Acme Manufacturing"),
    ],
)
def test_prefill_company_fallback_is_clean(post: str, company: str | None) -> None:
    found = prefill_from_message(post)
    assert found["arr"] == "$95K"
    assert found.get("company_name") == company
