"""A fake Telegram Bot API server for the tests, on loopback, speaking real HTTP.

The real python-telegram-bot (or any client) talks to it exactly as it would to
api.telegram.org; the fake enforces what Telegram enforces (HTML entity parsing,
4096-character texts, 64-byte callback data, "message is not modified", flood
limits with 429 + retry_after, blocked users) with Telegram's own error texts,
and lets a test act as users and read what the bot did.

In a test's event loop::

    async with FakeTelegram() as tg:
        bot = telegram.Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
        async with bot:
            tg.user_sends(42, "/start")            # a private chat with user 42
            (update,) = await bot.get_updates()
            await bot.send_message(42, "<b>Hi</b>", parse_mode="HTML")
            assert tg.messages(42)[-1].text == "Hi"

Against a whole ``possibles run`` subprocess (the server runs in its own thread;
every accessor is thread-safe)::

    with FakeTelegramThread() as tg:             # or tg.start_in_thread() / tg.stop_thread()
        proc = subprocess.Popen([...], env={**os.environ, **tg.env()})
        tg.user_sends(42, "/start")
        tg.wait_for_sync(lambda: tg.messages(42), timeout=10)

Acting as users: ``user_sends``, ``user_presses`` (returns the callback query id),
``user_inline_query``, ``user_chooses_inline_result``, ``block``/``unblock``.
Reading: ``messages(chat_id)`` (current state after edits, deleted ones flagged),
``sent_log`` (every accepted write call, in order), ``requests`` (every request and
its outcome), ``callback_answers``, ``inline_answers``, ``commands``, ``rate_limited``
(every 429 given), ``faults_log``; waiting: ``await tg.wait_for(pred)`` and
``tg.wait_for_sync(pred)``; ``sent_since(n)`` reads only what is new, and
``run_coroutine`` runs a coroutine (users acting at precise moments) in the fake's loop.

Webhooks: once ``setWebhook`` is called, pending updates are POSTed to it, up to
its ``max_connections`` (40) at once, one chat's updates one after the other and in
order; a chat whose update failed waits ``webhook_retry_delay``, the others go on.

Limits (``RateLimits``) default to Telegram's: 30 messages/s overall, 1/s per private
chat, 20/min per group, sends and edits counted, sliding windows. Faults (``Faults``,
seeded) answer a fraction of sending calls with 429, 500, 502, a dropped connection
(nothing stored) or "timeout" (stored, answered too late); ``fail_next`` scripts them.

Only parse_mode HTML is validated (as Telegram's tdlib parser does it: bare "&" and
unknown entities such as "&nbsp;" are kept as text, a bare "<" is an error); Markdown
modes are accepted and kept as sent.

The package, one idea a module: ``html`` (Telegram's HTML as tdlib parses it),
``api`` (the Bot API's limits and error texts), ``records`` (configuration and
what is recorded), ``server`` (the HTTP server and the Bot API methods),
``users`` (simulated people), ``thread`` (serving from a background thread).
"""

from tests.fakes.telegram.api import NOT_MODIFIED
from tests.fakes.telegram.html import EntityParseError, parse_html, utf16_len
from tests.fakes.telegram.records import (
    Call,
    CallbackAnswer,
    FaultRecord,
    Faults,
    InlineAnswer,
    RateLimitRecord,
    RateLimits,
    StoredMessage,
    UploadedFile,
)
from tests.fakes.telegram.server import FakeTelegram
from tests.fakes.telegram.thread import FakeTelegramThread

__all__ = [
    "NOT_MODIFIED",
    "Call",
    "CallbackAnswer",
    "EntityParseError",
    "FakeTelegram",
    "FakeTelegramThread",
    "FaultRecord",
    "Faults",
    "InlineAnswer",
    "RateLimitRecord",
    "RateLimits",
    "StoredMessage",
    "UploadedFile",
    "parse_html",
    "utf16_len",
]
