"""The FrontEnd port: what ``possibles run`` needs of a chat platform.

A front end is a renderer (cards to the platform's messages), a sender (the
notifications' Sender port, notifications.ports) and a thin app that turns
the platform's events into calls of core.presentation.chat.Chat and delivers
the replies where core.presentation.answers says. It decides no rule.

Each front end is registered explicitly in bots.registry with a
Registration; bots/README.md lists the steps of adding one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from core.bootstrap import Runtime
from core.config import Settings
from core.presentation.answers import Limits
from notifications.ports import Sender

__all__ = ["FrontEnd", "FrontEndUnavailable", "Registration", "Webhook", "WebhookFrontEnd"]


@runtime_checkable
class FrontEnd(Protocol):
    """One chat platform's front end, serving one bot token."""

    #: The role's name in ``possibles run --only`` ("telegram").
    name: str
    #: What the platform allows (the length of an alert...), for the core's decisions.
    limits: Limits

    async def serve(self, stop: asyncio.Event) -> None:
        """Handle the platform's events until ``stop`` is set, then shut down cleanly."""
        ...

    def sender(self) -> Sender:
        """The notifications' Sender on the same bot (one sender per token)."""
        ...


class Webhook(Protocol):
    """Updates a platform posts to us (Telegram's webhook), received by the
    web server (bots.web.webhook) at ``path``, on the web's one port."""

    #: The path it answers POST requests on ("/telegram/hook").
    path: str

    def authorised(self, headers: Mapping[str, str]) -> bool:
        """Whether a request with these headers comes from the platform (its
        secret): asked before the body is read, so that anyone else's request
        is refused (403) without reading or handling anything."""
        ...

    async def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """Handle one authorised request; the HTTP status to answer (200 once
        handled; 403, nothing handled, when ``authorised`` says no)."""
        ...


@runtime_checkable
class WebhookFrontEnd(Protocol):
    """A front end that may take its updates by webhook."""

    def webhook(self) -> Webhook | None:
        """Its webhook receiver, or None when it fetches updates itself."""
        ...


class FrontEndUnavailable(Exception):
    """A front end that is configured but cannot run here (its library is not
    installed): said at start, never a role silently switched off."""

    def __init__(self, name: str, requirement: str, cause: BaseException) -> None:
        self.name = name
        self.requirement = requirement
        super().__init__(f"the {name} front end needs {requirement}, which cannot be imported: {cause}")


@dataclass(frozen=True)
class Registration:
    """How ``possibles run`` finds, builds and feeds one front end."""

    name: str
    #: Whether the settings ask for it (its token is set).
    configured: Callable[[Settings], bool]
    #: The front end, for a process that handles the platform's events.
    create: Callable[[Runtime], FrontEnd]
    #: Its Sender alone, for a process that only sends (``--only sender``).
    sender: Callable[[Settings], Sender]
