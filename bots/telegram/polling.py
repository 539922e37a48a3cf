"""Getting Telegram's updates, each handled once: long polling by default, a
webhook when ``telegram.webhook_url`` is set.

Long polling: our own loop, not PTB's Updater, because the Updater confirms an
offset (asks for the next updates) before the previous ones are handled — a
crash in between would lose them. Here a batch is handled first; its offset is
confirmed by the next getUpdates. An update delivered again after a crash (its
offset never confirmed) is recognised by core.services.updates and skipped.
Updates of one chat are handled in order; different chats at the same time.

Webhook: a route of the web server (bots.web, on ``web.host``:``web.port``)
at the path of ``webhook_url``, behind the HTTPS reverse proxy that
``webhook_url`` names — one port for the pages and the updates; several
``possibles run --only telegram`` workers may share it (SO_REUSEPORT).
Telegram's requests are checked with the secret token; an update is answered
200 once handled, so Telegram sends it again if we die first, and the same
dedupe skips repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hashlib
import hmac
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError, TimedOut

from bots.metrics import update_handled
from bots.telegram.app import ALLOWED_UPDATES
from bots.telegram.sender import PLATFORM, retry_after_seconds

if TYPE_CHECKING:
    from bots.telegram.app import TelegramFrontEnd

__all__ = [
    "SECRET_HEADER",
    "TelegramWebhook",
    "lane_of",
    "poll",
    "process_batch",
    "serve_webhook",
    "webhook_secret",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The header Telegram sends the webhook's secret token in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

def lane_of(update: Update) -> int:
    """Updates of one lane are handled in order: one chat (or one person, for inline queries)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


async def process_batch(front_end: TelegramFrontEnd, batch: list[Update]) -> bool:
    """Handle a batch: one chat's updates in order, chats side by side. False
    when one could not be handled (the database is down...): the batch comes
    again and what was handled is skipped."""
    lanes: dict[int, list[Update]] = {}
    for update in batch:
        lanes.setdefault(lane_of(update), []).append(update)

    async def run(lane: list[Update]) -> None:
        for update in lane:
            await front_end.process(update)
            update_handled(PLATFORM)

    results = await asyncio.gather(*(run(lane) for lane in lanes.values()), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        log.error("an update could not be handled; it will come again", exc_info=failure)
    return not failures


async def _until_stopped(stop: asyncio.Event, call: Awaitable[T]) -> tuple[bool, T | None]:
    """(True, result) of ``call``, or (False, None) when ``stop`` comes first."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await task
        return False, None
    return True, task.result()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def poll(front_end: TelegramFrontEnd, stop: asyncio.Event) -> None:
    """Long polling until ``stop``; see the module docstring."""
    bot = front_end.application.bot
    timeout = dtm.timedelta(seconds=front_end.settings.polling_timeout)
    with contextlib.suppress(TelegramError):
        await front_end.calls.call(lambda: bot.delete_webhook())  # polling and a webhook exclude each other
    offset: int | None = None
    delay = 1.0
    while not stop.is_set():
        try:
            done, batch = await _until_stopped(
                stop, bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
            )
        except RetryAfter as error:
            await _pause(stop, retry_after_seconds(error))
            continue
        except TimedOut:
            continue  # a long poll that outlived its read timeout: ask again
        except (NetworkError, Conflict) as error:
            log.warning("getUpdates failed (%s); again in %.0f s", error, delay)
            await _pause(stop, delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 60.0)
            continue
        if not done or batch is None:
            break
        delay = 1.0
        if not batch:
            continue
        if await process_batch(front_end, list(batch)):
            offset = batch[-1].update_id + 1
        else:
            await _pause(stop, 1.0)
    if offset is not None:
        # Confirm the last batch now, so the next start does not fetch it again.
        with contextlib.suppress(TelegramError):
            await bot.get_updates(offset=offset, timeout=0, allowed_updates=ALLOWED_UPDATES)


def webhook_secret(front_end: TelegramFrontEnd) -> str:
    """The configured secret, or one derived from the token (the same in every worker)."""
    settings = front_end.settings
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.token is not None
    return hashlib.sha256(b"possibles-webhook:" + settings.token.get_secret_value().encode()).hexdigest()


class _Lanes:
    """One lock per chat, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self.locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def run(self, lane: int, work: Callable[[], Awaitable[None]]) -> None:
        lock, users = self.locks.get(lane, (asyncio.Lock(), 0))
        self.locks[lane] = (lock, users + 1)
        try:
            async with lock:
                await work()
        finally:
            lock, users = self.locks[lane]
            if users <= 1:
                del self.locks[lane]
            else:
                self.locks[lane] = (lock, users - 1)


class TelegramWebhook:
    """Telegram's webhook requests, served by the web server (bots.web.webhook)
    at the path of ``telegram.webhook_url``: the secret token checked first
    (403, nothing read, when it is wrong), then the update handled in its
    chat's lane and answered 200 once handled — 500 otherwise, so that
    Telegram sends it again. Until the bot is initialised, 503: Telegram
    retries."""

    def __init__(self, front_end: TelegramFrontEnd) -> None:
        settings = front_end.settings
        assert settings.webhook_url is not None
        self.front_end = front_end
        self.path = urlparse(settings.webhook_url).path or "/"
        self.secret = webhook_secret(front_end)
        self.lanes = _Lanes()
        self.ready = False

    def authorised(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries our secret token (compared in constant time)."""
        given = headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.secret.encode())

    async def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """The HTTP status to answer Telegram with, once the update is handled."""
        if not self.authorised(headers):
            return 403
        if not self.ready:
            return 503
        try:
            data: Any = json.loads(body)
            update = Update.de_json(data, self.front_end.application.bot)
        except Exception:
            log.warning("a webhook request that is not an update", exc_info=True)
            return 400
        try:
            await self.lanes.run(lane_of(update), lambda: self.front_end.process(update))
        except Exception:
            log.error(
                "update %s could not be handled; Telegram will send it again", update.update_id, exc_info=True
            )
            return 500
        update_handled(PLATFORM)
        return 200


async def serve_webhook(front_end: TelegramFrontEnd, webhook: TelegramWebhook, stop: asyncio.Event) -> None:
    """Tell Telegram where to post updates, and take them (through the web
    server, which serves ``webhook``) until ``stop``."""
    settings = front_end.settings
    bot = front_end.application.bot
    webhook.ready = True
    try:
        await front_end.calls.call(
            lambda: bot.set_webhook(
                settings.webhook_url or "", secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES
            )
        )
        log.info("Telegram webhook at %s (the web server takes it at %s)", settings.webhook_url, webhook.path)
        await stop.wait()
    finally:
        # The webhook stays set: Telegram keeps the updates until we are back.
        webhook.ready = False
