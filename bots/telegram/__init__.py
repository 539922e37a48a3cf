"""The Telegram front end (python-telegram-bot 22): commands generated from the
core's catalog, buttons, deep links, inline sharing, the moderators' group.

``possibles run`` starts it when a token is configured (POSSIBLES_TELEGRAM_TOKEN),
through its Registration in bots.registry: TelegramFrontEnd is a
bots.front_end.FrontEnd, and TelegramSender the notifications' Sender.
"""

from __future__ import annotations

from bots.telegram.app import TelegramFrontEnd
from bots.telegram.sender import TelegramSender, telegram_sender

__all__ = ["TelegramFrontEnd", "TelegramSender", "telegram_sender"]
