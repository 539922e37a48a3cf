"""The fake Bot API behaves like Telegram, as seen by the real python-telegram-bot over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram import (
    NOT_MODIFIED,
    EntityParseError,
    FakeTelegram,
    FakeTelegramThread,
    Faults,
    RateLimits,
    parse_html,
    utf16_len,
)

NO_LIMITS = RateLimits(enabled=False)
#: PTB 22 warns on every RetryAfter that retry_after will become a timedelta; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


@contextlib.asynccontextmanager
async def connected(**kwargs: Any) -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    kwargs.setdefault("rate_limits", RateLimits(enabled=False))
    request = kwargs.pop("request", None)
    async with FakeTelegram(**kwargs) as tg:
        bot = Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url, request=request)
        async with bot:
            yield tg, bot


def seconds(error: RetryAfter) -> float:
    value = error.retry_after  # an int in PTB 22 (with a deprecation warning), a timedelta later
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d[:10], callback_data=d)] for d in data])


# ---------------------------------------------------------------- the HTML parser alone


def test_html_is_parsed_into_visible_text_and_utf16_entities() -> None:
    text, entities = parse_html(
        '😀 <b>Gras</b> &lt;x&gt; &amp; <a href="https://e.org/?a=1&amp;b=2">lien</a>'
    )
    assert text == "😀 Gras <x> & lien"
    assert entities[0] == {"offset": 3, "length": 4, "type": "bold"}  # the emoji is two UTF-16 units
    assert entities[1] == {"offset": 14, "length": 4, "type": "text_link", "url": "https://e.org/?a=1&b=2"}
    assert parse_html("a & b &nbsp; &#233;&#x41;")[0] == "a & b &nbsp; éA"  # as tdlib: unknown entities stay
    assert parse_html('<pre><code class="language-python">x</code></pre>')[1] == [
        {"offset": 0, "length": 1, "type": "pre", "language": "python"}
    ]
    assert parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == "expandable_blockquote"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("é <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("line<br>next", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_html_errors_are_telegrams(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)
    assert str(caught.value) == error


# ---------------------------------------------------------------- basics through the real PTB


def test_get_me_and_the_bot_identity() -> None:
    async def test() -> None:
        async with connected(bot_username="civic_bot") as (tg, bot):
            me = await bot.get_me()
            assert (me.username, me.id, me.is_bot) == ("civic_bot", int(tg.token.split(":")[0]), True)

    run(test)


def test_wrong_token_unknown_method_and_raw_shapes() -> None:
    async def test() -> None:
        async with FakeTelegram() as tg:
            with pytest.raises(InvalidToken):
                async with Bot("987654321:AAWrongTokenxxxxxxxxxxxxxxxxxxxxxxxx", base_url=tg.base_url):
                    pass
            async with httpx.AsyncClient() as http:
                wrong = await http.post(f"{tg.base_url}987654321:AAWrong/getMe")
                assert (wrong.status_code, wrong.json()) == (
                    401,
                    {"ok": False, "error_code": 401, "description": "Unauthorized"},
                )
                unknown = await http.post(f"{tg.api_url}/sendPigeon")
                assert unknown.status_code == 404 and unknown.json()["description"] == "Not Found"
                # method names are case-insensitive; GET with a query string and JSON bodies work too
                assert (await http.get(f"{tg.api_url}/GETME")).json()["result"]["is_bot"] is True
                tg.add_user(5)
                sent = await http.post(
                    f"{tg.api_url}/sendmessage",
                    json={"chat_id": 5, "text": "hi", "reply_markup": {"inline_keyboard": [[]]}},
                )
                body = sent.json()
                assert body["ok"] is True and "reply_markup" not in body["result"]  # empty keyboards vanish
                assert (
                    body["result"]["from"]["is_bot"] is True and body["result"]["chat"]["type"] == "private"
                )
                empty = await http.post(f"{tg.api_url}/sendMessage", data={"chat_id": "5", "text": ""})
                assert empty.json() == {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                }

    run(test)


def test_send_message_stores_it_with_parsed_html_and_keyboard() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            sent = await bot.send_message(
                42, "<b>Plant trees</b> &amp; more", parse_mode="HTML", reply_markup=keyboard("v1:in:7:join")
            )
            second = await bot.send_message(42, "  again  ")
            assert (sent.message_id, second.message_id) == (1, 2)
            assert sent.text == "Plant trees & more" and sent.entities[0].type == "bold"
            assert sent.reply_markup == keyboard("v1:in:7:join")
            stored = tg.messages(42)
            assert [m.text for m in stored] == ["Plant trees & more", "again"]  # Telegram trims
            assert stored[0].parse_mode == "HTML" and stored[0].source == "<b>Plant trees</b> &amp; more"
            assert stored[0].callback_data == ["v1:in:7:join"] and not stored[0].deleted
            assert [c.method for c in tg.sent_log] == ["sendMessage", "sendMessage"]
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(777, "nobody there")

    run(test)


def test_unescaped_html_is_rejected_like_telegram() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            with pytest.raises(BadRequest) as caught:
                await bot.send_message(42, "Vote 2 < 3 and <maybe>", parse_mode="HTML")
            assert "can't parse entities" in caught.value.message.lower()
            assert tg.requests[-1].description == (
                'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 7'
            )
            assert tg.messages(42) == []

    run(test)


def test_callback_data_over_64_bytes_is_button_data_invalid() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            await bot.send_message(42, "64 bytes fit", reply_markup=keyboard("é" * 32))
            for data in ("x" * 65, "é" * 32 + "a"):
                with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                    await bot.send_message(42, "too big", reply_markup=keyboard(data))
            assert len(tg.messages(42)) == 1

    run(test)


def test_text_length_is_counted_after_parsing_in_utf16_units() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                await bot.send_message(42, "a" * 4097)
            await bot.send_message(42, "a" * 4096)
            await bot.send_message(42, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # tags do not count
            assert utf16_len("😀" * 2049) == 4098
            with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                await bot.send_message(42, "😀" * 2049)
            assert len(tg.messages(42)) == 2

    run(test)


# ---------------------------------------------------------------- limits and refusals


def test_two_sends_to_one_chat_within_a_second_get_retry_after() -> None:
    async def test() -> None:
        async with connected(rate_limits=RateLimits()) as (tg, bot):
            tg.add_user(42)
            tg.add_user(43)
            await bot.send_message(42, "first")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(42, "second")
            assert seconds(caught.value) >= 1
            await bot.send_message(43, "another chat is fine")
            (record,) = tg.rate_limited
            assert (record.chat_id, record.scope, record.retry_after) == (42, "chat", 1)
            assert tg.texts(42) == ["first"]
            await asyncio.sleep(1.05)
            await bot.send_message(42, "after the window")

    run(test)


def test_group_and_overall_windows_are_configurable() -> None:
    async def test() -> None:
        limits = RateLimits(overall=(5, 1.0), per_private_chat=(10, 1.0), per_group=(3, 60.0))
        async with connected(rate_limits=limits) as (tg, bot):
            tg.add_group(-100)
            for n in range(3):
                await bot.send_message(-100, f"group {n}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(-100, "group 3")
            assert 58 <= seconds(caught.value) <= 60
            for user in (1, 2):
                tg.add_user(user)
            await bot.send_message(1, "a")
            await bot.send_message(2, "b")
            with pytest.raises(RetryAfter):  # 5 accepted in the last second, overall
                await bot.send_message(1, "c")
            assert [r.scope for r in tg.rate_limited] == ["group", "overall"]

    run(test)


def test_a_blocked_user_gives_forbidden_and_a_member_update() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            tg.block(42)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(42, "hello?")
            (update,) = await bot.get_updates()
            assert update.my_chat_member.new_chat_member.status == "kicked"
            tg.unblock(42)
            await bot.send_message(42, "welcome back")

    run(test)


# ---------------------------------------------------------------- updates


def test_get_updates_returns_messages_and_offset_confirms_them() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.user_sends(42, "/start", language_code="en", first_name="Ada")
            tg.user_sends(42, "hello")
            first, second = await bot.get_updates()
            assert second.update_id == first.update_id + 1
            assert first.message.text == "/start" and first.message.from_user.language_code == "en"
            assert first.message.entities[0].type == "bot_command" and first.message.chat.type == "private"
            assert len(await bot.get_updates()) == 2  # not confirmed yet
            assert [u.message.text for u in await bot.get_updates(offset=second.update_id)] == ["hello"]
            assert await bot.get_updates(offset=second.update_id + 1) == ()
            tg.user_sends(7, "/propose@possibles_test_bot trees", chat_id=-1001, group_title="Village")
            (group,) = await bot.get_updates()
            assert group.message.chat.type == "supergroup" and group.message.chat.title == "Village"
            assert group.message.entities[0].length == len("/propose@possibles_test_bot")

    run(test)


def test_long_polling_wakes_up_when_a_user_writes() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            loop = asyncio.get_running_loop()
            started = loop.time()
            loop.call_later(0.3, tg.user_sends, 42, "hi")
            (update,) = await bot.get_updates(timeout=10)
            assert update.message.text == "hi" and loop.time() - started < 5
            started = loop.time()
            assert await bot.get_updates(offset=update.update_id + 1, timeout=1) == ()
            assert loop.time() - started >= 0.9

    run(test)


def test_allowed_updates_and_a_second_poller_conflict() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            await bot.get_updates(allowed_updates=["message"])
            tg.user_inline_query(42, "trees")  # not allowed: Telegram drops it
            tg.user_sends(42, "text")
            (update,) = await bot.get_updates()
            assert update.message.text == "text"
            waiting = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=5))
            await tg.wait_for(
                lambda: (tg.requests and tg.requests[-1].method == "getUpdates") or waiting.done()
            )
            await asyncio.sleep(0.1)
            async with httpx.AsyncClient() as http:
                await http.post(f"{tg.api_url}/getUpdates", data={"timeout": "0"})
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await waiting

    run(test)


def test_a_button_press_arrives_with_its_message_and_the_answer_is_recorded() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            sent = await bot.send_message(42, "Support?", reply_markup=keyboard("v1:sp:3", "v1:sp:3:no"))
            with pytest.raises(ValueError, match="no button"):
                tg.user_presses(42, 42, sent.message_id, "v1:forged")
            query_id = tg.user_presses(42, 42, sent.message_id, "v1:sp:3")
            (update,) = await bot.get_updates()
            query = update.callback_query
            assert (query.id, query.data, query.from_user.id) == (query_id, "v1:sp:3", 42)
            assert query.message.message_id == sent.message_id and query.message.text == "Support?"
            assert query.message.from_user.id == bot.id and query.message.reply_markup == sent.reply_markup
            await query.answer("Thanks!", show_alert=True)
            answer = tg.callback_answers[query_id]
            assert (answer.text, answer.show_alert) == ("Thanks!", True)
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await bot.answer_callback_query(query_id)  # a second answer
            late = tg.user_presses(42, 42, sent.message_id, "v1:forged", strict=False)
            tg.expire_queries()
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await bot.answer_callback_query(late)

    run(test)


def test_edit_in_place_and_identical_edit_is_not_modified() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            sent = await bot.send_message(42, "3 supporters", reply_markup=keyboard("v1:sp:3"))
            edited = await bot.edit_message_text(
                "<b>4</b> supporters",
                42,
                sent.message_id,
                parse_mode="HTML",
                reply_markup=keyboard("v1:sp:3"),
            )
            assert edited.text == "4 supporters" and edited.edit_date is not None
            (stored,) = tg.messages(42)
            assert (stored.text, stored.edits, stored.callback_data) == ("4 supporters", 1, ["v1:sp:3"])
            with pytest.raises(BadRequest) as caught:
                await bot.edit_message_text(
                    "<b>4</b> supporters",
                    42,
                    sent.message_id,
                    parse_mode="HTML",
                    reply_markup=keyboard("v1:sp:3"),
                )
            assert "message is not modified" in caught.value.message.lower()
            assert tg.requests[-1].description == NOT_MODIFIED
            await bot.edit_message_text("<b>4</b> supporters", 42, sent.message_id, parse_mode="HTML")
            assert tg.message(42, sent.message_id).reply_markup is None  # no markup given: keyboard removed
            with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
                await bot.edit_message_text("x", 42, 999)
            await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=keyboard("v1:done"))
            with pytest.raises(BadRequest, match=r"(?i)not modified"):
                await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=keyboard("v1:done"))
            assert await bot.delete_message(42, sent.message_id) is True
            assert tg.messages(42)[0].deleted and tg.texts(42) == []
            with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
                await bot.delete_message(42, sent.message_id)

    run(test)


def test_edits_count_toward_the_per_chat_limit_unless_configured_not_to() -> None:
    async def test() -> None:
        for count_edits in (True, False):
            async with connected(rate_limits=RateLimits(count_edits=count_edits)) as (tg, bot):
                tg.add_user(42)
                sent = await bot.send_message(42, "v1")
                if count_edits:
                    with pytest.raises(RetryAfter):
                        await bot.edit_message_text("v2", 42, sent.message_id)
                else:
                    await bot.edit_message_text("v2", 42, sent.message_id)

    run(test)


# ---------------------------------------------------------------- commands, inline, documents, webhook


def test_commands_are_stored_per_scope_and_language() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            await bot.set_my_commands([BotCommand("propose", "Proposer une initiative")], language_code="fr")
            await bot.set_my_commands([BotCommand("propose", "Propose an initiative")], language_code="en")
            await bot.set_my_commands([BotCommand("top", "Classement")], scope=BotCommandScopeAllGroupChats())
            assert tg.commands[("default", "fr")] == [
                {"command": "propose", "description": "Proposer une initiative"}
            ]
            assert tg.commands_for("en") == ["propose"]
            assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())] == [
                "top"
            ]
            with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
                await bot.set_my_commands([BotCommand("Propose", "upper case is refused")])

    run(test)


def test_inline_queries_are_answered_and_recorded() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            query_id = tg.user_inline_query(42, "trees")
            (update,) = await bot.get_updates()
            assert update.inline_query.query == "trees"
            article = InlineQueryResultArticle("in:7", "Trees", InputTextMessageContent("Plant trees"))
            await update.inline_query.answer([article], cache_time=0)
            assert tg.inline_answers[query_id].results[0]["id"] == "in:7"

    run(test)


def test_documents_are_uploaded_multipart_and_can_be_downloaded() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            tg.add_user(42)
            sent = await bot.send_document(
                42, b"id,title\n1,trees\n", filename="export.csv", caption="<i>CSV</i>", parse_mode="HTML"
            )
            assert sent.document.file_name == "export.csv" and sent.caption == "CSV"
            assert tg.messages(42)[0].document["file_size"] == 17
            file = await bot.get_file(sent.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"id,title\n1,trees\n"

    run(test)


def test_a_webhook_receives_updates_and_blocks_get_updates() -> None:
    async def test() -> None:
        received: list[tuple[dict[str, Any], str | None]] = []

        async def hook(request: web.Request) -> web.Response:
            received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/tg", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with connected() as (tg, bot):
                assert await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="s3cret") is True
                with pytest.raises(Conflict, match="webhook is active"):
                    await bot.get_updates()
                tg.user_sends(42, "via webhook")
                await tg.wait_for(lambda: received)
                assert received[0][0]["message"]["text"] == "via webhook" and received[0][1] == "s3cret"
                info = await bot.get_webhook_info()
                assert info.url.endswith("/tg") and info.pending_update_count == 0
                await bot.delete_webhook()
                assert (await bot.get_webhook_info()).url == ""
        finally:
            await runner.cleanup()

    run(test)


# ---------------------------------------------------------------- fault injection


def test_faults_are_seeded_and_give_the_configured_errors() -> None:
    async def attempt(seed: int) -> tuple[list[str], list[str], int]:
        faults = Faults(rate=0.5, kinds=("429", "500", "502", "drop"), seed=seed)
        async with connected(faults=faults) as (tg, bot):
            tg.add_user(42)
            outcomes = []
            for n in range(30):
                try:
                    await bot.send_message(42, f"m{n}")
                    outcomes.append("ok")
                except RetryAfter:
                    outcomes.append("429")
                except NetworkError as exc:
                    outcomes.append(
                        "502" if "Bad Gateway" in str(exc) else "500" if "Internal" in str(exc) else "drop"
                    )
            kinds = [f.kind for f in tg.faults_log]
            assert [r.scope for r in tg.rate_limited] == ["injected"] * outcomes.count("429")
            assert kinds == [o for o in outcomes if o != "ok"]  # each fault surfaced as its own error
            assert tg.texts(42) == [
                f"m{n}" for n, o in enumerate(outcomes) if o == "ok"
            ]  # nothing stored on faults
            return outcomes, kinds, len(tg.sent_log)

    async def test() -> None:
        first, again = await attempt(1), await attempt(1)
        assert first == again
        assert set(first[1]) == {"429", "500", "502", "drop"} and first[2] == first[0].count("ok")

    run(test)


def test_accepted_then_timed_out_is_stored_and_recorded() -> None:
    async def test() -> None:
        faults = Faults(timeout_delay=3.0)
        request = HTTPXRequest(read_timeout=0.3)
        async with connected(faults=faults, request=request) as (tg, bot):
            tg.add_user(42)
            tg.fail_next("timeout", "sendMessage")
            with pytest.raises(TimedOut):
                await bot.send_message(42, "digest")
            await bot.send_message(42, "digest")  # the naive retry duplicates
            (fault,) = tg.faults_log
            assert (fault.kind, fault.message_id) == ("timeout", 1)
            assert tg.texts(42) == ["digest", "digest"]

    run(test)


def test_with_faults_off_nothing_is_lost() -> None:
    async def test() -> None:
        async with connected() as (tg, bot):
            users = range(1, 11)
            for user in users:
                tg.add_user(user)
            await asyncio.gather(*(bot.send_message(u, f"{u}:{n}") for u in users for n in range(5)))
            for user in users:
                assert sorted(tg.texts(user)) == [f"{user}:{n}" for n in range(5)]
            assert len(tg.sent_log) == 50 and not tg.faults_log and not tg.rate_limited

    run(test)


def test_a_ptb_application_polls_answers_commands_and_buttons() -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html("<b>Bienvenue</b>", reply_markup=keyboard("v1:lang:fr"))

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("OK")
        await query.edit_message_text(f"Langue : {query.data}")

    async def test() -> None:
        async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
            app = Application.builder().token(tg.token).base_url(tg.base_url).build()
            app.add_handler(CommandHandler("start", start))
            app.add_handler(CallbackQueryHandler(press))
            async with app:
                await app.start()
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=1)
                tg.user_sends(42, "/start")
                (welcome,) = await tg.wait_for(lambda: tg.messages(42))
                assert welcome.text == "Bienvenue" and welcome.callback_data == ["v1:lang:fr"]
                query_id = tg.user_presses(42, 42, welcome.message_id, "v1:lang:fr")
                await tg.wait_for(lambda: tg.messages(42)[0].edits)
                assert tg.texts(42) == ["Langue : v1:lang:fr"]
                assert tg.callback_answers[query_id].text == "OK"
                await app.updater.stop()
                await app.stop()
            assert [c.method for c in tg.sent_log][:1] == ["deleteWebhook"]

    run(test)


# ---------------------------------------------------------------- the threaded runner


ECHO_BOT = """
import asyncio, os
from telegram import Bot

