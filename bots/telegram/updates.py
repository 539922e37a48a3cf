"""Telegram's updates, each turned into one call of core.presentation.chat.Chat
(a command, typed text in a private chat, a button press, an inline query),
off the event loop; the core's reply goes where core.presentation.answers
says. Nothing here decides a rule.

Each update is handled once: its id goes with the core call, which looks
for it and records it in the command's own transaction
(core.services.updates), so the record commits with what the person did; an
update handled before is answered nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TypeVar

from telegram import (
    CallbackQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
    User,
)
from telegram import Chat as TgChat
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bots.telegram.calls import BotCalls
from bots.telegram.render import render_cards, render_reply
from bots.telegram.sender import NO_PREVIEW, PLATFORM
from core.domain.members import Identity, language_from_code
from core.presentation.answers import Limits, answer_message, answer_press
from core.presentation.cards import Card, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.presentation.i18n import translate
from core.services.updates import AlreadyHandled, UpdateKey

__all__ = ["Updates"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def _pressed_label(query: CallbackQuery) -> str | None:
    """The label of the button that was pressed, as the person saw it."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            if button.callback_data == query.data:
                return str(button.text)
    return None


class Updates:
    """The handlers python-telegram-bot calls, one per kind of update."""

    def __init__(
        self,
        chat: Chat,
        executor: Executor | None,
        calls: BotCalls,
        limits: Limits,
        default_language: str,
        private_link: Callable[[], str | None],
        commands_changed: Callable[[], Awaitable[None]],
    ) -> None:
        self.chat = chat
        #: Where the core's calls run (None: the event loop's default executor).
        self.executor = executor
        self.calls = calls
        self.limits = limits
        self.default_language = default_language
        #: ``https://t.me/<bot>?start=`` once the bot's name is known.
        self.private_link = private_link
        #: Refreshes the command menus (a moderators' group was set).
        self.commands_changed = commands_changed

    def speaker(self, user: User, chat: TgChat | None) -> Speaker:
        in_group = chat is not None and chat.type != ChatType.PRIVATE
        return Speaker(
            Identity(PLATFORM, str(user.id)),
            display_name=user.full_name or user.username or str(user.id),
            language_code=user.language_code,
            in_group=in_group,
            chat_address=str(chat.id) if chat is not None else None,
            private_link=self.private_link(),
        )

    def _language(self, speaker: Speaker) -> str:
        return language_from_code(speaker.language_code, self.default_language)

    async def off_loop(self, call: Callable[[], T]) -> T:
        """``call()`` in the core's worker thread(s)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def once(self, update: Update, call: Callable[[UpdateKey], T]) -> T | None:
        """``call(key)`` (the core, given the update's key) in a worker
        thread; None when the core says the update was handled before."""
        key = UpdateKey(PLATFORM, update.update_id)

        def run() -> T | None:
            try:
                return call(key)
            except AlreadyHandled:
                return None

        result = await self.off_loop(run)
        if result is None:
            log.info("update %s was handled before; skipped", update.update_id)
        return result

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or not message.text:
            return
        head, _, args = message.text.partition(" ")
        if "\n" in head:  # "/propose\nTitle"
            head, _, more = head.partition("\n")
            args = f"{more} {args}".strip()
        name = head[1:].split("@", 1)[0]
        speaker = self.speaker(message.from_user, message.chat)
        reply = await self.once(update, lambda key: self.chat.command(speaker, name, args, update=key))
        if reply is None:
            return
        reply_to = message.message_id if speaker.in_group else None
        answer = answer_message(reply)
        await self.calls.deliver(
            message.chat.id, Reply(list(answer.chat), documents=list(answer.documents)), reply_to=reply_to
        )
        if reply.commands_changed:
            try:
                await self.commands_changed()
            except Exception:  # the change is saved; the menu follows at the next start
                log.exception("could not refresh the command menus")

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.text is None:
            return
        speaker = self.speaker(message.from_user, message.chat)
        text = message.text
        reply = await self.once(update, lambda key: self.chat.text(speaker, text, update=key))
        if reply is None:
            return
        await self.calls.deliver(message.chat.id, Reply(list(answer_message(reply).chat)))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        pressed = query.message
        chat = pressed.chat if pressed is not None else None
        speaker = self.speaker(query.from_user, chat)
        data = query.data or ""
        reply = await self.once(update, lambda key: self.chat.press(speaker, data, update=key))
        if reply is None:
            return
        try:
            await self._answer_press(query, reply, speaker)
        except Exception:  # the core's change is saved: never "nothing was changed" now
            log.exception("press %s handled, but its answer could not be delivered", query.id)

    async def _answer_press(self, query: CallbackQuery, reply: Reply, speaker: Speaker) -> None:
        pressed = query.message
        chat = pressed.chat if pressed is not None else None
        answer = answer_press(reply, speaker, self.limits, in_chat=chat is not None)
        if answer.private and answer.alert is None:
            await self._continue_in_private(query, list(answer.private), speaker)
            return
        await self.calls.answer(query, answer.alert, show_alert=answer.refusal)
        if answer.private:  # a refusal too long for an alert, told whole in private
            await self.calls.deliver(query.from_user.id, Reply(list(answer.private)))
        if answer.chat and chat is not None:
            await self.calls.deliver(chat.id, Reply(list(answer.chat), edit=answer.edit), pressed=pressed)

    async def _continue_in_private(self, query: CallbackQuery, cards: list[Card], speaker: Speaker) -> None:
        language = self._language(speaker)
        try:
            await self.calls.send_all(query.from_user.id, render_reply(Reply(cards)))
        except (Forbidden, BadRequest) as error:
            # They never opened a private chat with the bot: a link minted for them goes on there.
            log.info("no private chat with %s yet: %s", query.from_user.id, error)
            link = self.private_link()
            token = None
            if link:
                data, label = query.data or "", _pressed_label(query)
                token = await self.off_loop(lambda: self.chat.hand_over(speaker, data, label))
            url = f"{link}{token}" if link and token else None
            await self.calls.answer(
                query, translate(language, "telegram.open_private_chat"), show_alert=url is None, url=url
            )
            return
        except TelegramError as error:
            log.warning("could not continue in private with %s: %s", query.from_user.id, error)
            await self.calls.answer(query)
            return
        await self.calls.answer(query, translate(language, "telegram.continued_in_private"))

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        speaker = self.speaker(query.from_user, None)
        page = await self.once(
            update, lambda key: self.chat.inline(speaker, query.query, query.offset, update=key)
        )
        if page is None:
            return
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
            await self.calls.call(
                lambda: query.answer(results, cache_time=10, is_personal=True, next_offset=page.next_offset)
            )
        except BadRequest as error:  # too late: the person typed on
            log.info("inline answer refused: %s", error)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unexpected error before the core answered: logged, and the person
        told that nothing was changed (the core's transaction rolled back), in
        their language. Errors after it answered never get here (BotCalls.deliver)."""
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        language = language_from_code(update.effective_user.language_code, self.default_language)
        text = translate(language, "error.generic")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_chat is not None and update.message is not None:
                await self.calls.bot.send_message(update.effective_chat.id, text)
        except TelegramError as error:
            log.info("could not tell about the error: %s", error)
