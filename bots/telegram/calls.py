"""Talking back to Telegram while handling an update: Bot API calls retried
on flood limits and network errors, press answers, and replies sent or
edited in place.

Everything here happens after the core has answered (its change, if any, is
saved): a failure is logged and never told as "nothing was changed".
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, CallbackQuery, InputFile, MaybeInaccessibleMessage, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bots.telegram.render import Message, render_reply
from bots.telegram.sender import NO_PREVIEW, is_not_modified, retry_after_seconds
from core.presentation.cards import Document, Reply

__all__ = ["ATTEMPTS", "MAX_WAIT", "BotCalls"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a reply may wait for flood limits before it is given up.
MAX_WAIT = 120.0
ATTEMPTS = 5


class BotCalls:
    """The calls a front end makes on its Bot while answering people."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

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

    async def answer(
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

    async def send(self, chat_id: int, part: Message, reply_to: int | None = None) -> None:
        reply_parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
        )
        await self.call(
            lambda: self.bot.send_message(
                chat_id,
                part.text,
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
                link_preview_options=NO_PREVIEW,
                reply_parameters=reply_parameters,
            )
        )

    async def send_all(self, chat_id: int, parts: list[Message], reply_to: int | None = None) -> None:
        for index, part in enumerate(parts):
            await self.send(chat_id, part, reply_to if index == 0 else None)

    async def send_document(self, chat_id: int, document: Document) -> None:
        """A file that comes with a reply (sendDocument)."""
        await self.call(
            lambda: self.bot.send_document(
                chat_id, InputFile(document.content, filename=document.filename), filename=document.filename
            )
        )

    async def edit(self, pressed: MaybeInaccessibleMessage, part: Message) -> bool:
        """Replace the pressed message; False when it cannot be edited (too old, gone)."""
        try:
            await self.call(
                lambda: self.bot.edit_message_text(
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

    async def deliver(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pressed: MaybeInaccessibleMessage | None = None,
        reply_to: int | None = None,
    ) -> None:
        """Render ``reply`` into the chat: an edit of the pressed message when the
        core says so, new messages otherwise. Any failure here is logged, never
        told as "nothing was changed": the core has already done its part."""
        try:
            parts = render_reply(reply)
            if reply.edit and pressed is not None and parts and await self.edit(pressed, parts[0]):
                parts = parts[1:]
            await self.send_all(chat_id, parts, reply_to)
            for document in reply.documents:
                await self.send_document(chat_id, document)
        except TelegramError as error:
            log.warning("could not deliver a reply in chat %s: %s", chat_id, error)
        except Exception:  # a bug in rendering: the change is saved all the same
            log.exception("could not deliver a reply in chat %s; what it answers is saved", chat_id)
