"""`onboard usage import FILE.csv`: a usage sheet into the database, all or nothing."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.db import Database
from bot.services import usage
from bot.services.usage_csv import CsvError, records_from_csv


def import_usage(settings: Settings, path: Path, database: str | None, out: TextIO) -> int:
    """0 when every record was stored; 1, naming the file line, when any is invalid (and then
    nothing was stored)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as sheet_file:
            sheet = records_from_csv(sheet_file)
    except OSError as exc:
        print(f"onboard: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except (CsvError, UnicodeDecodeError) as exc:
        print(f"onboard: {path}: {exc}; nothing was imported", file=sys.stderr)
        return 1
    db = Database(database or settings.database_url)
    db.upgrade()
    today = datetime.now(UTC).astimezone(settings.tz).date()
    try:
        with db.transaction() as session:
            stored = usage.record_batch(session, sheet.records, today)
    except usage.UsageError as exc:
        line = sheet.lines[exc.index] if exc.index < len(sheet.lines) else 1
        print(
            f"onboard: {path} line {line}, {exc.field}: {exc.reason}; nothing was imported",
            file=sys.stderr,
        )
        return 1
    finally:
        db.engine.dispose()
    print(f"imported {stored} usage records from {path}", file=out)
    return 0
