"""Benchmark: sending 1,500 notifications to 1,500 chats through the real
python-telegram-bot to the fake Bot API server, which enforces Telegram's
flood limits (30 messages/s overall, 1/s per chat) and answers 429 beyond.

    python benchmarks/sending.py             # 1,500 chats (about two minutes)
    python benchmarks/sending.py --chats 300 # a quick run

Side by side in one run:
- possibles: the daily digests of N Telegram members, drained by the
  notifications dispatcher through the Telegram Sender (our own pacing, no
  rate limiter in python-telegram-bot);
- python-telegram-bot's AIORateLimiter (its documented way to stay within
  the limits) sending the same N messages with ``asyncio.gather``.
It prints the rate each achieved as a share of 30 messages/s and the number
of 429 answers each got. Target for possibles: ≥ 95 % of 30/s, zero 429.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import AIORateLimiter, ExtBot

from bots.telegram.sender import telegram_sender
from core.bootstrap import Runtime
from core.config import Settings
from core.services import digests
from notifications.dispatcher import Dispatcher
from tests.fakes.telegram import FakeTelegram, FakeTelegramThread
from tests.support import Clock, People, Person, propose

LIMIT = 30.0
FIRST_USER = 500_000


def prepare(database: str, chats: int) -> Runtime:
    """N Telegram members joined an initiative two days ago; their digests are due."""
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    clock = Clock(day)
    runtime = Runtime.open(Settings(), database_url=database, clock=clock)
    runtime.prepare()
    chat = runtime.chat()
    initiative_id = propose(People(chat), "alice", area="Rhône")
    for n in range(chats):
        Person(chat, str(FIRST_USER + n), platform="telegram").say(f"/join {initiative_id}")
    clock.now = day.replace(hour=19)
    digests.build_due(runtime.uow(), runtime.settings)
    return runtime


def rate_limited_since(tg: FakeTelegram, before: int) -> int:
    return len(tg.rate_limited) - before


async def ours(runtime: Runtime, tg: FakeTelegram) -> tuple[int, float, int]:
    before = len(tg.rate_limited)
    os.environ.update(tg.env())
    sender = telegram_sender(Settings())
    started = time.perf_counter()
    stats = await Dispatcher(runtime, [sender]).drain_until_empty(max_wait=120)
    seconds = time.perf_counter() - started
    await sender.close()
    return stats.sent, seconds, rate_limited_since(tg, before)


async def ptb_rate_limiter(tg: FakeTelegram, chats: int, text: str) -> tuple[int, float, int]:
    before = len(tg.rate_limited)
    bot = ExtBot(tg.token, base_url=tg.base_url, rate_limiter=AIORateLimiter(max_retries=5))
    sent = 0
    async with bot:
        started = time.perf_counter()

        async def one(chat_id: int) -> None:
            nonlocal sent
            try:
                await bot.send_message(chat_id, text)
                sent += 1
            except Exception as error:  # counted as not sent
                print(f"  PTB: chat {chat_id}: {error}", file=sys.stderr)

        await asyncio.gather(*(one(FIRST_USER + chats + n) for n in range(chats)))
        seconds = time.perf_counter() - started
    return sent, seconds, rate_limited_since(tg, before)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=1500)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        database = f"sqlite:///{Path(scratch) / 'bench.db'}"
        print(f"preparing {args.chats} members with a digest due…", flush=True)
        runtime = prepare(database, args.chats)
        with FakeTelegramThread() as tg:
            for n in range(2 * args.chats):
                tg.add_user(FIRST_USER + n)
            print("possibles dispatcher + Telegram sender…", flush=True)
            sent, seconds, limited = asyncio.run(ours(runtime, tg))
            sample = tg.messages(FIRST_USER)[0]
            text = sample.text or "digest"
            print("python-telegram-bot AIORateLimiter…", flush=True)
            ptb_sent, ptb_seconds, ptb_limited = asyncio.run(ptb_rate_limiter(tg, args.chats, text))

    ours_rate, ptb_rate = sent / seconds, ptb_sent / ptb_seconds
    print()
    print(f"{'':32}{'sent':>7}{'seconds':>10}{'msg/s':>8}{'of 30/s':>9}{'429s':>7}")
    print(
        f"{'possibles dispatcher':32}{sent:>7}{seconds:>10.1f}{ours_rate:>8.2f}"
        f"{ours_rate / LIMIT:>9.1%}{limited:>7}"
    )
    print(
        f"{'PTB AIORateLimiter':32}{ptb_sent:>7}{ptb_seconds:>10.1f}{ptb_rate:>8.2f}"
        f"{ptb_rate / LIMIT:>9.1%}{ptb_limited:>7}"
    )
    print(f"ratio possibles / AIORateLimiter (msg/s): {ours_rate / ptb_rate:.2f}")


if __name__ == "__main__":
    main()
