"""`onboard demo`: the 90-day story, printed, with no Slack workspace (bot/entry/demo/run.py)."""

from bot.entry.demo.run import run_demo

__all__ = ["run_demo"]
