"""The terminal chat: the commands the chat platforms have, with numbered
choices where a platform shows buttons. Works with no token at all."""

from bots.console.render import render_card, render_reply
from bots.console.session import ConsoleSession

__all__ = ["ConsoleSession", "render_card", "render_reply"]
