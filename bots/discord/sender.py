"""The Discord Sender (notifications.ports): one message (or its edit) per
part through discord.py's REST client, its errors translated into an
Outcome; it never raises for Discord's errors.

A member's address is their Discord user id (a direct message, its channel
opened with ``POST /users/@me/channels``); a group's is a channel id (the
moderators' channel). discord.py waits out the 429s Discord announces
properly and retries a few 5xx itself; whatever it gives up on is told to
the dispatcher, which retries later (nothing lost, nothing twice).

The platform reference of a sent message is its message id; one split in
parts has the ids of its parts, comma-separated, so an edit replaces each.

A group's address that is a forum (the initiatives' channel) gets a post
per message: a thread whose starter message is the card (its id is the
thread's), tagged with ``Outgoing.tags`` (the initiative's stage; a tag
missing from the forum is added to it); an edit replaces the starter
message and the tags.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import aiohttp
import discord

from bots.discord.render import NO_MENTIONS, Rendered, render_cards
from core.config import Settings
from notifications.parts import message_ref, part_ids, send_in_parts
from notifications.ports import Outcome, OutcomeKind, Outgoing, PaceLimits

__all__ = ["DiscordSender", "discord_limits", "discord_sender", "outcome_of", "set_endpoints"]

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: JSON error codes meaning the person or channel cannot be reached.
#: 50007 cannot send messages to this user; 50001 missing access; 50013 missing
#: permissions; 10003 unknown channel; 10013 unknown user; 50278 DMs closed.
UNREACHABLE_CODES = frozenset({50007, 50001, 50013, 10003, 10013, 50278})
#: A thread's name, a tag's name, and the tags a forum may have.
THREAD_NAME = 100
TAG_NAME = 20
MAX_TAGS = 20


def set_endpoints(settings: Settings) -> None:
    """Point discord.py at ``settings.discord``'s REST base and gateway. Both
    are class attributes of discord.py: one Discord API per process."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = settings.discord.api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)


def discord_limits(settings: Settings) -> PaceLimits:
    """Direct messages at the configured pace (Discord publishes none); a
    channel takes 5 messages per 5 seconds."""
    return PaceLimits(
        per_second=settings.notifications.discord_dm_per_second,
        per_chat_per_second=1.0,
        per_group_per_minute=50.0,
    )


def _retry_after(error: discord.HTTPException) -> float:
    response: Any = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return float(headers[name])
        except (KeyError, TypeError, ValueError):
            continue
    return 5.0


