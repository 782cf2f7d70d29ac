"""The capacity settings of `onboard serve`: server threads, listener threads and the database
pool, which by default follows the two thread counts so no checkout has to wait."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.capacity import POOL_SPARE
from bot.config import SettingsError, load_settings
from bot.db import Database
from bot.observability import Metrics
from tests.platform.test_runtime import ENV, ROOT, run_cli


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**ENV, "ONBOARD_SERVER_THREADS": "many"}, "ONBOARD_SERVER_THREADS"),
        ({**ENV, "ONBOARD_SERVER_THREADS": "0"}, "ONBOARD_SERVER_THREADS"),
        ({**ENV, "ONBOARD_LISTENER_THREADS": "4.5"}, "ONBOARD_LISTENER_THREADS"),
        ({**ENV, "ONBOARD_LISTENER_THREADS": "-1"}, "ONBOARD_LISTENER_THREADS"),
        ({**ENV, "ONBOARD_DB_POOL_SIZE": "ten"}, "ONBOARD_DB_POOL_SIZE"),
        ({**ENV, "ONBOARD_DB_POOL_SIZE": "0"}, "ONBOARD_DB_POOL_SIZE"),
    ],
)
def test_a_bad_capacity_setting_is_named_in_one_line_with_exit_code_2(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)
    result = run_cli("serve", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr
    assert "Traceback" not in result.stderr


def test_capacity_defaults() -> None:
    settings = load_settings(ENV)
    assert (settings.server_threads, settings.listener_threads) == (16, 32)
    assert settings.db_pool_size == 16 + 32 + POOL_SPARE


def test_the_pool_follows_the_thread_counts_unless_set() -> None:
    settings = load_settings(
        {**ENV, "ONBOARD_SERVER_THREADS": "4", "ONBOARD_LISTENER_THREADS": "6"}
    )
    assert settings.db_pool_size == 4 + 6 + POOL_SPARE
    explicit = load_settings({**ENV, "ONBOARD_SERVER_THREADS": "4", "ONBOARD_DB_POOL_SIZE": "9"})
    assert explicit.db_pool_size == 9


def test_the_engine_opens_at_most_the_pool_size_and_metrics_show_its_use(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/onboard.db", pool_size=2)
    metrics = Metrics(db)
    first, second = db.engine.connect(), db.engine.connect()
    try:
        assert db.engine.pool.checkedout() == 2
        first.execute(text("SELECT 1"))
        exposition = metrics.exposition().decode()
    finally:
        first.close()
        second.close()
        db.engine.dispose()
    assert "onboard_db_pool_size 2.0" in exposition
    assert "onboard_db_pool_in_use 2.0" in exposition
    assert "onboard_db_pool_exhausted_total 1.0" in exposition  # a third would have waited
    assert "onboard_db_pool_peak_in_use 2.0" in exposition


def test_onboard_serve_sizes_its_pool_from_its_thread_settings(tmp_path: Path, fake_slack) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORT": str(port),
        "ONBOARD_SCHEDULER": "off",
        "ONBOARD_SERVER_THREADS": "3",
        "ONBOARD_LISTENER_THREADS": "5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        exposition = _scrape(f"http://127.0.0.1:{port}/metrics")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert f"onboard_db_pool_size {3 + 5 + POOL_SPARE}.0" in exposition


def _scrape(url: str, attempts: int = 150) -> str:
    """The metrics once the server answers (it migrates its database first)."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")