async def main():
    env = os.environ
    async with Bot(env["POSSIBLES_TELEGRAM__TOKEN"], base_url=env["POSSIBLES_TELEGRAM__API_BASE_URL"]) as bot:
        offset = 0
        while True:
            for update in await bot.get_updates(offset=offset, timeout=2):
                offset = update.update_id + 1
                await bot.send_message(update.message.chat_id, update.message.text.upper())
                return

asyncio.run(main())
"""


def test_threaded_runner_drives_a_subprocess_and_waits_sync() -> None:
    with FakeTelegramThread(rate_limits=NO_LIMITS) as tg:
        assert tg.base_url.startswith("http://127.0.0.1:")
        bot = subprocess.Popen([sys.executable, "-c", ECHO_BOT], env={**os.environ, **tg.env()})
        try:
            tg.wait_for_sync(lambda: any(c.method == "getMe" for c in tg.requests), timeout=30)
            tg.user_sends(42, "bonjour")  # from the test thread, while the server thread answers
            assert tg.wait_for_sync(lambda: tg.texts(42), timeout=15) == ["BONJOUR"]
            assert bot.wait(15) == 0
        finally:
            bot.kill()
        with pytest.raises(TimeoutError):
            tg.wait_for_sync(lambda: tg.texts(43), timeout=0.2)
    assert tg.texts(42) == ["BONJOUR"]  # state stays readable after the server stopped
