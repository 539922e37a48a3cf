"""The front ends ``possibles run`` knows, listed explicitly.

Each Registration imports its platform's library only when that front end is
used (``possibles --help`` stays light), and an import that fails is raised
as FrontEndUnavailable: a configured front end never silently stays off.
A new front end adds one Registration here (see bots/README.md).

The web is not a chat front end (it sends nothing, so it has no Sender):
``web_server`` builds it, with the same lazy import and the same error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from bots.front_end import FrontEnd, FrontEndUnavailable, Registration, Webhook
from core.bootstrap import Runtime
from core.config import Settings
from notifications.ports import Sender

if TYPE_CHECKING:
    from bots.web.server import WebServer

__all__ = ["FRONT_ENDS", "front_end", "sender_only", "web_server"]


def _telegram_configured(settings: Settings) -> bool:
    return settings.telegram.token is not None


def _telegram(runtime: Runtime) -> FrontEnd:
    try:
        from bots.telegram.app import TelegramFrontEnd
    except ImportError as error:
        raise FrontEndUnavailable("telegram", "python-telegram-bot", error) from error
    return TelegramFrontEnd(runtime)


def _telegram_sender(settings: Settings) -> Sender:
    try:
        from bots.telegram.sender import telegram_sender
    except ImportError as error:
        raise FrontEndUnavailable("telegram", "python-telegram-bot", error) from error
    return telegram_sender(settings)


TELEGRAM = Registration("telegram", _telegram_configured, _telegram, _telegram_sender)


def _discord_configured(settings: Settings) -> bool:
    return settings.discord.token is not None


def _discord(runtime: Runtime) -> FrontEnd:
    try:
        from bots.discord.app import DiscordFrontEnd
    except ImportError as error:
        raise FrontEndUnavailable("discord", "discord.py", error) from error
    return DiscordFrontEnd(runtime)


def _discord_sender(settings: Settings) -> Sender:
    try:
        from bots.discord.sender import discord_sender
    except ImportError as error:
        raise FrontEndUnavailable("discord", "discord.py", error) from error
    return discord_sender(settings)


DISCORD = Registration("discord", _discord_configured, _discord, _discord_sender)

#: Every chat front end, by name.
FRONT_ENDS: Mapping[str, Registration] = MappingProxyType({r.name: r for r in (TELEGRAM, DISCORD)})


def front_end(name: str, runtime: Runtime) -> FrontEnd:
    """The registered front end ``name``, built on ``runtime``."""
    return FRONT_ENDS[name].create(runtime)


def sender_only(name: str, settings: Settings) -> Sender:
    """The Sender of the registered front end ``name``, for a process that only sends."""
    return FRONT_ENDS[name].sender(settings)


def web_server(runtime: Runtime, webhooks: Sequence[Webhook] = (), *, pages: bool = True) -> WebServer:
    """The web server on ``runtime`` (bots.web), not yet listening: the public
    pages (unless ``pages`` is False: then only /healthz and /metrics) and
    the platforms' ``webhooks``."""
    try:
        from bots.web import metrics
        from bots.web.app import ROUTES
        from bots.web.server import WebServer
        from bots.web.webhook import webhook_routes
    except ImportError as error:
        raise FrontEndUnavailable("web", "starlette, uvicorn and jinja2", error) from error
    return WebServer(
        runtime, routes_from=ROUTES if pages else (metrics.routes,), extra_routes=webhook_routes(webhooks)
    )
