"""Log lines of the ``possibles`` process.

They go to standard error as it is when a line is written, not as it was at
start-up: the terminal chat swaps it for a stream that prints above the
prompt and redraws it, so a log line never lands in the middle of what a
person is typing.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

__all__ = ["TokenHidingFormatter", "configure_logging"]

#: A Telegram bot token (``123456:ABC…``), which the Bot API puts in every
#: request's address: httpx logs those addresses at INFO.
_TELEGRAM_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")


class TokenHidingFormatter(logging.Formatter):
    """Blanks bot tokens out of every line it formats, tracebacks included,
    whoever wrote it: a token in a log gives whoever reads the log the bot."""

    def format(self, record: logging.LogRecord) -> str:
        return _TELEGRAM_TOKEN.sub("<token>", super().format(record))


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler that looks up ``sys.stderr`` at each line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always the current sys.stderr


def configure_logging(level: str) -> None:
    handler = _CurrentStderr()
    handler.setFormatter(TokenHidingFormatter("%(levelname)s:%(name)s:%(message)s"))
    name = level.strip().upper()
    known = isinstance(logging.getLevelName(name), int)
    logging.basicConfig(level=name if known else logging.WARNING, handlers=[handler], force=True)
    if not known:
        logging.getLogger("possibles").warning("unknown log level %r, using WARNING", level)
