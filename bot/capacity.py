"""How much `onboard serve` works on at once: ONBOARD_SERVER_THREADS, ONBOARD_LISTENER_THREADS
and ONBOARD_DB_POOL_SIZE, which by default follows the two thread counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping

SERVER_THREADS = 16
LISTENER_THREADS = 32
# Connections beyond the server's and the listeners' threads: the outbox sender's, the
# scheduler's job thread and two spare.
POOL_SPARE = 4


def default_pool_size(server_threads: int, listener_threads: int) -> int:
    """A connection for every thread that may hold one at once, so no checkout waits, least of
    all the one an ack waits for (the edge's replay check)."""
    return server_threads + listener_threads + POOL_SPARE


def read_capacity(env: Mapping[str, str], whole: Callable[..., int]) -> dict[str, int]:
    """The three settings from `env`, each read by `whole` (bot.config's whole-number reader:
    a malformed one raises SettingsError naming it)."""
    server = whole(env, "ONBOARD_SERVER_THREADS", SERVER_THREADS, minimum=1)
    listener = whole(env, "ONBOARD_LISTENER_THREADS", LISTENER_THREADS, minimum=1)
    pool = whole(env, "ONBOARD_DB_POOL_SIZE", default_pool_size(server, listener), minimum=1)
    return {"server_threads": server, "listener_threads": listener, "db_pool_size": pool}
