"""The Telegram front end: python-telegram-bot handlers, thin over the core.

Every update becomes one call of core.presentation.chat.Chat (a command, typed
text in a private chat, a button press, an inline query), off the event loop;
the core's Reply is rendered as HTML messages with inline keyboards. The front
end decides no rule: who may do what, limits and roles are the core's answers.

Updates are fetched by bots.telegram.polling (long polling or a webhook), which
hands each one to ``process`` exactly once (see core.services.updates).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    CallbackQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MaybeInaccessibleMessage,
    ReplyParameters,
    Update,
    User,
)
from telegram import Chat as TgChat
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bots.telegram.render import Message, render_cards, render_reply
from bots.telegram.sender import (
    NO_PREVIEW,
    PLATFORM,
    TelegramSender,
    file_url,
    is_not_modified,
    retry_after_seconds,
)
from core.bootstrap import Runtime
from core.domain.members import Identity, language_from_code
from core.presentation.answers import Limits, answer_press, shorten
from core.presentation.cards import Card, Reply
from core.presentation.chat import Chat
from core.presentation.commands import CommandSpec, visible_commands
from core.presentation.context import Speaker
from core.presentation.i18n import LANGUAGES, translate
from core.services import platform_chats
from core.services import updates as processed

__all__ = ["ALLOWED_UPDATES", "TelegramFrontEnd"]

log = logging.getLogger(__name__)

T = TypeVar("T")

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
#: Telegram's limits on an alert (a callback answer) and on a command's description.
LIMITS = Limits(alert=200, command_description=256)
#: How long a reply may wait for flood limits before it is given up.
MAX_WAIT = 120.0
ATTEMPTS = 5


def _pressed_label(query: CallbackQuery) -> str | None:
    """The label of the button that was pressed, as the person saw it."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            if button.callback_data == query.data:
                return str(button.text)
    return None


def _configured(chat_id: int | None) -> str | None:
    return str(chat_id) if chat_id is not None else None


