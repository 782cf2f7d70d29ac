"""`onboard usage import FILE.csv`: a spreadsheet of daily usage, read into the records that
`POST /usage` takes, so both go through the same validation."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REQUIRED_COLUMNS = ("date", "customer", "active_users", "licensed_users")
_WHOLE = re.compile(r"^[+-]?\d+$")


class CsvError(ValueError):
    """The file is not a usage sheet: which line and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


@dataclass(frozen=True)
class Sheet:
    records: list[dict[str, Any]]
    lines: list[int]  # the file line each record starts on


def records_from_csv(lines: Iterable[str]) -> Sheet:
    """One record per row: the four columns, and every other column as a feature count (an
    empty cell is no count); blank lines are skipped. Whole numbers become ints; anything else
    stays text for the validation to name."""
    reader = csv.reader(lines)
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CsvError(1, f"the header needs {', '.join(REQUIRED_COLUMNS)} (missing {missing[0]})")
    if len(set(header)) != len(header) or "" in header:
        raise CsvError(1, "every column needs a name of its own")
    sheet = Sheet([], [])
    ended_on = reader.line_num  # the header's last line
    for row in reader:
        number, ended_on = ended_on + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CsvError(number, f"{len(row)} cells for {len(header)} columns")
        sheet.records.append(_record(dict(zip(header, (c.strip() for c in row), strict=True))))
        sheet.lines.append(number)
    return sheet


def _record(cells: dict[str, str]) -> dict[str, Any]:
    features = {
        name: _number(value)
        for name, value in cells.items()
        if name not in REQUIRED_COLUMNS and value != ""
    }
    return {
        "date": cells["date"],
        "customer": cells["customer"],
        "active_users": _number(cells["active_users"]),
        "licensed_users": _number(cells["licensed_users"]),
        "features": features,
    }


def _number(cell: str) -> Any:
    if cell == "":
        return None
    return int(cell) if _WHOLE.match(cell) else cell
