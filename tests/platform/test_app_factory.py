"""The app factory starts quietly: nothing Bolt warns about at start-up."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from bot.db import Database
from bot.entry.app import create_app
from bot.playbooks import PlaybookLibrary


def test_creating_the_app_warns_of_no_unused_token(
    settings: Settings, db: Database, playbooks: PlaybookLibrary, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        app = create_app(settings, db=db, playbooks=playbooks)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "token" in w.lower()], warnings
    assert app.client.token == settings.slack_bot_token  # the client carries the token
