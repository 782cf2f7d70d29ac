"""Bolt's listener runner, woken by the ack instead of polling for it.

With `process_before_response=False`, Bolt's `ThreadListenerRunner` starts the listener on the
executor and then checks for its ack in 10 ms sleeps (`while ack.response is None:
time.sleep(0.01)`), so a listener that does any work before `ack()` (every answer given in the
ack, and any listener whose thread starts a moment late) answers Slack 10 ms late. Here the
request thread waits on an event that `ack()` sets, or that the listener sets when it ends
without acking (an error, or a listener that never acks). Everything else is Bolt's own code:
lazy listeners, `process_before_response` and auto-acknowledged listeners (events) go to it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context.ack import Ack
from slack_bolt.listener import Listener
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_bolt.logger.messages import warning_did_not_call_ack


class _SignallingAck(Ack):
    """`ack()` that also wakes the request thread waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.settled = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.settled.set()


class PromptAckRunner(ThreadListenerRunner):
    def run(
        self,
        request: BoltRequest,
        response: BoltResponse,
        listener_name: str,
        listener: Listener,
        starting_time: float | None = None,
    ) -> BoltResponse | None:
        if (
            self.process_before_response
            or listener.auto_acknowledgement
            or request.lazy_only
            or listener.lazy_functions
            or request.context.ack.response is not None
        ):
            return super().run(request, response, listener_name, listener, starting_time)
        started = starting_time if starting_time is not None else time.time()
        ack = _SignallingAck()
        request.context["ack"] = ack
        outcome: dict[str, BoltResponse | None] = {"response": response}
        self.listener_executor.submit(self._run_listener, request, listener, ack, outcome)
        ack.settled.wait(max(0.0, started + listener.ack_timeout - time.time()))
        if outcome["response"] is not None:
            return outcome["response"]
        if ack.response is None:
            self.logger.warning(warning_did_not_call_ack(listener_name))
        return ack.response

    def _run_listener(
        self,
        request: BoltRequest,
        listener: Listener,
        ack: _SignallingAck,
        outcome: dict[str, BoltResponse | None],
    ) -> None:
        """Bolt's `run_ack_function_asynchronously` for a listener that acks itself."""
        response = outcome["response"]
        try:
            self.listener_start_handler.handle(request=request, response=response)
            listener.run_ack_function(request=request, response=response)
        except Exception as e:  # Bolt's contract: any error goes to the app's error handler
            if response is None:
                response = BoltResponse(status=500)
            response.status = 500
            if ack.response is not None:  # already acknowledged
                response = None
            self.listener_error_handler.handle(error=e, request=request, response=response)
            ack.response = response
            outcome["response"] = response
        finally:
            self.listener_completion_handler.handle(request=request, response=response)
            ack.settled.set()


def prompt_acks(app: App) -> None:
    """Swap `app`'s listener runner for a PromptAckRunner with the same handlers and
    executor. Call before `app.error(...)`, which sets the runner's error handler."""
    bolt = app.listener_runner
    app._listener_runner = PromptAckRunner(  # Bolt takes no runner argument
        logger=bolt.logger,
        process_before_response=bolt.process_before_response,
        listener_error_handler=bolt.listener_error_handler,
        listener_start_handler=bolt.listener_start_handler,
        listener_completion_handler=bolt.listener_completion_handler,
        listener_executor=bolt.listener_executor,
        lazy_listener_runner=bolt.lazy_listener_runner,
    )
