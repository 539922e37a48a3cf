"""The Telegram front end (python-telegram-bot 22): commands generated from the
core's catalog, buttons, deep links, inline sharing, the moderators' group.

``possibles run`` starts it when a token is configured (POSSIBLES_TELEGRAM_TOKEN):
``create_front_end(runtime)`` gives an object with ``await serve(stop)`` and
``sender()`` (the notifications' Sender on the same Bot).
"""

from __future__ import annotations

from bots.telegram.app import TelegramFrontEnd
from bots.telegram.sender import TelegramSender, telegram_sender
from core.bootstrap import Runtime

__all__ = ["TelegramFrontEnd", "TelegramSender", "create_front_end", "telegram_sender"]


def create_front_end(runtime: Runtime) -> TelegramFrontEnd:
    return TelegramFrontEnd(runtime)
