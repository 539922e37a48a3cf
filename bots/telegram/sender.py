"""The Telegram Sender (notifications.ports): one call of the Bot API per part,
its errors translated into an Outcome. It never waits nor retries: the
notifications dispatcher paces within ``limits`` and decides from the Outcome.

The platform reference of a sent message is its message id; a message split
in parts (over 4,096 characters) has the ids of its parts, comma-separated,
so an edit can replace each of them.
"""

from __future__ import annotations

import datetime as dtm
import logging
import warnings

import aiohttp
import httpx
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bots.telegram.render import Message, render_cards
from core.config import Settings
from notifications.parts import message_ref, part_ids, send_in_parts
from notifications.ports import Outcome, OutcomeKind, Outgoing, PaceLimits

__all__ = [
    "PLATFORM",
    "TELEGRAM_LIMITS",
    "TelegramSender",
    "build_bot",
    "file_url",
    "is_not_modified",
    "outcome_of",
    "retry_after_seconds",
    "telegram_sender",
]

log = logging.getLogger(__name__)

PLATFORM = "telegram"
#: Bot API FAQ: 30 messages/s overall, 1/s per chat, 20/min per group.
TELEGRAM_LIMITS = PaceLimits(per_second=30.0, per_chat_per_second=1.0, per_group_per_minute=20.0)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

#: BadRequest texts that mean the chat cannot be reached at all.
_GONE = (
    "chat not found",
    "user not found",
    "bot was kicked",
    "not enough rights",
    "need administrator rights",
)
#: Errors raised before the request left, Telegram cannot have it: httpx's (a Bot of
#: its own) and aiohttp's (the front end's, bots.telegram.http; waiting for a pooled
#: connection counts in its connect timeout).
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)


def file_url(api_base_url: str) -> str:
    """Where files are fetched: ``.../bot`` becomes ``.../file/bot``."""
    base = api_base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


def build_bot(settings: Settings) -> Bot:
    """A Bot for ``settings.telegram`` (its token and API address)."""
    token = settings.telegram.token
    if token is None:
        raise ValueError("no Telegram token: set POSSIBLES_TELEGRAM_TOKEN")
    base = settings.telegram.api_base_url
    return Bot(token.get_secret_value(), base_url=base, base_file_url=file_url(base))


def retry_after_seconds(error: RetryAfter) -> float:
    """retry_after in seconds (an int in PTB 22, which warns that it will become a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def is_not_modified(error: TelegramError) -> bool:
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


def _never_sent(error: TelegramError) -> bool:
    cause = error.__cause__
    return isinstance(cause, _NOT_SENT)


def outcome_of(error: TelegramError) -> Outcome:
    """What a Bot API error means for a delivery."""
    text = str(error)
    if isinstance(error, RetryAfter):
        return Outcome(OutcomeKind.RETRY_AFTER, retry_after=retry_after_seconds(error), error=text)
    if isinstance(error, Forbidden | ChatMigrated):
        return Outcome(OutcomeKind.UNREACHABLE, error=text)
    if isinstance(error, BadRequest):
        lowered = error.message.lower()
        if any(gone in lowered for gone in _GONE):
            return Outcome(OutcomeKind.UNREACHABLE, error=text)
        return Outcome(OutcomeKind.REJECTED, error=text)
    if isinstance(error, TimedOut):
        # A pool timeout or a connect timeout never left; a read timeout may have been accepted.
        kind = OutcomeKind.TRANSIENT if _never_sent(error) else OutcomeKind.UNCERTAIN
        return Outcome(kind, error=text)
    if isinstance(error, NetworkError):
        # A 5xx, a refused or reset connection: Telegram did not take it. (A reset
        # after Telegram took the request is possible in theory; a stale keep-alive
        # connection, the common cause, never delivered it. Only a timeout is
        # counted as unknowable, as notifications expects.)
        return Outcome(OutcomeKind.TRANSIENT, error=text)
    if isinstance(error, InvalidToken | Conflict):
        return Outcome(OutcomeKind.TRANSIENT, error=text)
    return Outcome(OutcomeKind.REJECTED, error=text)


class TelegramSender:
    """Sends (or edits) one Outgoing through ``bot``; see the module docstring."""

    platform = PLATFORM
    limits = TELEGRAM_LIMITS

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _send(self, chat_id: int, part: Message) -> int:
        sent = await self.bot.send_message(
            chat_id,
            part.text,
            parse_mode=ParseMode.HTML,
            reply_markup=part.markup,
            link_preview_options=NO_PREVIEW,
        )
        return sent.message_id

    async def _edit(self, chat_id: int, message_id: int, part: Message) -> None:
        try:
            await self.bot.edit_message_text(
                part.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as error:
            if not is_not_modified(error):  # the same content is already there
                raise

    async def _delete(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.delete_message(chat_id, message_id)
        except TelegramError as error:  # the edit itself went through
            log.info("could not delete part %s of an edited message: %s", message_id, error)

    async def send(self, message: Outgoing) -> Outcome:
        try:
            chat_id = int(message.address)
        except ValueError:
            return Outcome(OutcomeKind.REJECTED, error=f"not a Telegram chat id: {message.address!r}")
        parts = render_cards(message.cards)
        ids: list[int] = []
        try:
            await send_in_parts(
                parts,
                part_ids(message.edit_ref),
                lambda ref, part: self._edit(chat_id, ref, part),
                lambda part: self._send(chat_id, part),
                lambda extra: self._delete(chat_id, extra),
                ids,
            )
        except TelegramError as error:
            outcome = outcome_of(error)
            if ids and not message.edit_ref:
                # Some parts went out: a retry would repeat them; better say what went.
                log.warning(
                    "delivery %s: %d of %d parts sent, then %s",
                    message.delivery_id,
                    len(ids),
                    len(parts),
                    error,
                )
            return outcome
        return Outcome(OutcomeKind.SENT, ref=message_ref(ids))

    async def close(self) -> None:
        await self.bot.shutdown()


def telegram_sender(settings: Settings) -> TelegramSender:
    """A sender with its own Bot, for a process that only sends (``--only sender``)."""
    return TelegramSender(build_bot(settings))
