"""The Telegram Sender (notifications' port) through the real python-telegram-bot
against the fake Bot API: sends, edits, and every failure as its Outcome (only a
timeout after the request went out is uncertain); and
an official's alert whose Respond button starts the response in private."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bots.telegram import TelegramFrontEnd, telegram_sender
from bots.telegram.sender import TELEGRAM_LIMITS, TelegramSender
from core.domain.members import Identity
from core.presentation.cards import Action, Card, CardKind
from core.presentation.context import Speaker
from core.services import admin, members
from notifications.ports import OutcomeKind, Outgoing, Sender
from tests.e2e.test_telegram_front_end import open_runtime, reply_to, seeded, serving
from tests.fakes.telegram import FakeTelegram, Faults, RateLimits

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NO_LIMITS = RateLimits(enabled=False)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


def card(text: str = "Your initiative reached its goal <3 & more") -> Card:
    return Card(title="#7 · Trees", lines=(text,), actions=(Action("Show", "v1:s:7"),), kind=CardKind.SUCCESS)


def outgoing(address: int | str, *cards: Card, edit_ref: str | None = None, group: bool = False) -> Outgoing:
    return Outgoing(1, str(address), cards or (card(),), is_group=group, edit_ref=edit_ref)


def sender_for(tg: FakeTelegram, **request: float) -> TelegramSender:
    bot = Bot(
        tg.token,
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
        request=HTTPXRequest(**request) if request else None,  # type: ignore[arg-type]
    )
    return TelegramSender(bot)


def test_the_sender_is_a_sender_with_telegrams_limits() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            sender = sender_for(tg)
            assert isinstance(sender, Sender) and sender.platform == "telegram"
            assert (sender.limits.per_second, sender.limits.per_chat_per_second) == (30.0, 1.0)
            assert sender.limits.per_group_per_minute == 20.0 and sender.limits is TELEGRAM_LIMITS
            await sender.close()

    run(test)


def test_send_then_edit_in_place_and_an_identical_edit_is_sent() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            tg.add_group(-100)
            sender = sender_for(tg)
            sent = await sender.send(outgoing(-100, group=True))
            assert sent.kind == OutcomeKind.SENT and sent.ref == "1"
            (message,) = tg.messages(-100)
            assert "reached its goal <3 & more" in (message.text or "")
            assert message.callback_data == ["v1:s:7"]
            decided = Card(lines=("Decision #1: report dismissed, by Mia.",))
            edited = await sender.send(outgoing(-100, decided, edit_ref=sent.ref, group=True))
            assert edited == type(edited)(OutcomeKind.SENT, ref="1")
            assert tg.texts(-100) == ["Decision #1: report dismissed, by Mia."]
            assert tg.messages(-100)[0].buttons == []  # the buttons went with the edit
            again = await sender.send(outgoing(-100, decided, edit_ref="1", group=True))
            assert again.kind == OutcomeKind.SENT  # "message is not modified" is no failure
            await sender.close()

    run(test)


def test_a_long_message_goes_in_parts_and_its_edit_replaces_each() -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            tg.add_user(42)
            sender = sender_for(tg)
            long = Card(title="Digest", lines=tuple(f"{n:03d} " + "x" * 90 for n in range(100)))
            sent = await sender.send(outgoing(42, long))
            assert sent.kind == OutcomeKind.SENT and sent.ref == "1,2,3"
            short = await sender.send(outgoing(42, card("shorter now"), edit_ref=sent.ref))
            assert short.ref == "1"
            assert [m.deleted for m in tg.messages(42)] == [False, True, True]
            assert "shorter now" in tg.texts(42)[0]
            await sender.close()

    run(test)


def test_failures_become_outcomes() -> None:
    async def test() -> None:
        faults = Faults(timeout_delay=2.0)
        async with FakeTelegram(rate_limits=RateLimits(), faults=faults) as tg:
            for user in (42, 43, 44, 45, 46, 47):
                tg.add_user(user)
            sender = sender_for(tg, read_timeout=0.5)
            assert (await sender.send(outgoing(42))).kind == OutcomeKind.SENT
            flood = await sender.send(outgoing(42))
            assert (flood.kind, flood.retry_after) == (OutcomeKind.RETRY_AFTER, 1.0)
            tg.fail_next("500", "sendMessage")
            assert (await sender.send(outgoing(43))).kind == OutcomeKind.TRANSIENT
            tg.fail_next("502", "sendMessage")
            assert (await sender.send(outgoing(44))).kind == OutcomeKind.TRANSIENT
            tg.fail_next("drop", "sendMessage")
            assert (await sender.send(outgoing(45))).kind == OutcomeKind.TRANSIENT  # nothing was stored
            tg.fail_next("timeout", "sendMessage")
            assert (await sender.send(outgoing(46))).kind == OutcomeKind.UNCERTAIN
            assert tg.texts(46) == [tg.texts(46)[0]]  # it had been accepted: why it is uncertain
            tg.block(47)
            assert (await sender.send(outgoing(47))).kind == OutcomeKind.UNREACHABLE
            assert (await sender.send(outgoing(999))).kind == OutcomeKind.UNREACHABLE  # chat not found
            bad = Card(lines=("x",), actions=(Action("too big", "v1:" + "x" * 70),))
            assert (await sender.send(outgoing(43, bad))).kind == OutcomeKind.REJECTED
            assert (await sender.send(outgoing("not-a-chat"))).kind == OutcomeKind.REJECTED
            missing = await sender.send(outgoing(43, card("edit"), edit_ref="77"))
            assert missing.kind == OutcomeKind.REJECTED  # the message to edit is gone
            await sender.bot.initialize()
            await sender.close()
            closed = await sender.send(outgoing(43))  # the front end shut its Bot down first
            assert closed.kind == OutcomeKind.TRANSIENT and "not initialized" in (closed.error or "")

    run(test)


def test_a_sender_only_process_builds_its_own_bot(tmp_path: Path) -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            tg.add_user(42)
            runtime = open_runtime(tg, tmp_path)
            sender = telegram_sender(runtime.settings)
            assert (await sender.send(outgoing(42))).kind == OutcomeKind.SENT
            await sender.close()
            runtime.close()

    run(test)


async def sent_once_started(sender: Sender, message: Outgoing, timeout: float = 30) -> None:
    """Send as the notifications do: "transient" until the front end has
    started its bot (the sender shares it), then sent."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (outcome := await sender.send(message)).kind == OutcomeKind.TRANSIENT:
        assert asyncio.get_running_loop().time() < deadline, outcome
        await asyncio.sleep(0.05)
    assert outcome.kind == OutcomeKind.SENT, outcome


