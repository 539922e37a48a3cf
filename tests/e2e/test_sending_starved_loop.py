"""Sending while the event loop starves: a few hundred messages through the
real Telegram sender (python-telegram-bot over HTTP) to the fake Bot API with
Telegram's flood limits, while the sender's event loop and the fake Bot API's
are blocked again and again, for up to half a second, by callbacks that do not
return: timers fire late, requests leave late after their slot was taken, the
platform takes in at once what piled up while it stalled. Not one 429, every
message once. Nothing here measures speed."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bots.telegram import telegram_sender
from core.bootstrap import Runtime
from core.config import Settings
from core.domain.deliveries import DeliveryDraft
from core.domain.event_codec import as_named
from core.domain.events import VolunteerJoined
from core.services import deliveries, notices
from notifications.dispatcher import Dispatcher
from tests.fakes.telegram import FakeTelegramThread
from tests.support import Clock, People, propose

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

FIRST_USER = 70_000
ONCE = 170  # chats that get one message
THRICE = 10  # chats that get three (one a second at most)


def enqueue(runtime: Runtime, chats: list[int]) -> None:
    initiative_id = propose(People(runtime.chat()), "alice", area="Rhône")
    now = runtime.clock()
    notices.enqueue(
        runtime.uow(),
        [
            DeliveryDraft(
                key=f"starved:{n}:{chat}",
                platform="telegram",
                address=str(chat),
                kind="alert",
                topic="test",
                payload=as_named(VolunteerJoined(initiative_id=initiative_id, member_id=0, first=True)),
                language="en",
                not_before=now,
            )
            for n, chat in enumerate(chats)
        ],
    )


@contextmanager
def starving(*loops: asyncio.AbstractEventLoop, seed: int = 7) -> Iterator[list[float]]:
    """Until the block ends: every 50–300 ms, a callback that blocks one of
    ``loops`` (drawn at random) for 50–500 ms. Yields the stalls made."""
    stop = threading.Event()
    stalls: list[float] = []
    rng = random.Random(seed)

    def starve() -> None:
        while not stop.wait(rng.uniform(0.05, 0.3)):
            stall = rng.uniform(0.05, 0.5)
            stalls.append(stall)
            rng.choice(loops).call_soon_threadsafe(time.sleep, stall)

    thread = threading.Thread(target=starve, daemon=True)
    thread.start()
    try:
        yield stalls
    finally:
        stop.set()
        thread.join()


def test_a_starved_event_loop_never_makes_the_sender_exceed_telegrams_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = Runtime.open(Settings(), database_url=f"sqlite:///{tmp_path / 'possibles.db'}", clock=Clock())
    runtime.prepare()
    once = [FIRST_USER + n for n in range(ONCE)]
    thrice = [FIRST_USER + ONCE + n for n in range(THRICE)]
    chats = once + thrice * 3
    random.Random(3).shuffle(chats)
    enqueue(runtime, chats)

    async def send(platform: asyncio.AbstractEventLoop) -> int:
        sender = telegram_sender(Settings())
        try:
            with starving(asyncio.get_running_loop(), platform) as stalls:
                stats = await Dispatcher(runtime, [sender]).drain_until_empty(max_wait=0)
            assert len(stalls) > 10  # the loop really was starved, again and again
            return stats.sent
        finally:
            await sender.close()

    with FakeTelegramThread() as tg:  # Telegram's limits: 30/s overall, 1/s per chat, 20/min per group
        for chat in once + thrice:
            tg.add_user(chat)
        for key, value in tg.env().items():
            monkeypatch.setenv(key, value)
        sent = asyncio.run(send(tg._loop))
        assert tg.rate_limited == []
        received = Counter({chat: len(tg.texts(chat)) for chat in once + thrice})

    assert sent == len(chats)
    assert received == Counter(chats)  # each message once: nothing lost, nothing twice
    ledger = deliveries.ledger(runtime.uow())
    assert ledger.uncertain_retries == 0
