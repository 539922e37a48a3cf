"""One person chatting in the terminal (or through a pipe)."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bots.console.render import render_reply
from core.domain.members import Identity
from core.presentation.cards import Action, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker

__all__ = ["PLATFORM", "ConsoleSession"]

PLATFORM = "console"


class ConsoleSession:
    """Reads lines, answers them. ``/cmd args`` runs a command; a number
    presses the matching choice of the last answer; other text goes to the
    open flow. ``/quit`` or end of input stops."""

    def __init__(
        self, chat: Chat, name: str, *, output: TextIO | None = None, language: str | None = None
    ) -> None:
        self.chat = chat
        self.speaker = Speaker(Identity(PLATFORM, name), display_name=name, language_code=language)
        self.output = output or sys.stdout
        self.choices: list[Action] = []

    def handle(self, line: str) -> Reply | None:
        """Answer one line (synchronously); None when there is nothing to say."""
        text = line.strip()
        if not text:
            return None
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            name = name.split("@", 1)[0]
            return self.chat.command(self.speaker, name, args)
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.chat.press(self.speaker, self.choices[int(text) - 1].payload)
        return self.chat.text(self.speaker, text)

    def show(self, reply: Reply) -> None:
        self.choices = []
        self.output.write(render_reply(reply, self.choices) + "\n\n")
        self.output.flush()

    async def run(self, source: TextIO | None = None, *, prompt: bool | None = None) -> None:
        """Talk until /quit or end of input; the core runs off the event loop."""
        source = source or sys.stdin
        interactive = source.isatty() if prompt is None else prompt
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.output.write("> ")
                self.output.flush()
            line = await loop.run_in_executor(None, source.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            reply = await asyncio.to_thread(self.handle, line)
            if reply is not None:
                self.show(reply)