def test_an_officials_alert_has_a_respond_button_that_starts_the_response_in_private(tmp_path: Path) -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            runtime = open_runtime(tg, tmp_path)
            initiative_id = seeded(runtime)
            official = members.enter(
                runtime.uow(), Identity("telegram", "77"), "Mayor", "en", runtime.settings
            )
            admin.verify_official(runtime.uow(), f"#{official.id}", "Lyon", "Maire de Lyon")
            tg.add_user(77, language_code="en")
            async with serving(runtime) as front_end:
                # What notifications would send: the initiative's card as the official sees it.
                mayor = Speaker(Identity("telegram", "77"), "Mayor", "en")
                shown = await asyncio.to_thread(front_end.chat.command, mayor, "show", str(initiative_id))
                (alert,) = shown.cards
                await sent_once_started(front_end.sender(), outgoing(77, alert))
                message = tg.messages(77)[0]
                respond = next(b["callback_data"] for b in message.buttons if "Respond" in b["text"])
                assert respond == f"v1:or:{initiative_id}"
                query = tg.user_presses(77, 77, message.message_id, respond)
                prompt = await reply_to(tg, 77, 2)
                assert tg.callback_answers[query].text is None  # answered, no alert
                assert "Trees on the square" in (prompt.text or "") and prompt.buttons
            runtime.close()

    run(test)


def test_the_front_end_needs_a_token(tmp_path: Path) -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            runtime = open_runtime(tg, tmp_path)
            runtime.settings.telegram.token = None
            with pytest.raises(ValueError, match="POSSIBLES_TELEGRAM_TOKEN"):
                TelegramFrontEnd(runtime)
            runtime.close()

    run(test)
