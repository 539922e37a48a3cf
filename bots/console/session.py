"""One person chatting in the terminal (or through a pipe)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from bots.console.files import save_document
from bots.console.lines import read_lines
from bots.console.render import render_reply
from core.domain.members import Identity
from core.presentation.cards import Action, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker

__all__ = ["PLATFORM", "QUIT", "ConsoleSession"]

PLATFORM = "console"
#: What ends the chat besides end of input and Ctrl-C.
QUIT = ("/quit", "/exit")
PROMPT = "> "


class ConsoleSession:
    """Reads lines, answers them. ``/cmd args`` runs a command; a number
    presses the matching choice of the last answer; other text goes to the
    open flow. ``/quit``, end of input or Ctrl-C stops.

    In a terminal the prompt is drawn by prompt_toolkit: whatever is printed
    while it waits (a notification, a log line) appears above it and the
    prompt is drawn again with what was being typed. Through a pipe, lines
    are read on the event loop, so a stop never waits for the next line.
    """

    def __init__(
        self,
        chat: Chat,
        name: str,
        *,
        output: TextIO | None = None,
        language: str | None = None,
        files: Path | None = None,
    ) -> None:
        self.chat = chat
        #: Where files that come with a reply are written (the working directory).
        self.files = files
        self.speaker = Speaker(
            Identity(PLATFORM, name),
            display_name=name,
            language_code=language,
            local_commands=("quit",),
        )
        self._output = output
        self.choices: list[Action] = []
        #: A plain "> " is on screen, waiting (no prompt_toolkit): redraw it after a notice.
        self._prompt_shown = False

    @property
    def output(self) -> TextIO:
        # sys.stdout as it is now: prompt_toolkit swaps it while the prompt is shown.
        return self._output or sys.stdout

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
        for document in reply.documents:
            try:
                path = save_document(self.files or Path.cwd(), document)
            except OSError as error:  # a directory one may not write in: said, never a crash
                self.output.write(f"📎 {document.filename}: {error}\n\n")
                continue
            self.output.write(f"📎 {path}\n\n")
        self.output.flush()

    def notify(self, text: str) -> None:
        """Print a notification between answers, then the prompt again if one was waiting."""
        redraw = self._prompt_shown
        # After a plain prompt the cursor waits on its line: leave it first.
        before, after = ("\n", PROMPT) if redraw else ("", "")
        self.output.write(f"{before}\n🔔 {text}\n\n{after}")
        self.output.flush()

    async def run(
        self,
        stop: asyncio.Event | None = None,
        *,
        source: TextIO | None = None,
        prompt: bool | None = None,
    ) -> None:
        """Talk until /quit, end of input, Ctrl-C or ``stop``; the core runs
        off the event loop."""
        stop = stop or asyncio.Event()
        source = source or sys.stdin
        terminal = prompt is None and self._output is None and source is sys.stdin and _is_terminal()
        if terminal:
            await self._run_terminal(stop)
            return
        interactive = _isatty(source) if prompt is None else prompt
        async for line in read_lines(source, stop, before_each=self._plain_prompt if interactive else None):
            self._prompt_shown = False
            if line.strip() in QUIT:
                break
            await self._answer(line)

    def _plain_prompt(self) -> None:
        self.output.write(PROMPT)
        self.output.flush()
        self._prompt_shown = True

    async def _answer(self, line: str) -> None:
        reply = await asyncio.to_thread(self.handle, line)
        if reply is not None:
            self.show(reply)

    async def _run_terminal(self, stop: asyncio.Event) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.application import get_app
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.patch_stdout import patch_stdout

        keys = KeyBindings()

        # Ctrl-C, and Ctrl-D on an empty line, leave: the prompt ends with
        # None rather than raising (a KeyboardInterrupt escaping a task
        # would stop the event loop under every other role).
        @keys.add("c-c")
        def _interrupt(event: Any) -> None:
            event.app.exit(result=None)

        @keys.add("c-d", filter=Condition(lambda: not get_app().current_buffer.text))
        def _end(event: Any) -> None:
            event.app.exit(result=None)

        session: PromptSession[str | None] = PromptSession(key_bindings=keys)

        def leave() -> None:
            app = session.app
            if app.is_running and app.future is not None and not app.future.done():
                app.exit(result=None)

        async def end_prompt_on_stop() -> None:
            await stop.wait()
            leave()

        def unless_stopped() -> None:
            # A stop that came while the prompt was starting (after the loop's
            # check, before it ran) would find no prompt to end: end it here.
            if stop.is_set():
                leave()

        watcher = asyncio.create_task(end_prompt_on_stop())
        try:
            while not stop.is_set():
                # Only while the prompt waits: what is printed then goes above
                # it; leaving flushes it, so the answer comes after, in order.
                # Ctrl-C at the prompt is the c-c key above (the terminal is raw
                # then); prompt_toolkit must not take SIGINT over, or the signal
                # handler that sets ``stop`` is gone once the prompt ends and a
                # Ctrl-C while an answer is on its way does nothing.
                with patch_stdout():
                    line = await session.prompt_async(PROMPT, handle_sigint=False, pre_run=unless_stopped)
                if line is None or line.strip() in QUIT:
                    return
                await self._answer(line)
        finally:
            watcher.cancel()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def _is_terminal() -> bool:
    return _isatty(sys.stdin) and _isatty(sys.stdout)
