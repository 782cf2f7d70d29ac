"""Scheduled jobs, thin: each detects through bot/ services and queues posts in the outbox.

Every job is a function of `JobContext.now` that queues what is due at that moment and not yet
queued (the outbox key carries the period), so running it twice, late, or from two processes
posts nothing twice. Each job module adds itself to `JOBS` under its CLI name.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.jobs import Job

JOBS: dict[str, Job] = {}


def load() -> dict[str, Job]:
    """Import every job module of this package (each adds itself to `JOBS`); the registry.

    Called once by the entry points that run jobs (the scheduler, `onboard jobs run`).
    """
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return JOBS
