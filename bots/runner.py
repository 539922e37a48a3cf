"""``possibles run``: every role in one asyncio event loop, or some of them.

Roles: telegram, discord, web (front ends that have a token or exist),
scheduler (digests, recalls, expiry — exactly one per deployment) and sender
(routes the outbox and drains deliveries through each platform's sender).
With no platform token at all, the terminal chat takes the place of the
front ends. Front ends plug their Sender into notifications here; nothing in
notifications imports a front end.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from bots.console import ConsoleSession
from core.bootstrap import Runtime

__all__ = ["ROLES", "Plan", "plan_roles", "serve"]

log = logging.getLogger(__name__)

ROLES = ("telegram", "discord", "web", "scheduler", "sender")


class Plan:
    """What this process runs, decided from the settings and ``--only``."""

    def __init__(self, runtime: Runtime, only: set[str] | None) -> None:
        settings = runtime.settings
        self.tokens = {
            "telegram": settings.telegram.token is not None,
            "discord": settings.discord.token is not None,
        }
        wanted = set(ROLES) if not only else set(only)
        unknown = wanted - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}; roles: {', '.join(ROLES)}")
        self.front_ends: list[str] = []
        for name in ("telegram", "discord"):
            if name in wanted and self.tokens[name]:
                if _available(f"bots.{name}"):
                    self.front_ends.append(name)
                else:
                    log.warning("a %s token is set but possibles has no %s front end yet", name, name)
        self.web = "web" in wanted and _available("bots.web")
        self.scheduler = "scheduler" in wanted
        self.sender = "sender" in wanted
        #: No token at all and no --only: talk in the terminal.
        self.console = not only and not any(self.tokens.values())

    def describe(self) -> str:
        parts: list[str] = list(self.front_ends)
        if self.console:
            parts.append("terminal chat")
        if self.web:
            parts.append("web")
        if self.scheduler:
            parts.append("scheduler")
        if self.sender:
            parts.append("sender")
        return ", ".join(parts) or "nothing"


def plan_roles(runtime: Runtime, only: set[str] | None) -> Plan:
    return Plan(runtime, only)


def _available(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return True


async def serve(
    runtime: Runtime, plan: Plan, *, console_name: str = "me", console_language: str | None = None
) -> None:
    """Run the planned roles until a signal, the end of the terminal chat, or a crash."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, Any]]] = []
    senders: list[Any] = []

    for name in plan.front_ends:
        front_end = importlib.import_module(f"bots.{name}").create_front_end(runtime)
        tasks.append(front_end.serve)
        senders.append(front_end.sender())
    if plan.sender:
        # A sender-only process still needs one sender per platform token.
        for name, has_token in plan.tokens.items():
            if has_token and name not in plan.front_ends and _available(f"bots.{name}.sender"):
                senders.append(
                    getattr(importlib.import_module(f"bots.{name}.sender"), f"{name}_sender")(
                        runtime.settings
                    )
                )

    if plan.console:
        session = ConsoleSession(runtime.chat(), console_name, language=console_language)

        async def talk(stop: asyncio.Event) -> None:
            await session.run(stop)
            stop.set()  # /quit, Ctrl-C or end of input ends the process

        tasks.append(talk)
        if _available("bots.console.sender"):
            senders.append(importlib.import_module("bots.console.sender").ConsoleSender(session))

    if (plan.scheduler or plan.sender) and _available("notifications.service"):
        notifications = importlib.import_module("notifications.service")

        async def notify(stop: asyncio.Event) -> None:
            await notifications.serve(runtime, senders, stop, scheduler=plan.scheduler, sending=plan.sender)

        tasks.append(notify)

    if not tasks:
        log.warning("nothing to run")
        return
    running: list[asyncio.Task[Any]] = [asyncio.create_task(task(stop)) for task in tasks]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*running, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("a role stopped with an error", exc_info=task.exception())
    await asyncio.wait(running, timeout=10)
    for task in running:
        task.cancel()
