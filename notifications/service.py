"""The notifications role of ``possibles run``: routing and sending (the
"sender" role), the scheduler (the "scheduler" role), or both."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from core.bootstrap import Runtime
from notifications.dispatcher import Dispatcher
from notifications.ports import Sender
from notifications.router import Router
from notifications.scheduler import run_scheduler

__all__ = ["route_forever", "serve"]

log = logging.getLogger(__name__)


async def route_forever(runtime: Runtime, stop: asyncio.Event, dispatcher: Dispatcher | None = None) -> None:
    """Route the outbox as it grows; wake the dispatcher when there is news."""
    router = Router(runtime)
    poll = runtime.settings.notifications.poll_seconds
    while not stop.is_set():
        try:
            routed = await asyncio.to_thread(router.route_all)
        except Exception:  # the database went away for a moment: try again
            log.exception("routing the outbox failed")
            routed = 0
        if routed and dispatcher is not None:
            dispatcher.wake()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)


async def serve(
    runtime: Runtime,
    senders: Sequence[Sender],
    stop: asyncio.Event,
    *,
    scheduler: bool,
    sending: bool,
) -> None:
    """Run until ``stop``: the router and the dispatcher when ``sending``
    (senders of every platform this process serves), the scheduler when
    ``scheduler`` (it waits for the deployment's scheduler lock)."""
    tasks: list[asyncio.Task[None]] = []
    if sending:
        dispatcher = Dispatcher(runtime, senders)
        tasks.append(asyncio.create_task(route_forever(runtime, stop, dispatcher)))
        tasks.append(asyncio.create_task(dispatcher.run(stop)))
    if scheduler:
        tasks.append(asyncio.create_task(run_scheduler(runtime, stop)))
    if not tasks:
        return
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
