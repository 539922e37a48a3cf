"""The Telegram front end's wiring: the python-telegram-bot Application, its
handlers (bots.telegram.updates), the command menus, serving until stopped.

Updates are fetched by bots.telegram.polling (long polling or a webhook),
which hands each one to ``process``; an update handled before is skipped
(bots.telegram.updates, core.services.updates).
Replies are sent by bots.telegram.calls; notifications by
bots.telegram.sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScope, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bots.telegram.calls import BotCalls
from bots.telegram.http import AiohttpRequest
from bots.telegram.sender import PLATFORM, TelegramSender, file_url
from bots.telegram.updates import Updates
from core.bootstrap import Runtime
from core.presentation.answers import Limits, shorten
from core.presentation.chat import Chat
from core.presentation.commands import CommandSpec, visible_commands
from core.presentation.i18n import LANGUAGES, translate
from core.services import platform_chats

if TYPE_CHECKING:
    from bots.telegram.polling import TelegramWebhook

__all__ = ["ALLOWED_UPDATES", "LIMITS", "TelegramFrontEnd"]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
#: Telegram's limits on an alert (a callback answer) and on a command's description.
LIMITS = Limits(alert=200, command_description=256)
#: Threads running the core's calls on a database server (each holds a connection while it runs).
CORE_THREADS = 4
#: Connections to the Bot API for answers and notifications (each call holds one for
#: a round trip to Telegram: 16 carry some 160 answers a second at 100 ms each).
BOT_CONNECTIONS = 16


def _configured(chat_id: int | None) -> str | None:
    return str(chat_id) if chat_id is not None else None


class TelegramFrontEnd:
    """The Telegram FrontEnd (bots.front_end): ``await serve(stop)``, ``sender()``."""

    name = PLATFORM
    limits = LIMITS

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings.telegram
        if settings.token is None:
            raise ValueError("no Telegram token: set POSSIBLES_TELEGRAM_TOKEN")
        self.runtime = runtime
        self.settings = settings
        self.chat: Chat = runtime.chat()
        self.username: str | None = settings.bot_username
        builder = (
            Application.builder()
            .token(settings.token.get_secret_value())
            .base_url(settings.api_base_url)
            .base_file_url(file_url(settings.api_base_url))
            .updater(None)  # our own polling loop confirms offsets only after handling
            .job_queue(None)
            # Over aiohttp, not httpx: see bots.telegram.http. Long polls on a connection of their own.
            .request(AiohttpRequest(BOT_CONNECTIONS))
            .get_updates_request(AiohttpRequest(1, read_timeout=10.0))
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.calls = BotCalls(self.application.bot)
        # The core's calls leave the event loop for these threads. On SQLite one:
        # it takes one writer at a time, and a second thread would only wait for
        # the lock in SQLite's busy handler, which sleeps up to 100 ms a time.
        self.executor = ThreadPoolExecutor(
            1 if runtime.database.is_sqlite else CORE_THREADS, thread_name_prefix="telegram-core"
        )
        self.updates = Updates(
            self.chat,
            self.executor,
            self.calls,
            LIMITS,
            runtime.settings.default_language,
            lambda: self.private_link,
            self.set_commands,
        )
        self._webhook: TelegramWebhook | None = None
        self._register()

    # ------------------------------------------------------------ wiring

    def _register(self) -> None:
        app = self.application
        messages = filters.UpdateType.MESSAGE  # not edits: an edited command is not a new one
        on = self.updates
        for spec in visible_commands():
            app.add_handler(CommandHandler(spec.name, on.on_command, filters=messages))
        private = filters.ChatType.PRIVATE & messages
        # Unknown commands in private get the core's "unknown command"; in groups they may be another bot's.
        app.add_handler(MessageHandler(filters.COMMAND & private, on.on_command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on.on_text))
        app.add_handler(CallbackQueryHandler(on.on_press))
        app.add_handler(InlineQueryHandler(on.on_inline))
        app.add_error_handler(on.on_error)

    def sender(self) -> TelegramSender:
        """The notifications' Sender, on the same Bot (one per token)."""
        return TelegramSender(self.application.bot)

    def webhook(self) -> TelegramWebhook | None:
        """With ``webhook_url`` set, the receiver the web server serves at its
        path (bots.front_end.Webhook); None when updates come by long polling."""
        if self._webhook is None and self.settings.webhook_url:
            from bots.telegram.polling import TelegramWebhook

            self._webhook = TelegramWebhook(self)
        return self._webhook

    @property
    def private_link(self) -> str | None:
        return f"https://t.me/{self.username}?start=" if self.username else None

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then shut down cleanly."""
        from bots.telegram import polling

        if not await self.start(stop):
            return
        try:
            webhook = self.webhook()
            if webhook is not None:
                await polling.serve_webhook(self, webhook, stop)
            else:
                await polling.poll(self, stop)
        finally:
            await self.application.shutdown()
            self.executor.shutdown(wait=False)

    async def start(self, stop: asyncio.Event) -> bool:
        """Initialise (getMe), retried while the network fails; False when stopped first."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.application.initialize()
                break
            except InvalidToken:
                log.error("Telegram refused the token; check POSSIBLES_TELEGRAM_TOKEN")
                raise
            except (NetworkError, RetryAfter) as error:
                log.warning("Telegram is not reachable yet (%s); retrying in %.0f s", error, delay)
                await _sleep_unless(stop, delay)
                delay = min(delay * 2, 60.0)
        else:
            return False
        self.username = self.settings.bot_username or self.application.bot.username
        await self.set_commands()
        return True

    async def set_commands(self) -> None:
        """The catalog's commands in Telegram's menu, in French, English and the
        default language: everyone's everywhere, and the moderators' tools too in
        the moderators' group. A failure is logged and changes nothing else."""
        everyone = visible_commands(frozenset())
        scopes: list[tuple[list[CommandSpec], BotCommandScope | None]] = [(everyone, None)]
        try:
            group = await asyncio.to_thread(
                platform_chats.chat_for,
                self.runtime.uow(),
                PLATFORM,
                platform_chats.MODERATORS,
                _configured(self.settings.moderators_chat_id),
            )
        except Exception:  # the menu can do without it
            log.warning("could not read the moderators' group", exc_info=True)
            group = None
        if group is not None and group.lstrip("-").isdigit():
            moderators = visible_commands(frozenset({"moderator"}))
            scopes.append((moderators, BotCommandScopeChat(int(group))))
        for specs, scope in scopes:
            for language in (*LANGUAGES, ""):
                lang = language or self.runtime.settings.default_language
                commands = [
                    BotCommand(spec.name, shorten(translate(lang, spec.help_key), LIMITS.command_description))
                    for spec in specs
                ]
                try:
                    await self.application.bot.set_my_commands(
                        commands, scope=scope, language_code=language or None
                    )
                except TelegramError as error:
                    log.warning(
                        "setMyCommands (%s) failed, going on without it: %s", language or "default", error
                    )

    # ------------------------------------------------------------ the updates

    async def process(self, update: Update) -> None:
        """Handle one update; its handler skips it when it was handled before
        and records it with its core call (Updates.once)."""
        await self.application.process_update(update)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
