"""Driving the real ``possibles`` command in a real terminal (a pseudo-terminal),
as a person types: keys, Ctrl-C, and what the screen receives."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pyte

__all__ = ["Terminal"]

COLUMNS, LINES = 120, 50

#: Escape sequences (colours, cursor moves, screen modes) and carriage returns.
_ESCAPES = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[=>()][0-9A-B]?|\r")


class Terminal:
    """``possibles ARGS`` in a pseudo-terminal of its own (stdin, stdout and
    stderr), in ``cwd``. ``transcript`` is everything printed so far, escape
    sequences removed; ``display`` is what the screen shows now, as a
    terminal emulator draws it."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        main, tty = os.openpty()
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self._screen = pyte.Screen(COLUMNS, LINES)
        self._stream = pyte.ByteStream(self._screen)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
        environment.update({"PYTHONUTF8": "1", "TERM": "xterm"})
        environment["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
        # Nobody answers the cursor-position query in a test: do not ask.
        environment["PROMPT_TOOLKIT_NO_CPR"] = "1"
        environment.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", *args],
            stdin=tty,
            stdout=tty,
            stderr=tty,
            cwd=cwd,
            env=environment,
            # A session of its own whose controlling terminal is this one, as a
            # shell gives: Ctrl-C then reaches it alone, and as a SIGINT whenever
            # the terminal is not raw (an answer on its way), not only as a key.
            start_new_session=True,
            preexec_fn=_take_the_terminal,
        )
        os.close(tty)
        self.fd = main
        self.raw = b""

    @property
    def transcript(self) -> str:
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    @property
    def lines(self) -> list[str]:
        """The screen's lines as drawn now, without trailing spaces."""
        return [line.rstrip() for line in self._screen.display]

    @property
    def cursor_line(self) -> str:
        return self.lines[self._screen.cursor.y]

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the process is gone and its terminal with it
                time.sleep(timeout)
                return
            self.raw += data
            self._stream.feed(data)

    def wait_until(self, condition: Callable[[], bool], what: str, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            self._read(0.1)
        screen = "\n".join(self.lines)
        raise AssertionError(f"{what} never happened; the screen:\n{screen}\n--- printed:\n{self.transcript}")

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 60) -> int:
        """Read until ``text`` was printed after position ``after`` of the
        transcript; returns where it ends."""
        self.wait_until(lambda: self.transcript.find(text, after) >= 0, repr(text), timeout=timeout)
        return self.transcript.find(text, after) + len(text)

    def wait_for_prompt(self, timeout: float = 60) -> None:
        """Until the cursor waits on an empty prompt."""
        self.wait_until(lambda: self.cursor_line == ">", "an empty prompt", timeout=timeout)

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def line(self, text: str, *, timeout: float = 60) -> None:
        """Type a line, then wait for the answer and the next prompt."""
        mark = len(self.raw)
        self.type(text + "\r")
        # Accepted (the terminal moved to a new line), answered, and asking again.
        self.wait_until(
            lambda: b"\n" in self.raw[mark:] and self.cursor_line == ">",
            f"an answer to {text!r}",
            timeout=timeout,
        )

    def exit_status(self, timeout: float = 60) -> int:
        """Wait for the process to end (reading what it prints meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status is not None:
                self._read(0.1)  # whatever is left in the terminal
                return status
            self._read(0.1)
        screen = "\n".join(self.lines)
        raise AssertionError(
            f"still running after {timeout} s; the screen:\n{screen}\n--- printed:\n{self.transcript}"
        )

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.fd)


def _take_the_terminal() -> None:
    """In the child, after setsid(): make its standard input (the terminal)
    its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
