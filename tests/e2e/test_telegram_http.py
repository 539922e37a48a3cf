"""The front end's Bot API calls over aiohttp (bots.telegram.http), against
the fake Telegram over real sockets: forms and multipart uploads arrive as
python-telegram-bot means them, Telegram's errors become its exceptions, and
a failure is told apart as never sent or perhaps delivered, as the
notifications' outcomes need."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bots.telegram.http import AiohttpRequest
from bots.telegram.sender import outcome_of
from notifications.ports import OutcomeKind
from tests.fakes.telegram import FakeTelegram, RateLimits

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 42


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


def _bot(base_url: str, token: str, request: AiohttpRequest) -> Bot:
    return Bot(token, base_url=base_url, base_file_url=base_url.replace("/bot", "/file/bot"), request=request)


def test_messages_buttons_and_files_arrive_as_sent() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=RateLimits(enabled=False)) as tg:
            tg.add_user(CHAT)
            async with _bot(tg.base_url, tg.token, AiohttpRequest()) as bot:
                assert bot.username == tg.bot_user["username"]  # getMe at initialize
                markup = InlineKeyboardMarkup([[InlineKeyboardButton("Join «1»", callback_data="v1:j:1")]])
                sent = await bot.send_message(CHAT, "<b>Hé & co</b>", parse_mode="HTML", reply_markup=markup)
                (stored,) = tg.messages(CHAT)
                assert (stored.message_id, stored.text) == (sent.message_id, "Hé & co")
                assert stored.buttons == [{"text": "Join «1»", "callback_data": "v1:j:1"}]
                await bot.send_document(CHAT, b"a,b\n1,2\n", filename="data.csv", caption="données")
                document = tg.messages(CHAT)[-1]
                assert document.document is not None and document.document["file_name"] == "data.csv"
                assert document.caption == "données"
                with pytest.raises(BadRequest, match=r"(?i)chat not found"):  # as PTB raises it
                    await bot.send_message(CHAT + 1, "nobody")

    run(test)


def test_a_flood_limit_is_a_retry_after() -> None:
    async def test() -> None:
        async with FakeTelegram() as tg:  # one message a second in a private chat
            tg.add_user(CHAT)
            async with _bot(tg.base_url, tg.token, AiohttpRequest()) as bot:
                await bot.send_message(CHAT, "one")
                with pytest.raises(RetryAfter) as raised:
                    await bot.send_message(CHAT, "two")
                assert outcome_of(raised.value).kind is OutcomeKind.RETRY_AFTER

    run(test)


def test_an_answer_too_late_may_have_been_delivered() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=RateLimits(enabled=False)) as tg:
            tg.add_user(CHAT)
            async with _bot(tg.base_url, tg.token, AiohttpRequest(read_timeout=0.5)) as bot:
                tg.fail_next("timeout", "sendMessage")  # stored, answered 10 s later
                with pytest.raises(TimedOut) as raised:
                    await bot.send_message(CHAT, "slow")
                assert tg.texts(CHAT) == ["slow"]
                assert outcome_of(raised.value).kind is OutcomeKind.UNCERTAIN

    run(test)


def test_a_dropped_connection_and_no_server_are_never_sent() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=RateLimits(enabled=False)) as tg:
            tg.add_user(CHAT)
            async with _bot(tg.base_url, tg.token, AiohttpRequest()) as bot:
                tg.fail_next("drop", "sendMessage")
                with pytest.raises(NetworkError) as raised:
                    await bot.send_message(CHAT, "lost")
                assert tg.texts(CHAT) == []
                assert outcome_of(raised.value).kind is OutcomeKind.TRANSIENT
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{sock.getsockname()[1]}/bot"
        request = AiohttpRequest()
        await request.initialize()
        try:
            bot = _bot(closed, "123456789:AAFakeTokenForPossiblesTests_0123456", request)
            with pytest.raises(NetworkError) as refused:
                await bot.get_me()
            assert outcome_of(refused.value).kind is OutcomeKind.TRANSIENT
        finally:
            await request.shutdown()

    run(test)
