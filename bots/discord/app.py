"""The Discord front end's wiring: a discord.py client (AutoShardedClient when
shards are configured), its CommandTree generated from the catalog, the
persistent buttons, serving until stopped.

``setup_hook`` registers the DynamicItems (buttons answered after a restart),
the commands and the message context menu, and syncs the commands: globally,
or to ``discord.dev_guild_id`` (instant, for development). Intents: only
``guilds``, none privileged: possibles reads no message content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bots.discord.commands import CatalogTranslator, build_tree_commands
from bots.discord.forms import MODAL_PREFIX
from bots.discord.interactions import LIMITS, PLATFORM, Interactions
from bots.discord.render import NO_MENTIONS
from bots.discord.sender import DiscordSender, discord_limits, set_endpoints
from bots.discord.views import ANSWER_ID, CHOOSE, PAYLOAD, AnswerButton, CoreChoice, CorePress
from core.bootstrap import Runtime
from core.presentation.chat import Chat
from core.presentation.commands import visible_commands

__all__ = ["INTENTS", "REPORT_MENU", "DiscordFrontEnd"]

log = logging.getLogger(__name__)

#: Servers and their channels only: no member list, no message content.
INTENTS = discord.Intents.none()
INTENTS.guilds = True
#: The message context menu's name (its French name comes from the catalogs).
REPORT_MENU = "Report to moderators"


class DiscordFrontEnd:
    """The Discord FrontEnd (bots.front_end): ``await serve(stop)``, ``sender()``."""

    name = PLATFORM
    limits = LIMITS

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings.discord
        if settings.token is None:
            raise ValueError("no Discord token: set POSSIBLES_DISCORD_TOKEN")
        set_endpoints(runtime.settings)
        self.runtime = runtime
        self.settings = settings
        self.chat: Chat = runtime.chat()
        self.interactions = Interactions(self.chat, runtime.settings.default_language)
        self.client = self._client()
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self.client)
        #: Set once connected and the commands synced.
        self.ready = asyncio.Event()
        self._synced = False

    def _client(self) -> discord.Client:
        kwargs: dict[str, Any] = {"intents": INTENTS, "allowed_mentions": NO_MENTIONS}
        client: discord.Client
        if self.settings.shard_count is not None or self.settings.shard_ids is not None:
            if self.settings.shard_ids is not None:
                kwargs["shard_ids"] = self.settings.shard_ids
            client = discord.AutoShardedClient(shard_count=self.settings.shard_count, **kwargs)
        else:
            client = discord.Client(**kwargs)
        client.possibles = self.interactions  # type: ignore[attr-defined]
        client.setup_hook = self.setup_hook  # type: ignore[method-assign]
        client.event(self.on_ready)
        client.event(self.on_interaction)
        return client

    def sender(self) -> DiscordSender:
        """The notifications' Sender, on the same client (one per token)."""
        return DiscordSender(self.client, discord_limits(self.runtime.settings))

    # ------------------------------------------------------------ start

    async def setup_hook(self) -> None:
        self.client.add_dynamic_items(CorePress, CoreChoice, AnswerButton)
        await self.tree.set_translator(CatalogTranslator())
        for command in build_tree_commands(
            visible_commands(), lambda: self.interactions, self.runtime.settings
        ):
            self.tree.add_command(command)
        self.tree.add_command(
            app_commands.ContextMenu(
                name=app_commands.locale_str(REPORT_MENU, key="discord.report.menu", kind="menu"),
                callback=self._report_menu,
            )
        )
        await self.sync()

    async def _report_menu(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        await self.interactions.on_report_message(interaction, message)

    async def sync(self) -> None:
        """The commands at Discord: to the development server, else everywhere.
        A failure is logged: the bot still answers buttons and known commands."""
        try:
            if self.settings.dev_guild_id is not None:
                guild = discord.Object(id=self.settings.dev_guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
            self._synced = True
            log.info("%d Discord commands synced", len(synced))
        except discord.HTTPException as error:
            log.warning("could not sync the Discord commands (%s); going on with those Discord has", error)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.client.user)
        self.ready.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """What discord.py does not route itself: our modals (read by custom_id,
        so one filled in across a restart still counts) and buttons that are
        not ours or not on the message they claim (forged or stale)."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.modal_submit:
            if custom_id.startswith(MODAL_PREFIX):
                await self.interactions.on_modal_submit(interaction)
            return
        if interaction.type is not discord.InteractionType.component:
            return
        if _ours(custom_id) and _on_message(interaction, custom_id):
            return  # CorePress / AnswerButton answer it
        await self.interactions.on_unknown_component(interaction)

    # ------------------------------------------------------------ serving

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then close the connection cleanly."""
        token = self.settings.token
        assert token is not None
        delay = 1.0
        while not stop.is_set():
            try:
                await self.client.login(token.get_secret_value())
                break
            except discord.LoginFailure:
                log.error("Discord refused the token; check POSSIBLES_DISCORD_TOKEN")
                raise
            except (aiohttp.ClientError, OSError, discord.HTTPException) as error:
                log.warning("Discord is not reachable yet (%s); retrying in %.0f s", error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 60.0)
        else:
            return
        connection = asyncio.create_task(self.client.connect(reconnect=True))
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            await self.client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(connection, 10)
        if connection.done() and not connection.cancelled() and connection.exception() is not None:
            raise connection.exception()  # type: ignore[misc]


def _ours(custom_id: str) -> bool:
    import re

    return custom_id == ANSWER_ID or any(re.fullmatch(p, custom_id) for p in (PAYLOAD, CHOOSE))


def _on_message(interaction: discord.Interaction[Any], custom_id: str) -> bool:
    """Whether the pressed custom_id is one of the message's (DynamicItems
    answer only those; Discord sends no other, a forged press may)."""
    message = interaction.message
    if message is None:
        return False

    def walk(components: Any) -> bool:
        for component in components:
            if getattr(component, "custom_id", None) == custom_id:
                return True
            if walk(getattr(component, "children", ())):
                return True
        return False

    return walk(message.components)