def outcome_of(error: BaseException) -> Outcome:
    """What an error of discord.py means for a delivery."""
    text = str(error)[:500]
    if isinstance(error, discord.RateLimited):
        return Outcome(OutcomeKind.RETRY_AFTER, retry_after=error.retry_after, error=text)
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            return Outcome(OutcomeKind.RETRY_AFTER, retry_after=_retry_after(error), error=text)
        if error.status == 401:  # the token, refused: nothing was sent, an operator must act
            return Outcome(OutcomeKind.TRANSIENT, error=text)
        if error.code in UNREACHABLE_CODES or isinstance(error, discord.Forbidden):
            return Outcome(OutcomeKind.UNREACHABLE, error=text)
        if isinstance(error, discord.DiscordServerError) or error.status >= 500:
            return Outcome(OutcomeKind.TRANSIENT, error=text)
        if isinstance(error, discord.NotFound):
            return Outcome(OutcomeKind.UNREACHABLE, error=text)
        return Outcome(OutcomeKind.REJECTED, error=text)
    if isinstance(error, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        # The request may have been taken before the answer was lost.
        return Outcome(OutcomeKind.UNCERTAIN, error=text)
    if isinstance(error, aiohttp.ClientConnectorError):
        return Outcome(OutcomeKind.TRANSIENT, error=text)
    if isinstance(error, aiohttp.ClientError | OSError | discord.GatewayNotFound):
        return Outcome(OutcomeKind.TRANSIENT, error=text)
    # Anything else (the client closing at shutdown, a bug): Discord never said
    # no, so it is tried again later, up to the attempts allowed.
    return Outcome(OutcomeKind.TRANSIENT, error=text)


def _partial(channel: discord.abc.Messageable, message_id: int) -> discord.PartialMessage:
    """A message of ``channel`` known by its id (a DM channel or a partial one)."""
    return channel.get_partial_message(message_id)  # type: ignore[attr-defined,no-any-return]


class DiscordSender:
    """Sends (or edits) one Outgoing through ``client``; see the module docstring."""

    platform = PLATFORM

    def __init__(self, client: discord.Client, limits: PaceLimits, token: str | None = None) -> None:
        self.client = client
        self.limits = limits
        #: Set for a sender of its own: it logs in (REST only) at its first send.
        #: Without it the client is the front end's, logged in by its serve().
        self._token = token
        self._login = asyncio.Lock()
        #: Whether each group's channel is a forum, as asked once.
        self._kinds: dict[int, bool] = {}

    async def _ready(self) -> bool:
        """Whether the client can call Discord (logged in); a sender of its own logs in."""
        if self.client.is_closed() and self._token is None:
            return False  # the front end stopped: what is left goes after the next start
        if self.client.user is not None:
            return True
        if self._token is None:
            return False
        async with self._login:
            if self.client.user is None:
                await self.client.login(self._token)
        return True

    async def _forum(self, message: Outgoing) -> discord.ForumChannel | None:
        """The forum at a group's address, or None for any other channel (its
        kind is asked once, then remembered)."""
        if not message.is_group:
            return None
        channel_id = int(message.address)
        if self._kinds.get(channel_id) is False:
            return None
        found = self.client.get_channel(channel_id)
        if found is None:
            found = await self.client.fetch_channel(channel_id)
        forum = found if isinstance(found, discord.ForumChannel) else None
        self._kinds[channel_id] = forum is not None
        return forum

    async def _tags(self, forum: discord.ForumChannel, names: tuple[str, ...]) -> list[discord.ForumTag]:
        """The forum's tags of these names, added to the forum when missing
        (that needs Manage Channels: without it, the post goes untagged)."""
        wanted = [name[:TAG_NAME] for name in names if name]
        known = {tag.name: tag for tag in forum.available_tags}
        missing = [name for name in wanted if name not in known]
        if missing and len(known) + len(missing) <= MAX_TAGS:
            try:
                edited = await forum.edit(
                    available_tags=[*forum.available_tags, *(discord.ForumTag(name=n) for n in missing)]
                )
            except discord.HTTPException as error:
                log.warning("could not add the tags %s to forum %s: %s", missing, forum.id, error)
            else:
                known = {tag.name: tag for tag in (edited or forum).available_tags}
        return [known[name] for name in wanted if name in known]

    async def _post(self, forum: discord.ForumChannel, message: Outgoing, parts: list[Rendered]) -> list[int]:
        """A new post in the forum: its starter message is the first part."""
        first = parts[0]
        title = next((e.title for e in first.embeds if e.title), None) or "possibles"
        view = first.view()
        created = await forum.create_thread(
            name=title[:THREAD_NAME],
            embeds=first.embeds,
            view=view if view is not None else discord.utils.MISSING,
            applied_tags=await self._tags(forum, message.tags),
            allowed_mentions=NO_MENTIONS,
        )
        ids = [created.thread.id]  # the starter message has the thread's id
        for part in parts[1:]:
            ids.append(await self._send(created.thread, part))
        return ids

    async def _retag(self, forum: discord.ForumChannel, thread_id: int, names: tuple[str, ...]) -> None:
        tags = await self._tags(forum, names)
        thread = forum.get_thread(thread_id) or await self.client.fetch_channel(thread_id)
        if not isinstance(thread, discord.Thread):
            return
        if {t.id for t in thread.applied_tags} != {t.id for t in tags}:
            await thread.edit(applied_tags=tags)

    async def _channel(self, message: Outgoing) -> discord.abc.Messageable:
        target = int(message.address)
        if message.is_group:
            return self.client.get_partial_messageable(target)
        return await self.client.create_dm(discord.Object(id=target))

    async def _send(self, channel: discord.abc.Messageable, part: Rendered) -> int:
        kwargs = {k: v for k, v in part.kwargs().items() if v is not None}
        sent = await channel.send(**kwargs)
        return int(sent.id)

    async def _edit(self, channel: discord.abc.Messageable, message_id: int, part: Rendered) -> None:
        kwargs = part.kwargs()
        kwargs["view"] = part.view()  # None takes the buttons away (a decided review card)
        await _partial(channel, message_id).edit(**kwargs)

    async def _delete(self, channel: discord.abc.Messageable, message_id: int) -> None:
        try:
            await _partial(channel, message_id).delete()
        except discord.HTTPException as error:  # the edit itself went through
            log.info("could not delete part %s of an edited message: %s", message_id, error)

    async def send(self, message: Outgoing) -> Outcome:
        if not message.address.isdigit():
            return Outcome(OutcomeKind.REJECTED, error=f"not a Discord id: {message.address!r}")
        parts = render_cards(message.cards)
        ids: list[int] = []
        try:
            if not await self._ready():
                # The front end is not logged in yet: nothing left; later, it will be.
                return Outcome(OutcomeKind.TRANSIENT, error="not connected to Discord yet")
            forum = await self._forum(message)
            if forum is not None and not message.edit_ref:
                ids = await self._post(forum, message, parts)
                return Outcome(OutcomeKind.SENT, ref=message_ref(ids))
            if forum is not None:
                # A post's messages are in its thread, whose id is the starter message's.
                message = replace(message, address=str(part_ids(message.edit_ref)[0]), is_group=True)
            channel = await self._channel(message)
            await send_in_parts(
                parts,
                part_ids(message.edit_ref),
                lambda ref, part: self._edit(channel, ref, part),
                lambda part: self._send(channel, part),
                lambda extra: self._delete(channel, extra),
                ids,
            )
        except Exception as error:  # never raise: every failure is an Outcome
            outcome = outcome_of(error)
            if ids and not message.edit_ref:
                log.warning(
                    "delivery %s: %d of %d parts sent, then %s",
                    message.delivery_id,
                    len(ids),
                    len(parts),
                    error,
                )
            # A connection lost (aiohttp's ClientError, at a stop or an outage) is a
            # transient fault like an HTTP error: told as an outcome, not a traceback.
            if not isinstance(error, discord.HTTPException | aiohttp.ClientError | OSError | TimeoutError):
                log.exception("delivery %s failed unexpectedly", message.delivery_id)
            return outcome
        if forum is not None and message.tags:
            try:
                await self._retag(forum, int(message.address), message.tags)
            except discord.HTTPException as error:  # the card itself is up to date
                log.warning("could not change the tags of post %s: %s", message.address, error)
        return Outcome(OutcomeKind.SENT, ref=message_ref(ids))

    async def close(self) -> None:
        if self._token is not None:
            await self.client.close()


def discord_sender(settings: Settings) -> DiscordSender:
    """A sender with its own REST client, for a process that only sends
    (``--only sender``): it logs in at its first send, no gateway."""
    token = settings.discord.token
    if token is None:
        raise ValueError("no Discord token: set POSSIBLES_DISCORD_TOKEN")
    set_endpoints(settings)
    client = discord.Client(intents=discord.Intents.none(), allowed_mentions=NO_MENTIONS)
    return DiscordSender(client, discord_limits(settings), token.get_secret_value())
