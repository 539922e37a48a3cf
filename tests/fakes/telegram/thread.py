"""The fake served from a background thread, for tests that drive a whole
``possibles run`` subprocess."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram.server import FakeTelegram


class FakeTelegramThread:
    """`with FakeTelegramThread(**kwargs) as tg:` serves a FakeTelegram from a background thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.tg = FakeTelegram(**kwargs)

    def __enter__(self) -> FakeTelegram:
        self.tg.start_in_thread()
        return self.tg

    def __exit__(self, *exc: object) -> None:
        self.tg.stop_thread()
