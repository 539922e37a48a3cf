"""``possibles run``: every role in one asyncio event loop, or some of them.

Roles: telegram, discord (the front ends of bots.registry that have a
token), web (the public pages, on Settings.web's host and port), scheduler
(digests, recalls, expiry — exactly one per deployment) and sender (routes
the outbox and drains deliveries through each platform's sender). With no
platform token at all, the terminal chat takes the place of the front ends.
Front ends plug their Sender into notifications here; nothing
in notifications imports a front end. A front end taking its updates by
webhook (Telegram with ``webhook_url``) hands its receiver to the web
server, which then listens even under ``--only telegram`` (the webhook,
/healthz and /metrics, without the pages).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from bots.console import ConsoleSession
from bots.front_end import Webhook, WebhookFrontEnd
from bots.registry import FRONT_ENDS, front_end, sender_only, web_server
from core.bootstrap import Runtime
from notifications.ports import Sender

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
        #: The registered front ends this process serves, by name.
        self.front_ends: list[str] = []
        for name in ("telegram", "discord"):
            if name not in wanted or not self.tokens[name]:
                continue
            if name in FRONT_ENDS:
                self.front_ends.append(name)
            else:
                log.warning("a %s token is set but possibles has no %s front end yet", name, name)
        #: The public pages, wanted unless --only leaves them out.
        self.web = "web" in wanted
        #: Telegram takes its updates by webhook: the web server listens for
        #: them, with the pages or alone (``--only telegram``).
        self.webhook = "telegram" in self.front_ends and settings.telegram.webhook_url is not None
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
        elif self.webhook:
            parts.append("webhook")
        if self.scheduler:
            parts.append("scheduler")
        if self.sender:
            parts.append("sender")
        return ", ".join(parts) or "nothing"


def plan_roles(runtime: Runtime, only: set[str] | None) -> Plan:
    return Plan(runtime, only)


async def serve(
    runtime: Runtime,
    plan: Plan,
    *,
    console_name: str = "me",
    console_language: str | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run the planned roles until a signal, the end of the terminal chat, or a crash.

    ``announce`` is told where the web pages listen, once they do (the web
    server binds before anything runs: a taken port stops the start, with
    bots.web.server.WebUnavailable)."""
    # Imported here, not at the top: `possibles --help` imports this module.
    from bots.console.sender import ConsoleSender
    from notifications import service as notifications

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, Any]]] = []
    senders: list[Sender] = []

    webhooks: list[Webhook] = []
    for name in plan.front_ends:
        serving = front_end(name, runtime)
        tasks.append(serving.serve)
        senders.append(serving.sender())
        if isinstance(serving, WebhookFrontEnd) and (webhook := serving.webhook()) is not None:
            webhooks.append(webhook)
    if plan.sender:
        # A sender-only process still needs one sender per platform token.
        for name, has_token in plan.tokens.items():
            if has_token and name in FRONT_ENDS and name not in plan.front_ends:
                senders.append(sender_only(name, runtime.settings))

    if plan.web or webhooks:
        web = web_server(runtime, webhooks, pages=plan.web)
        address = web.bind()
        (announce or log.info)(f"web pages at {address}" if plan.web else f"webhooks at {address}")
        tasks.append(web.serve)

    if plan.console:
        session = ConsoleSession(runtime.chat(), console_name, language=console_language)

        async def talk(stop: asyncio.Event) -> None:
            await session.run(stop)
            stop.set()  # /quit, Ctrl-C or end of input ends the process

        tasks.append(talk)
        senders.append(ConsoleSender(session))

    if plan.scheduler or plan.sender:

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
