"""The Telegram front end in this process: the real python-telegram-bot over
loopback HTTP against the fake Bot API server (tests/fakes/telegram.py), on a
SQLite file. The whole ``possibles run`` process is driven in test_telegram_run.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.registry import web_server
from bots.telegram import TelegramFrontEnd
from bots.telegram.polling import poll, process_batch, webhook_secret
from core.bootstrap import Runtime
from core.config import Settings
from core.domain.members import Identity
from core.services import initiatives, members
from tests.fakes.telegram import FakeTelegram, RateLimits, StoredMessage, parse_html
from tests.support import load_small_tree

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NO_LIMITS = RateLimits(enabled=False)
BOT = "possibles_test_bot"


def run(test: Callable[[], Awaitable[None]], timeout: float = 90) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout))


def open_runtime(tg: FakeTelegram, tmp_path: Path, **telegram: Any) -> Runtime:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'possibles.db'}",
        telegram={"token": tg.token, "api_base_url": tg.base_url, **telegram},
    )
    runtime = Runtime.open(settings)
    runtime.prepare(load_areas=False)
    if not areas_loaded(runtime):
        load_small_tree(runtime)
    return runtime


def areas_loaded(runtime: Runtime) -> bool:
    from core.services import areas

    try:
        with runtime.uow() as uow:
            areas.national_area(uow)
    except Exception:
        return False
    return True


@contextlib.asynccontextmanager
async def serving(runtime: Runtime) -> AsyncIterator[TelegramFrontEnd]:
    front_end = TelegramFrontEnd(runtime)
    stop = asyncio.Event()
    task = asyncio.create_task(front_end.serve(stop))
    try:
        yield front_end
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


@contextlib.asynccontextmanager
async def bot(tmp_path: Path, **kwargs: Any) -> AsyncIterator[tuple[FakeTelegram, Runtime]]:
    telegram = kwargs.pop("telegram", {})
    kwargs.setdefault("rate_limits", NO_LIMITS)
    async with FakeTelegram(**kwargs) as tg:
        runtime = open_runtime(tg, tmp_path, **telegram)
        try:
            async with serving(runtime):
                yield tg, runtime
        finally:
            runtime.close()


def seeded(
    runtime: Runtime,
    title: str = "Trees on the square",
    by: Identity | None = None,
    name: str = "Alice",
) -> int:
    """An initiative proposed through the core, as Alice on the terminal (or
    as ``by``, named ``name``)."""
    from core.services.initiatives import Proposal

    author = members.enter(runtime.uow(), by or Identity("console", "alice"), name, "en", runtime.settings)
    with runtime.uow() as uow:
        from core.services import areas

        area = areas.search_areas(uow, "Lyon", limit=1)[0]
    proposal = Proposal(
        title=title, description="Shade for the summer on the square.", area_id=area.id, topic="environment"
    )
    return initiatives.propose(runtime.uow(), author.id, proposal, runtime.settings)


def last(tg: FakeTelegram, chat_id: int) -> StoredMessage:
    return tg.messages(chat_id)[-1]


async def reply_to(tg: FakeTelegram, chat_id: int, count: int, timeout: float = 15) -> StoredMessage:
    """Wait until the bot has ``count`` live messages in the chat; the last one."""
    await tg.wait_for(lambda: len([m for m in tg.messages(chat_id) if not m.deleted]) >= count, timeout)
    return last(tg, chat_id)


async def press(tg: FakeTelegram, user: int, message: StoredMessage, label: str) -> str:
    for button in message.buttons:
        if label in button["text"] and "callback_data" in button:
            query = tg.user_presses(user, message.chat_id, message.message_id, button["callback_data"])
            await tg.wait_for(lambda q=query: q in tg.callback_answers)
            return query
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in message.buttons]}")


# --- private chats --------------------------------------------------------------


def test_propose_step_by_step_with_a_title_shown_as_typed(tmp_path: Path) -> None:
    title = "Arbres <b>& bancs</b> 🌳 > 3"

    async def test() -> None:
        async with bot(tmp_path, rate_limits=RateLimits()) as (tg, _):  # Telegram's real limits
            tg.user_sends(42, "/propose", language_code="en", first_name="Ada")
            assert "What is your initiative?" in (await reply_to(tg, 42, 1)).text
            tg.user_sends(42, title, language_code="en")
            assert "Describe it" in (await reply_to(tg, 42, 2)).text
            tg.user_sends(42, "Ten lime trees & two benches for the square.", language_code="en")
            await reply_to(tg, 42, 3)
            tg.user_sends(42, "Lyon", language_code="en")
            areas = await reply_to(tg, 42, 4)
            await press(tg, 42, areas, "Lyon")
            topics = await reply_to(tg, 42, 5)
            await press(tg, 42, topics, "Environment")
            confirm = await reply_to(tg, 42, 6)
            assert f"“{title}”" in confirm.text
            await press(tg, 42, confirm, "Publish")
            await tg.wait_for(lambda: tg.message(42, confirm.message_id).edits)
            published = tg.message(42, confirm.message_id)  # the prompt became the card, in place
            assert "Published!" in published.text and f"#1 · {title}" in published.text
            assert "&lt;b&gt;&amp; bancs&lt;/b&gt; 🌳 &gt; 3" in (published.source or "")
            assert parse_html(published.source or "")[0] == published.text
            assert {"Join", "Report"} & {b["text"].split()[-1] for b in published.buttons}
            assert all(len(d.encode()) <= 64 for d in published.callback_data)
            assert not [c for c in tg.requests if c.status == 400]  # Telegram refused nothing

    run(test)


def test_flood_limits_are_waited_out_not_dropped(tmp_path: Path) -> None:
    async def test() -> None:
        async with bot(tmp_path, rate_limits=RateLimits()) as (tg, _):
            for _n in range(3):
                tg.user_sends(42, "/help", language_code="en")
            await reply_to(tg, 42, 3, timeout=20)
            assert [r.chat_id for r in tg.rate_limited] and {r.chat_id for r in tg.rate_limited} == {42}
            assert len(tg.texts(42)) == 3 and all("/propose" in t for t in tg.texts(42))

    run(test)


def test_commands_are_registered_in_french_and_english(tmp_path: Path) -> None:
    async def test() -> None:
        async with bot(tmp_path, telegram={"moderators_chat_id": -100555}) as (tg, _):
            tg.user_sends(42, "/start", language_code="fr")
            welcome = await reply_to(tg, 42, 1)
            assert "Bienvenue" in welcome.text
            fr = tg.commands[("default", "fr")]
            en = tg.commands[("default", "en")]
            assert [c["command"] for c in fr] == [c["command"] for c in en] == tg.commands_for("")
            names = [c["command"] for c in en]
            assert {"start", "propose", "browse", "join", "report", "lang", "cancel"} <= set(names)
            assert "queue" not in names and "modchat" not in names  # moderators' and admins' tools stay out
            assert (
                dict((c["command"], c["description"]) for c in en)["propose"]
                == "propose an initiative, step by step"
            )
            assert dict((c["command"], c["description"]) for c in fr)["propose"].startswith("proposer")
            # In the moderators' group, their tools are in the menu too.
            group = json.dumps({"chat_id": -100555, "type": "chat"}, sort_keys=True)
            assert {"queue", "decide", "propose"} <= set(tg.commands_for("en", scope=group))
            assert "modchat" not in tg.commands_for("fr", scope=group)

    run(test)


def test_a_failing_set_my_commands_is_logged_and_the_bot_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            tg.fail_next("500", "setMyCommands", count=3)
            runtime = open_runtime(tg, tmp_path)
            with caplog.at_level(logging.WARNING, logger="bots.telegram"):
                async with serving(runtime):
                    tg.user_sends(42, "/start", language_code="en")
                    assert "Welcome" in (await reply_to(tg, 42, 1)).text
            runtime.close()
            assert tg.commands == {}
            assert sum("setMyCommands" in r.message for r in caplog.records) == 3

    run(test)


def test_an_unexpected_error_says_nothing_was_changed(tmp_path: Path) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("the database is on fire")

    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            runtime = open_runtime(tg, tmp_path)
            async with serving(runtime) as front_end:
                tg.user_sends(42, "/start", language_code="en")
                welcome = await reply_to(tg, 42, 1)
                front_end.chat.command = broken  # type: ignore[method-assign]
                front_end.chat.press = broken  # type: ignore[method-assign]
                tg.user_sends(42, "/show 1", language_code="en")
                assert (await reply_to(tg, 42, 2)).text == "Something went wrong. Nothing was changed."
                query = tg.user_presses(42, 42, welcome.message_id, welcome.callback_data[0])
                await tg.wait_for(lambda: query in tg.callback_answers)
                answer = tg.callback_answers[query]
                assert answer.text == "Something went wrong. Nothing was changed." and answer.show_alert
            runtime.close()

    run(test)


def test_a_reply_that_cannot_be_delivered_after_the_change_never_says_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bots.telegram import calls

    rendered = calls.render_reply

    def broken(reply: Any, *args: Any) -> Any:
        if any("You support" in line for card in reply.cards for line in card.lines):
            raise RuntimeError("the renderer is broken")
        return rendered(reply, *args)

    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            initiative_id = seeded(runtime)
            monkeypatch.setattr(calls, "render_reply", broken)
            tg.user_sends(42, f"/join {initiative_id}", language_code="en")
            tg.user_sends(42, f"/show {initiative_id}", language_code="en")
            await tg.wait_for(lambda: any("Trees on the square" in t for t in tg.texts(42)))
            assert initiatives.initiative_view(runtime.uow(), initiative_id).supporters == 2  # saved
            assert not any("Nothing was changed" in t for t in tg.texts(42)), tg.texts(42)

    run(test)


def test_modchat_puts_the_moderators_tools_in_the_groups_menu_at_once(tmp_path: Path) -> None:
    from core.services import admin

    group = -100777
    scope = json.dumps({"chat_id": group, "type": "chat"}, sort_keys=True)

    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            tg.user_sends(7, "/start", language_code="en")
            await reply_to(tg, 7, 1)
            admin.grant_role(runtime.uow(), "telegram:7", "admin")
            assert tg.commands_for("en", scope=scope) == []
            tg.user_sends(7, f"/modchat@{BOT}", chat_id=group, language_code="en")
            assert "moderators' group" in (await reply_to(tg, group, 1)).text
            await tg.wait_for(lambda: "queue" in tg.commands_for("en", scope=scope))
            assert {"queue", "decide", "propose"} <= set(tg.commands_for("fr", scope=scope))

    run(test)


def test_the_same_button_pressed_twenty_times_changes_state_once(tmp_path: Path) -> None:
    async def test() -> None:
        async with bot(tmp_path, rate_limits=RateLimits()) as (tg, runtime):
            initiative_id = seeded(runtime)
            tg.user_sends(50, f"/show {initiative_id}", language_code="en")
            card = await reply_to(tg, 50, 1)
            join = next(d for d in card.callback_data if d.startswith("v1:j:"))
            queries = [tg.user_presses(50, 50, card.message_id, join) for _ in range(20)]
            await tg.wait_for(lambda: all(q in tg.callback_answers for q in queries), timeout=30)
            await reply_to(tg, 50, 2)
            await asyncio.sleep(0.5)
            supported = [t for t in tg.texts(50) if "You support" in t]
            assert len(supported) == 1 and "2 supporters" in supported[0]
            alerts = [tg.callback_answers[q] for q in queries if tg.callback_answers[q].text]
            assert len(alerts) == 19 and all(a.show_alert and "already" in (a.text or "") for a in alerts)
            view = initiatives.initiative_view(runtime.uow(), initiative_id)
            assert view.supporters == 2

    run(test)


# --- groups -----------------------------------------------------------------------


def test_in_a_group_only_commands_for_the_bot_and_private_flows_move_to_private(tmp_path: Path) -> None:
    group = -1001

    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            initiative_id = seeded(runtime)
            tg.user_sends(7, "hello everyone", chat_id=group, language_code="en")
            tg.user_sends(7, "/show@another_bot 1", chat_id=group, language_code="en")
            tg.user_sends(7, f"/propose@{BOT} Benches by the river", chat_id=group, language_code="en")
            handover = await reply_to(tg, group, 1)
            assert "continues in our private chat" in handover.text
            (button,) = handover.buttons
            link = f"https://t.me/{BOT}?start="
            assert button["url"].startswith(link + "t") and "Benches" not in button["url"]
            parameter = button["url"][len(link) :]
            tg.user_sends(7, f"/show@{BOT} {initiative_id}", chat_id=group, language_code="en")
            card = await reply_to(tg, group, 2)
            assert "Trees on the square" in card.text
            assert len(tg.messages(group)) == 2  # the chatter and the other bot's command got nothing

            # The deep link opened by someone else does nothing; by its member, asks to confirm.
            tg.user_sends(9, f"/start {parameter}", language_code="en")
            assert "made for someone else" in (await reply_to(tg, 9, 1)).text
            tg.user_sends(7, f"/start {parameter}", language_code="en")
            asked = await reply_to(tg, 7, 1)
            assert "You typed /propose Benches by the river in the group" in asked.text
            query = tg.user_presses(7, 7, asked.message_id, asked.callback_data[0])
            await tg.wait_for(lambda: query in tg.callback_answers)
            assert "Describe it" in (await reply_to(tg, 7, 2)).text

            # A Report pressed in the group: the flow goes on in private, not in front of everyone.
            report = next(d for d in card.callback_data if d.startswith("v1:r:"))
            query = tg.user_presses(7, group, card.message_id, report)
            await tg.wait_for(lambda: query in tg.callback_answers)
            assert tg.callback_answers[query].text == "I wrote to you in our private chat."
            assert "Why" in (await reply_to(tg, 7, 3)).text
            assert len(tg.messages(group)) == 2

            # Someone who never opened a private chat with the bot gets a link minted for them:
            # opening it asks them to confirm the press they made, by its label.
            query = tg.user_presses(8, group, card.message_id, report)
            await tg.wait_for(lambda: query in tg.callback_answers)
            url = tg.callback_answers[query].url or ""
            assert url.startswith(link + "t") and str(initiative_id) not in url[len(link) + 1 :].split("-")
            tg.user_sends(8, f"/start {url[len(link) :]}", language_code="en")
            asked = await reply_to(tg, 8, 1)
            assert "appuyé sur «\u00a0⚑ Report\u00a0» dans le groupe" in asked.text  # their language
            await press(tg, 8, asked, "Continuer")
            assert "Pourquoi" in (await reply_to(tg, 8, 2)).text

    run(test)


def test_a_card_in_a_group_is_neutral_and_a_press_there_answers_the_presser(tmp_path: Path) -> None:
    group = -1002

    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            initiative_id = seeded(runtime)
            tg.user_sends(7, f"/join {initiative_id}", language_code="en")
            await tg.wait_for(lambda: any("You support" in t for t in tg.texts(7)))
            tg.user_sends(7, f"/follow {initiative_id}", language_code="en")
            await tg.wait_for(lambda: any("follow #" in t for t in tg.texts(7)))
            # Someone who supports and follows it shows it in a group: no buttons of their own there.
            tg.user_sends(7, f"/show@{BOT} {initiative_id}", chat_id=group, language_code="en")
            card = await reply_to(tg, group, 1)
            labels = {button["text"] for button in card.buttons}
            assert "🔔 Follow" in labels and "✍ Join" in labels
            assert not any("Withdraw" in label or "Unfollow" in label for label in labels), labels

            # Another member follows from the group: an alert for them, the shared card untouched.
            query = await press(tg, 9, card, "Follow")
            assert "Vous suivez désormais" in (tg.callback_answers[query].text or "")  # in their language
            assert not tg.callback_answers[query].show_alert
            query = await press(tg, 9, card, "Join")
            assert "Vous soutenez" in (tg.callback_answers[query].text or "")
            await asyncio.sleep(0.3)
            shared = tg.message(group, card.message_id)
            assert shared.edits == 0 and shared.text == card.text
            assert len(tg.messages(group)) == 1
            assert initiatives.initiative_view(runtime.uow(), initiative_id).supporters == 3

    run(test)


# --- inline sharing -------------------------------------------------------------


def test_inline_queries_list_initiatives_and_post_a_card_with_a_deep_link(tmp_path: Path) -> None:
    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            trees = seeded(runtime, "Trees <for> the square & more")
            seeded(runtime, "Benches by the river")
            tg.add_user(42, language_code="en")
            query = tg.user_inline_query(42, "trees")
            await tg.wait_for(lambda: query in tg.inline_answers)
            (result,) = tg.inline_answers[query].results
            assert (
                result["id"] == f"i{trees}" and result["title"] == f"#{trees} · Trees <for> the square & more"
            )
            content = result["input_message_content"]
            assert content["parse_mode"] == "HTML"
            assert "Trees &lt;for&gt; the square &amp; more" in content["message_text"]
            assert parse_html(content["message_text"])[0].startswith(
                f"#{trees} · Trees <for> the square & more"
            )
            (button,) = [b for row in result["reply_markup"]["inline_keyboard"] for b in row]
            assert button["url"] == f"https://t.me/{BOT}?start=i{trees}" and "Join" in button["text"]
            newest = tg.user_inline_query(42, "")
            await tg.wait_for(lambda: newest in tg.inline_answers)
            assert len(tg.inline_answers[newest].results) == 2

            tg.user_sends(43, f"/start i{trees}", language_code="en")
            opened = await reply_to(tg, 43, 1)
            assert "Trees <for> the square & more" in opened.text and any(
                "Join" in b["text"] for b in opened.buttons
            )

    run(test)


# --- updates handled once ---------------------------------------------------------


def test_an_update_delivered_again_after_a_restart_is_handled_once(tmp_path: Path) -> None:
    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            runtime = open_runtime(tg, tmp_path)
            stop = asyncio.Event()
            tg.user_sends(42, "/start", language_code="en")
            tg.user_sends(42, "/help", language_code="en")
            first = TelegramFrontEnd(runtime)
            assert await first.start(stop)
            batch = list(await first.application.bot.get_updates())
            assert await process_batch(first, batch)
            assert len(tg.texts(42)) == 2
            await first.application.shutdown()  # "crash": the offset was never confirmed

            second = TelegramFrontEnd(runtime)
            assert await second.start(stop)
            again = list(await second.application.bot.get_updates())
            assert [u.update_id for u in again] == [u.update_id for u in batch]  # Telegram sends them again
            assert await process_batch(second, again)
            assert len(tg.texts(42)) == 2  # ...and they are not handled twice
            tg.user_sends(42, "/lang en", language_code="en")
            polling = asyncio.create_task(poll(second, stop))
            await tg.wait_for(lambda: len(tg.texts(42)) == 3)
            stop.set()
            await polling
            assert tg.pending_updates() == []  # the last batch was confirmed on the way out
            await second.application.shutdown()
            runtime.close()

    run(test)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode_receives_updates_checks_the_secret_and_skips_repeats(tmp_path: Path) -> None:
    """The webhook is a route of the web server: one port for the pages and the updates."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"

    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            runtime = open_runtime(tg, tmp_path, webhook_url=url)
            runtime.settings.web.port = port
            front_end = TelegramFrontEnd(runtime)
            webhook = front_end.webhook()
            assert webhook is not None and webhook.path == "/telegram/hook"
            web = web_server(runtime, [webhook])
            web.bind()
            stop = asyncio.Event()
            tasks = [asyncio.create_task(front_end.serve(stop)), asyncio.create_task(web.serve(stop))]
            try:
                await tg.wait_for(lambda: tg.webhook.get("url") == url)
                tg.user_sends(42, "/start", language_code="en")
                assert "Welcome" in (await reply_to(tg, 42, 1)).text
                ((update_id, status),) = await tg.wait_for(lambda: tg.webhook_deliveries)
                assert status == 200  # answered once handled
                secret = webhook_secret(front_end)
                assert tg.webhook["secret_token"] == secret
                update = {
                    "update_id": update_id + 1,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 42, "type": "private"},
                        "from": {"id": 42, "is_bot": False, "first_name": "Ada", "language_code": "en"},
                        "text": "/start",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                    },
                }
                async with httpx.AsyncClient() as http:
                    for wrong in ({"X-Telegram-Bot-Api-Secret-Token": "x"}, {}):
                        refused = await http.post(url, content=json.dumps(update), headers=wrong)
                        assert refused.status_code == 403
                    # The same pages and probes on the same port.
                    assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                    assert (await http.get(f"http://127.0.0.1:{port}/")).status_code == 200
                    update["update_id"] = update_id  # Telegram's repeat of the first update
                    good = {"X-Telegram-Bot-Api-Secret-Token": secret}
                    again = await http.post(url, content=json.dumps(update), headers=good)
                    assert again.status_code == 200
                # Neither the refused requests nor the repeat were handled.
                assert len(tg.texts(42)) == 1
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), 15)
                runtime.close()

    run(test)
