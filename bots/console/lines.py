"""Lines typed or piped into the terminal chat, read on the event loop.

A thread blocked in ``readline()`` cannot be interrupted: Ctrl-C or SIGTERM
would wait for the next line (or, at exit, for ever). A pipe or a terminal
is watched with the event loop's reader instead, and reading stops the
moment ``stop`` is set. A regular file, /dev/null or an in-memory stream
never blocks (and cannot be watched), so it is read as it is.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import io
import os
import stat
from collections.abc import AsyncIterator, Callable
from typing import TextIO

__all__ = ["read_lines"]


async def read_lines(
    source: TextIO, stop: asyncio.Event, *, before_each: Callable[[], None] | None = None
) -> AsyncIterator[str]:
    """Each line of ``source`` (with its newline) until its end or ``stop``;
    ``before_each`` runs before waiting for a line (to show a prompt)."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    fd = _watchable_fd(source)
    if fd is None or not _watch(loop, fd, lines):
        while not stop.is_set():  # nothing here can block for long
            if before_each:
                before_each()
            line = source.readline()
            if not line:
                return
            yield line
        return
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            if lines.empty() and before_each:
                before_each()
            getting = asyncio.ensure_future(lines.get())
            await asyncio.wait((getting, stopping), return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                return
            got = getting.result()
            if got is None:
                return
            yield got
    finally:
        stopping.cancel()
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(fd)


def _watch(loop: asyncio.AbstractEventLoop, fd: int, lines: asyncio.Queue[str | None]) -> bool:
    """Put each line read from ``fd`` into ``lines`` (None at the end) as it
    comes; False when the descriptor cannot be watched (/dev/null)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = [""]

    def readable() -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        text = pending[0] + decoder.decode(data, final=not data)
        *complete, pending[0] = text.split("\n")
        for line in complete:
            lines.put_nowait(line + "\n")
        if not data:
            if pending[0]:
                lines.put_nowait(pending[0])
            lines.put_nowait(None)
            loop.remove_reader(fd)

    try:
        loop.add_reader(fd, readable)
    except OSError:
        return False
    return True


def _watchable_fd(source: TextIO) -> int | None:
    """The descriptor to watch when ``source`` may block (a pipe, a terminal,
    a socket); None for a file or an in-memory stream."""
    try:
        fd = source.fileno()
    except (io.UnsupportedOperation, AttributeError, ValueError):
        return None
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return fd