class TelegramFrontEnd:
    """``create_front_end(runtime)``: ``await serve(stop)``, ``sender()``."""

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
            .get_updates_read_timeout(10.0)
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self._register()

    # ------------------------------------------------------------ wiring

    def _register(self) -> None:
        app = self.application
        messages = filters.UpdateType.MESSAGE  # not edits: an edited command is not a new one
        for spec in visible_commands():
            app.add_handler(CommandHandler(spec.name, self._on_command, filters=messages))
        private = filters.ChatType.PRIVATE & messages
        # Unknown commands in private get the core's "unknown command"; in groups they may be another bot's.
        app.add_handler(MessageHandler(filters.COMMAND & private, self._on_command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_press))
        app.add_handler(InlineQueryHandler(self._on_inline))
        app.add_error_handler(self._on_error)

    def sender(self) -> TelegramSender:
        """The notifications' Sender, on the same Bot (one per token)."""
        return TelegramSender(self.application.bot)

    @property
    def private_link(self) -> str | None:
        return f"https://t.me/{self.username}?start=" if self.username else None

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then shut down cleanly."""
        from bots.telegram import polling

        if not await self.start(stop):
            return
        try:
            if self.settings.webhook_url:
                await polling.serve_webhook(self, stop)
            else:
                await polling.poll(self, stop)
        finally:
            await self.application.shutdown()

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
        """Handle one update unless it was handled before; remember it after."""
        uow = self.runtime.uow
        if await asyncio.to_thread(processed.seen, uow(), PLATFORM, update.update_id):
            log.info("update %s was handled before; skipped", update.update_id)
            return
        await self.application.process_update(update)
        await asyncio.to_thread(processed.record, uow(), PLATFORM, update.update_id)

    def _speaker(self, user: User, chat: TgChat | None) -> Speaker:
        in_group = chat is not None and chat.type != ChatType.PRIVATE
        return Speaker(
            Identity(PLATFORM, str(user.id)),
            display_name=user.full_name or user.username or str(user.id),
            language_code=user.language_code,
            in_group=in_group,
            chat_address=str(chat.id) if chat is not None else None,
            private_link=self.private_link,
        )

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or not message.text:
            return
        head, _, args = message.text.partition(" ")
        if "\n" in head:  # "/propose\nTitle"
            head, _, more = head.partition("\n")
            args = f"{more} {args}".strip()
        name = head[1:].split("@", 1)[0]
        speaker = self._speaker(message.from_user, message.chat)
        reply = await asyncio.to_thread(self.chat.command, speaker, name, args)
        reply_to = message.message_id if speaker.in_group else None
        await self._deliver(message.chat.id, reply, reply_to=reply_to)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.text is None:
            return
        speaker = self._speaker(message.from_user, message.chat)
        reply = await asyncio.to_thread(self.chat.text, speaker, message.text)
        await self._deliver(message.chat.id, reply)

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        pressed = query.message
        chat = pressed.chat if pressed is not None else None
        speaker = self._speaker(query.from_user, chat)
        reply = await asyncio.to_thread(self.chat.press, speaker, query.data or "")
        answer = answer_press(reply, speaker, LIMITS, in_chat=chat is not None)
        if answer.private and answer.alert is None:
            await self._continue_in_private(query, list(answer.private), speaker)
            return
        await self._answer(query, answer.alert, show_alert=answer.refusal)
        if answer.private:  # a refusal too long for an alert, told whole in private
            await self._deliver(query.from_user.id, Reply(list(answer.private)))
        if answer.chat and chat is not None:
            await self._deliver(chat.id, Reply(list(answer.chat), edit=answer.edit), pressed=pressed)

    async def _continue_in_private(self, query: CallbackQuery, cards: list[Card], speaker: Speaker) -> None:
        language = language_from_code(speaker.language_code, self.runtime.settings.default_language)
        try:
            await self._send_all(query.from_user.id, render_reply(Reply(cards)))
        except (Forbidden, BadRequest) as error:
            # They never opened a private chat with the bot: a link minted for them goes on there.
            log.info("no private chat with %s yet: %s", query.from_user.id, error)
            token = None
            if self.private_link:
                token = await asyncio.to_thread(
                    self.chat.hand_over, speaker, query.data or "", _pressed_label(query)
                )
            url = f"{self.private_link}{token}" if self.private_link and token else None
            await self._answer(
                query, translate(language, "telegram.open_private_chat"), show_alert=url is None, url=url
            )
            return
        except TelegramError as error:
            log.warning("could not continue in private with %s: %s", query.from_user.id, error)
            await self._answer(query)
            return
        await self._answer(query, translate(language, "telegram.continued_in_private"))

    async def _on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        speaker = self._speaker(query.from_user, None)
        page = await asyncio.to_thread(self.chat.inline, speaker, query.query, query.offset)
        results = []
        for item in page.items:
            parts = render_cards([item.card])
            results.append(
                InlineQueryResultArticle(
                    id=item.key,
                    title=item.title,
                    description=item.description,
                    input_message_content=InputTextMessageContent(
                        parts[0].text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                    ),
                    reply_markup=parts[-1].markup,
                )
            )
        try:
            await self.call(
                lambda: query.answer(results, cache_time=10, is_personal=True, next_offset=page.next_offset)
            )
        except BadRequest as error:  # too late: the person typed on
            log.info("inline answer refused: %s", error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every unexpected error: logged, and the person told that nothing was changed
        (the core's transaction rolled back), in their language."""
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        language = language_from_code(
            update.effective_user.language_code, self.runtime.settings.default_language
        )
        text = translate(language, "error.generic")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_chat is not None and update.message is not None:
                await self.application.bot.send_message(update.effective_chat.id, text)
        except TelegramError as error:
            log.info("could not tell about the error: %s", error)

    # ------------------------------------------------------------ talking back

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call, retried on flood limits (retry_after honoured) and
        network errors (backoff with jitter); other errors are raised."""
        waited = 0.0
        for attempt in range(ATTEMPTS):
            try:
                return await make()
            except RetryAfter as error:
                delay = retry_after_seconds(error) + random.uniform(0.05, 0.3)
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == ATTEMPTS - 1:
                    raise
                delay = min(0.5 * 2**attempt, 8.0) * random.uniform(0.8, 1.2)
                log.info("Telegram call failed (%s); retrying in %.1f s", error, delay)
            if waited + delay > MAX_WAIT:
                break
            waited += delay
            await asyncio.sleep(delay)
        return await make()

    async def _answer(
        self,
        query: CallbackQuery,
        text: str | None = None,
        *,
        show_alert: bool = False,
        url: str | None = None,
    ) -> None:
        """Every press is answered (the spinner stops); a press answered too late is not an error."""
        try:
            await self.call(lambda: query.answer(text, show_alert=show_alert, url=url))
        except TelegramError as error:
            log.info("press %s not answered: %s", query.id, error)

    async def _send(self, chat_id: int, part: Message, reply_to: int | None = None) -> None:
        reply_parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
        )
        await self.call(
            lambda: self.application.bot.send_message(
                chat_id,
                part.text,
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
                link_preview_options=NO_PREVIEW,
                reply_parameters=reply_parameters,
            )
        )

    async def _send_all(self, chat_id: int, parts: list[Message], reply_to: int | None = None) -> None:
        for index, part in enumerate(parts):
            await self._send(chat_id, part, reply_to if index == 0 else None)

    async def _edit(self, pressed: MaybeInaccessibleMessage, part: Message) -> bool:
        """Replace the pressed message; False when it cannot be edited (too old, gone)."""
        try:
            await self.call(
                lambda: self.application.bot.edit_message_text(
                    part.text,
                    chat_id=pressed.chat.id,
                    message_id=pressed.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.markup,
                    link_preview_options=NO_PREVIEW,
                )
            )
        except BadRequest as error:
            if is_not_modified(error):  # already shows this: pressed twice
                return True
            log.info("could not edit message %s: %s", pressed.message_id, error)
            return False
        return True

    async def _deliver(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pressed: MaybeInaccessibleMessage | None = None,
        reply_to: int | None = None,
    ) -> None:
        """Render ``reply`` into the chat: an edit of the pressed message when the
        core says so, new messages otherwise. Failures here are logged, not told
        as "nothing was changed": the core has already done its part."""
        parts = render_reply(reply)
        try:
            if reply.edit and pressed is not None and parts and await self._edit(pressed, parts[0]):
                parts = parts[1:]
            await self._send_all(chat_id, parts, reply_to)
        except TelegramError as error:
            log.warning("could not deliver a reply in chat %s: %s", chat_id, error)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
