"""A fake Discord (REST API v10 and the gateway websocket) for the tests, on
loopback: the real discord.py connects to it as it would to discord.com.

The gateway says HELLO, answers IDENTIFY with READY and a GUILD_CREATE per guild
of the session's shard, acknowledges heartbeats, RESUMEs (replaying what was
missed) and can ask for a RECONNECT. A test acts as members: slash commands
(resolved from the commands the bot registered), autocomplete, button presses,
selects, modal submits (mirroring the modal the bot opened) and message context
menus, each an INTERACTION_CREATE shaped as Discord sends it.

The REST side records every request, message, edit, callback, follow-up,
thread and forum post with the JSON the bot sent (allowed_mentions and
components included) and refuses what Discord refuses, with Discord's codes and
error shape: a second callback (400 40060), a callback later than
``callback_deadline`` (3 s, 404 10062), over-limit fields (400 50035: content
2,000, embed title 256, description 4,096, field 1,024, 25 fields, 6,000 in
all, custom_id 100, 5 rows of 5 buttons, modal and autocomplete limits), a DM
to a member who blocks them (403 50007), a channel the bot may not write in
(403 50013). ``fail_next`` scripts 429s (with X-RateLimit-*, Retry-After, Via
and ``retry_after``) and 5xx.

In a test's event loop::

    async with FakeDiscord([Guild(GUILD, channels=[Channel(GENERAL, "general")],
                                  members=[Member(ALICE, "alice")])]) as fake:
        discord.http.Route.BASE = fake.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        ...  # start a discord.Client with fake.token; await fake.wait_for(fake.sessions)
        ix = fake.slash(ALICE, "initiative propose", guild_id=GUILD, channel_id=GENERAL)
        await fake.wait_for(lambda: ix.modal)

Reading: ``messages(channel)``, ``message(id)``, ``dms(user)``, ``threads(forum)``,
``tag_names(thread)``, ``commands()``, ``requests``, ``last_error``; an ``Interaction``
has its ``callbacks`` (each with ``after``: seconds since it was sent), ``response``,
``followups``, ``modal``, ``choices``, ``refused`` and the ``shards`` it went to. An
outage: ``gateway.accepting = False`` and ``gateway.disconnect()``; events sent meanwhile
(``require_live_session = False``) are replayed on RESUME.

Against a ``possibles run`` subprocess, ``with FakeDiscord(...) as fake:`` serves
from a background thread; ``fake.env()`` gives the settings; ``wait_for_sync``
waits from the test's thread.

One idea a module: ``api`` (ids, timestamps, error codes and shape),
``limits`` (what 50035 refuses), ``records`` (the world and what is recorded),
``gateway`` (the websocket), ``people`` (members' acts as interactions),
``server`` (REST, lifecycle, reading and waiting).
"""

from tests.fakes.discord.api import DEFAULT_TOKEN, DiscordError, error_paths
from tests.fakes.discord.records import (
    ADMINISTRATOR,
    MANAGE_GUILD,
    Attachment,
    Callback,
    Channel,
    Guild,
    Interaction,
    Member,
    Request,
    Role,
    StoredMessage,
)
from tests.fakes.discord.server import FakeDiscord, Fault

__all__ = [
    "ADMINISTRATOR",
    "DEFAULT_TOKEN",
    "MANAGE_GUILD",
    "Attachment",
    "Callback",
    "Channel",
    "DiscordError",
    "FakeDiscord",
    "Fault",
    "Guild",
    "Interaction",
    "Member",
    "Request",
    "Role",
    "StoredMessage",
    "error_paths",
]
