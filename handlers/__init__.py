"""Bolt listeners, one module per feature, each with `register(app, commands)` (or
`register(app)` when it adds no command)."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    access,
    alerts,
    changes,
    charts,
    checklist,
    close,
    command,
    commitments,
    conversations,
    escalations,
    feedback,
    gate,
    handoff,
    health,
    home,
    hypercare,
    journey,
    kickoff,
    message_log,
    metrics,
    replan,
    rollback,
    settings,
    setup,
    stakeholders,
    status,
    timeline,
    training,
)


def register_handlers(app: App) -> list[str]:
    """Register every listener; returns the `/onboard` subcommands (for /metrics labels)."""
    commands = command.CommandRouter()
    handoff.register(app, commands)
    home.register(app, commands)
    status.register(app, commands)
    checklist.register(app, commands)
    stakeholders.register(app, commands)
    commitments.register(app)
    health.register(app, commands)
    setup.register(app, commands)
    hypercare.register(app, commands)
    message_log.register(app, commands)
    journey.register(app, commands)
    gate.register(app, commands)
    kickoff.register(app, commands)
    alerts.register(app, commands)
    escalations.register(app)
    timeline.register(app, commands)
    replan.register(app, commands)
    rollback.register(app, commands)
    changes.register(app, commands)
    training.register(app, commands)
    metrics.register(app, commands)
    feedback.register(app, commands)
    charts.register(app, commands)
    settings.register(app, commands)
    close.register(app, commands)
    command.register(app, commands)
    access.register(app)
    conversations.register(app)
    return commands.names
