"""The outbox's background thread: a delivery pass every few seconds, and at once when kicked."""

from __future__ import annotations

import logging
import threading

from bot.slack.sender import OutboxSender

log = logging.getLogger(__name__)


class OutboxLoop:
    """A background thread that runs `deliver_due` every `interval` seconds, and at once after
    `kick()`. Handlers kick it after they enqueue; scheduled jobs do the same."""

    def __init__(self, sender: OutboxSender, interval: float = 5.0) -> None:
        self.sender = sender
        self.interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        self._started = 0
        self._finished = 0
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="onboard-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("outbox: the sender thread did not stop within %ss", timeout)

    def kick(self) -> None:
        """Ask for a delivery pass now; never blocks."""
        self._wake.set()

    def recheck_access(self) -> None:
        """A verified request came in: if Slack access is suspended, probe it now (the
        request may be the first since the app was reinstalled)."""
        if self.sender.gate.suspended:
            self.sender.gate.probe_soon()
            self.kick()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait for a full pass that started after this call (tests, shutdown). Without a
        running thread, run the pass here."""
        if not self.running:
            self.sender.deliver_due()
            return True
        with self._progress:
            wanted = self._started + 1
            self._wake.set()
            return self._progress.wait_for(lambda: self._finished >= wanted, timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            with self._progress:
                self._started += 1
            try:
                report = self.sender.deliver_due()
                if report.sent or report.failed or report.skipped:
                    log.info("outbox pass: %s", report)
            except Exception:
                # The loop outlives a database or network outage; the next pass retries.
                log.exception("outbox: delivery pass failed")
            finally:
                with self._progress:
                    self._finished += 1
                    self._progress.notify_all()
            self._wake.wait(self.interval)


class NoOutbox:
    """Stands in for the loop where nothing delivers (a Deps built without one): kicks do
    nothing, rows stay queued for a process that runs a sender."""

    running = False

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 30.0) -> None:
        pass

    def kick(self) -> None:
        pass

    def recheck_access(self) -> None:
        pass

    def drain(self, timeout: float = 10.0) -> bool:
        return True
