"""`onboard usage import FILE.csv`: exit codes, the line named, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.entry.cli import main
from bot.models import UsageRecord
from tests.factories import open_onboarding


@pytest.fixture
def acme(session, playbooks) -> int:  # type: ignore[no-untyped-def]
    return open_onboarding(session, playbooks, "Acme Manufacturing")


def _sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "usage.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(db: Database) -> list[tuple[str, int, int, dict[str, int]]]:
    with db.session() as session:
        return [
            (r.day.isoformat(), r.active_users, r.licensed_users, r.features)
            for r in session.scalars(select(UsageRecord).order_by(UsageRecord.day))
        ]


def test_a_sheet_is_imported_with_its_feature_columns(
    db: Database, acme: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _sheet(
        tmp_path,
        "date,customer,active_users,licensed_users,dashboards,alerts\n"
        "2026-12-01,Acme Manufacturing,12,40,3,0\n"
        "\n"
        "2026-12-02,acme,15,40,4,\n",
    )

    assert main(["usage", "import", str(path), "--database", db.url]) == 0

    assert "imported 2 usage records" in capsys.readouterr().out
    assert _rows(db) == [
        ("2026-12-01", 12, 40, {"dashboards": 3, "alerts": 0}),
        ("2026-12-02", 15, 40, {"dashboards": 4}),
    ]


def test_importing_a_day_again_replaces_it(db: Database, acme: int, tmp_path: Path) -> None:
    header = "date,customer,active_users,licensed_users\n"
    main(
        [
            "usage",
            "import",
            str(_sheet(tmp_path, header + "2026-12-01,Acme,12,40\n")),
            "--database",
            db.url,
        ]
    )
    path = _sheet(tmp_path, header + "2026-12-01,Acme,30,40\n")

    assert main(["usage", "import", str(path), "--database", db.url]) == 0
    assert _rows(db) == [("2026-12-01", 30, 40, {})]


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ("2026-12-02,Globex,1,40", "line 4, customer: unknown customer 'Globex'"),
        ("2026-12-02,Acme,-1,40", "line 4, active_users: cannot be negative"),
        ("2026-12-02,Acme,2.5,40", "line 4, active_users: must be a whole number"),
        ("2026-13-02,Acme,1,40", "line 4, date: 2026-13-02 is not a calendar date"),
        ("2026-12-02,Acme,41,40", "line 4, active_users: 41 active is more than 40 licensed"),
        ("2026-12-02,Acme,1", "line 4: 3 cells for 4 columns"),
    ],
)
def test_an_invalid_line_is_named_and_nothing_is_imported(
    db: Database,
    acme: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_line: str,
    says: str,
) -> None:
    path = _sheet(
        tmp_path,
        "date,customer,active_users,licensed_users\n"
        "2026-11-30,Acme,10,40\n"
        "2026-12-01,Acme,11,40\n"
        f"{bad_line}\n",
    )

    assert main(["usage", "import", str(path), "--database", db.url]) == 1

    err = capsys.readouterr().err
    assert says in err
    assert "nothing was imported" in err
    assert _rows(db) == []


def test_a_sheet_without_the_header_or_the_file_is_refused(
    db: Database, acme: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _sheet(tmp_path, "day,customer,active,licensed\n2026-12-01,Acme,1,2\n")
    assert main(["usage", "import", str(path), "--database", db.url]) == 1
    assert "line 1: the header needs date, customer, active_users, licensed_users" in (
        capsys.readouterr().err
    )
    missing = tmp_path / "nope.csv"
    assert main(["usage", "import", str(missing), "--database", db.url]) == 1
    assert f"cannot read {missing}" in capsys.readouterr().err
