"""The wheel `pip install .` builds carries everything Onboard reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_DIRS = ("bot", "handlers", "jobs", "migrations")


def _expected() -> set[str]:
    """Every file a running Onboard may open, as its path inside the wheel."""
    files = {
        f"bot/templates/{path.relative_to(ROOT / 'templates').as_posix()}"
        for path in (ROOT / "templates").rglob("*")
        if path.is_file() and path.suffix in (".yml", ".j2")
    }
    for folder in RUNTIME_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".mako", ".ini", ".yml", ".j2"):
                files.add(path.relative_to(ROOT).as_posix())
    return files


def test_the_wheel_carries_every_template_playbook_and_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("onboard-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_expected() - shipped)
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
    assert (
        "bot/templates/playbooks/" + next((ROOT / "templates/playbooks").glob("*.yml")).name
        in shipped
    )
