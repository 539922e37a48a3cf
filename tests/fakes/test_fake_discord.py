"""The fake Discord behaves like Discord, as seen by the real discord.py over loopback:
the gateway handshake, interactions of every kind and their answers, Discord's
refusals (40060, 10062, 50035, 50007, 50013) and its 429s and 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.http import Route

from tests.fakes.discord import (
    Channel,
    FakeDiscord,
    Guild,
    Interaction,
    Member,
    error_paths,
)

GUILD = 81_000_000_000_000_001
GENERAL, FORUM, LOCKED = 81_000_000_000_000_010, 81_000_000_000_000_011, 81_000_000_000_000_012
ALICE, BOB, HERMIT = 501, 502, 503
NONE = discord.AllowedMentions.none()


def quartier() -> Guild:
    return Guild(
        GUILD,
        name="Quartier",
        channels=[
            Channel(GENERAL, "general"),
            Channel(FORUM, "initiatives", type=15, available_tags=[{"name": "open"}]),
            Channel(LOCKED, "announcements", bot_can_send=False),
        ],
        members=[
            Member(ALICE, "alice", global_name="Alice", nick="Alice du 3e", locale="fr"),
            Member(BOB, "bob", locale="en-US"),
            Member(HERMIT, "hermit", dm_blocked=True),
        ],
    )


def world(**kwargs: Any) -> FakeDiscord:
    return FakeDiscord([quartier()], **kwargs)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 90))


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Any:
    """discord.py's REST base and gateway address are class attributes: point them at the fake, then back."""
    base, gateway = Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


class Bot(discord.Client):
    """A plain discord.py client with a command tree synced in setup_hook, as a real bot does."""

    def __init__(self, **kwargs: Any) -> None:
        intents = kwargs.pop("intents", discord.Intents.none() | discord.Intents(guilds=True))
        super().__init__(intents=intents, guild_ready_timeout=0.2, **kwargs)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []
        self.ready = asyncio.Event()

        @self.tree.error
        async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.errors.append(getattr(error, "original", error))

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready.set()


@contextlib.asynccontextmanager
async def connected(
    setup: Callable[[Bot], None] = lambda bot: None, fake: FakeDiscord | None = None, **kwargs: Any
) -> AsyncIterator[tuple[FakeDiscord, Bot]]:
    async with fake or world() as fake:
        with pointed_at(fake):
            bot = Bot(**kwargs)
            setup(bot)
            task = asyncio.create_task(bot.start(fake.token))
            try:
                await fake.wait_for(lambda: bot.ready.is_set() or task.done(), 30)
                if task.done():
                    task.result()
                yield fake, bot
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 10)


async def answered(fake: FakeDiscord, ix: Interaction, what: str = "callbacks") -> Any:
    return await fake.wait_for(lambda: getattr(ix, what), 15)


# ---------------------------------------------------------------- the gateway


def test_client_logs_in_identifies_and_gets_ready_with_the_guilds() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            assert bot.user is not None and bot.user.id == fake.bot_user_id
            assert bot.application_id == fake.application_id
            guild = bot.get_guild(GUILD)
            assert guild is not None and guild.name == "Quartier"
            assert {c.name for c in guild.channels} == {"general", "initiatives", "announcements"}
            forum = guild.get_channel(FORUM)
            assert isinstance(forum, discord.ForumChannel) and [t.name for t in forum.available_tags] == [
                "open"
            ]
            locked = guild.get_channel(LOCKED)
            assert locked is not None and not locked.permissions_for(guild.me).send_messages
            (identify,) = [p for p in fake.gateway.received if p["op"] == 2]
            assert identify["d"]["token"] == "***" and identify["d"]["intents"] == 1
            routes = [r.route for r in fake.requests]
            assert routes[:3] == [
                "GET /users/@me",
                "GET /oauth2/applications/@me",
                f"PUT /applications/{fake.application_id}/commands",
            ]

    run(test)


def test_heartbeats_are_acknowledged() -> None:
    async def test() -> None:
        async with connected(fake=world(heartbeat_interval_ms=100)) as (fake, bot):
            await fake.wait_for(lambda: sum(p["op"] == 1 for p in fake.gateway.received) >= 3)
            await fake.wait_for(lambda: bot.latency != float("inf"))
            assert bot.ws is not None and bot.ws.open

    run(test)


def test_a_wrong_token_is_refused_at_login() -> None:
    async def test() -> None:
        async with world() as fake:
            with pointed_at(fake):
                bot = Bot()
                with pytest.raises(discord.LoginFailure):
                    await bot.login("not-the-token")
                await bot.close()
            assert fake.requests[-1].status == 401

    run(test)


def test_privileged_intents_are_refused_unless_enabled() -> None:
    async def test() -> None:
        async with world() as fake:
            with pointed_at(fake):
                bot = Bot(intents=discord.Intents.default() | discord.Intents(members=True))
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await asyncio.wait_for(bot.start(fake.token), 30)
                await bot.close()
            assert fake.gateway.closes == [4014]

    run(test)


def test_reconnect_resumes_the_session_and_replays_what_was_missed() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Ping")
            async def ping(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("pong", allowed_mentions=NONE)

        async with connected(setup) as (fake, bot):
            (session,) = fake.sessions()
            assert fake.reconnect() == 1  # op 7: the client closes and RESUMEs at once
            await fake.wait_for(lambda: session.resumes == 1 and fake.sessions(), 15)
            # An outage: the socket dropped (4000) and the gateway refusing connections meanwhile.
            fake.gateway.accepting = False
            assert fake.gateway.disconnect() == 1
            await fake.wait_for(lambda: not fake.sessions(), 15)
            fake.require_live_session = False
            fake.callback_deadline = 60.0  # the client's reconnection backoff is not what is tested here
            missed = fake.slash(ALICE, "ping", guild_id=GUILD, channel_id=GENERAL)
            assert missed.shards == [] and missed.callbacks == []
            fake.gateway.accepting = True
            await fake.wait_for(lambda: session.resumes == 2 and fake.sessions(), 30)
            assert (await answered(fake, missed, "response")).content == "pong"  # replayed on RESUME
            assert [p["op"] for p in fake.gateway.received].count(6) == 2
            assert len(fake.gateway.sessions) == 1  # resumed, never identified again
            assert bot.is_ready()

    run(test)


# ---------------------------------------------------------------- interactions and their answers


def test_slash_command_with_options_and_locale_is_answered_and_recorded() -> None:
    async def test() -> None:
        seen: dict[str, Any] = {}

        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Propose an initiative")
            @app_commands.describe(title="Its title")
            async def propose(interaction: discord.Interaction, title: str, goal: int = 10) -> None:
                seen.update(locale=interaction.locale, nick=interaction.user.display_name, goal=goal)
                await interaction.response.send_message(
                    f"{title} @everyone", allowed_mentions=NONE, ephemeral=True
                )

        async with connected(setup) as (fake, _bot):
            (command,) = fake.commands()
            assert command["name"] == "propose" and [o["name"] for o in command["options"]] == [
                "title",
                "goal",
            ]
            ix = fake.slash(
                ALICE, "propose", {"title": "Bancs", "goal": 25}, guild_id=GUILD, channel_id=GENERAL
            )
            reply = await answered(fake, ix, "response")
            assert seen == {"locale": discord.Locale.french, "nick": "Alice du 3e", "goal": 25}
            assert ix.callback is not None and ix.callback.type == 4
            assert reply.content == "Bancs @everyone" and reply.ephemeral
            assert reply.allowed_mentions == {"parse": []}
            assert fake.messages(GENERAL) == [] and fake.messages(GENERAL, ephemeral=True)[0].id == reply.id

    run(test)


def test_unknown_commands_and_options_are_the_tests_mistake() -> None:
    async def test() -> None:
        async with connected() as (fake, _bot):
            with pytest.raises(LookupError, match="no command 'nothing'"):
                fake.slash(ALICE, "nothing", guild_id=GUILD)

    run(test)


def test_a_second_callback_is_refused_with_40060() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Once")
            async def once(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("first", allowed_mentions=NONE)

        async with connected(setup) as (fake, bot):
            ix = fake.slash(BOB, "once", guild_id=GUILD, channel_id=GENERAL)
            await answered(fake, ix, "response")
            # Another process (another shard, a restarted bot) answering the same interaction.
            again = discord.Interaction(data=ix.payload, state=bot._connection)
            with pytest.raises(discord.HTTPException) as refused:
                await again.response.send_message("second", allowed_mentions=NONE)
            assert refused.value.status == 400 and refused.value.code == 40060
            assert [c.type for c in ix.callbacks] == [4] and ix.refused[0].code == 40060
            assert fake.interaction(ix.id).response is not None
            assert [m.content for m in fake.messages(GENERAL)] == ["first"]

    run(test)


def test_a_callback_after_three_seconds_is_refused_with_10062() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Slow")
            async def slow(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("too late", allowed_mentions=NONE)

        async with connected(setup) as (fake, bot):
            ix = fake.slash(ALICE, "slow", guild_id=GUILD, channel_id=GENERAL, age=3.5)
            await fake.wait_for(lambda: bot.errors, 15)
            (error,) = bot.errors
            assert isinstance(error, discord.NotFound) and error.code == 10062
            assert ix.callbacks == [] and fake.messages(GENERAL) == []
            with pytest.raises(discord.NotFound):  # and no follow-up without a response
                await discord.Interaction(data=ix.payload, state=bot._connection).followup.send("x")

    run(test)


def test_defer_then_follow_ups_and_edit_of_the_original() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Think")
            async def think(interaction: discord.Interaction) -> None:
                await interaction.response.defer(ephemeral=True, thinking=True)
                await interaction.followup.send("done", allowed_mentions=NONE)  # replaces "thinking…"
                await interaction.followup.send("and more", allowed_mentions=NONE, ephemeral=True)
                await interaction.edit_original_response(content="done, edited", allowed_mentions=NONE)

        async with connected(setup) as (fake, _bot):
            ix = fake.slash(ALICE, "think", guild_id=GUILD, channel_id=GENERAL)
            await fake.wait_for(lambda: ix.response and ix.response.edits == 2 and ix.followups)
            assert [c.type for c in ix.callbacks] == [5]
            assert ix.response is not None and ix.response.content == "done, edited" and ix.response.ephemeral
            assert [m.content for m in ix.followups] == ["and more"]
            assert all(
                body.get("allowed_mentions") == {"parse": []} for m in ix.replies for body in m.history
            )

    run(test)


def test_modal_opened_filled_and_submitted() -> None:
    async def test() -> None:
        got: list[tuple[str, str]] = []

        class Propose(discord.ui.Modal, title="Proposer une initiative"):
            name = discord.ui.TextInput(label="Titre", custom_id="title", max_length=120)
            description = discord.ui.TextInput(
                label="Description", custom_id="description", style=discord.TextStyle.long, required=False
            )

            async def on_submit(self, interaction: discord.Interaction) -> None:
                got.append((self.name.value, self.description.value))
                await interaction.response.send_message("Merci", ephemeral=True, allowed_mentions=NONE)

        class Labelled(discord.ui.Modal, title="Signaler"):
            reason: discord.ui.Label[Any] = discord.ui.Label(
                text="Raison",
                component=discord.ui.Select(
                    custom_id="reason", options=[discord.SelectOption(label="Spam", value="spam")]
                ),
            )

            async def on_submit(self, interaction: discord.Interaction) -> None:
                assert isinstance(self.reason.component, discord.ui.Select)
                got.append(("reason", self.reason.component.values[0]))
                await interaction.response.send_message("Signalé", ephemeral=True, allowed_mentions=NONE)

        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Propose")
            async def propose(interaction: discord.Interaction) -> None:
                await interaction.response.send_modal(Propose())

            @bot.tree.command(description="Report")
            async def report(interaction: discord.Interaction) -> None:
                await interaction.response.send_modal(Labelled())

        async with connected(setup) as (fake, _bot):
            opened = fake.slash(ALICE, "propose", guild_id=GUILD, channel_id=GENERAL, locale="fr")
            modal = await answered(fake, opened, "modal")
            assert modal["title"] == "Proposer une initiative"
            with pytest.raises(ValueError, match="required"):
                fake.submit_modal(ALICE, opened, {"description": "sans titre"})
            submitted = fake.submit_modal(
                ALICE, opened, {"title": "Des bancs", "description": "Place du marché"}
            )
            assert (await answered(fake, submitted, "response")).content == "Merci"
            labelled = fake.slash(ALICE, "report", guild_id=GUILD, channel_id=GENERAL)
            await answered(fake, labelled, "modal")
            done = fake.submit_modal(ALICE, labelled, {"reason": ["spam"]})
            await answered(fake, done, "response")
            assert got == [("Des bancs", "Place du marché"), ("reason", "spam")]

    run(test)


class Join(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"v1:j:(?P<id>\d+)"):
    """A persistent button as the project's front end makes them: the custom_id carries the payload."""

    def __init__(self, initiative: int) -> None:
        super().__init__(discord.ui.Button(label="Join", custom_id=f"v1:j:{initiative}"))
        self.initiative = initiative

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> Join:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"joined {self.initiative}", allowed_mentions=NONE)


def test_buttons_and_selects_on_a_message_the_bot_sent() -> None:
    async def test() -> None:
        picked: list[list[str]] = []

        class Card(discord.ui.View):
            def __init__(self) -> None:
                super().__init__(timeout=None)
                self.add_item(Join(42))

            @discord.ui.select(
                custom_id="area",
                options=[
                    discord.SelectOption(label="Lyon", value="69"),
                    discord.SelectOption(label="Nice", value="06"),
                ],
            )
            async def area(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
                picked.append(select.values)
                await interaction.response.defer()

        def setup(bot: Bot) -> None:
            bot.add_dynamic_items(Join)

            @bot.tree.command(description="Card")
            async def card(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("card", view=Card(), allowed_mentions=NONE)

        async with connected(setup) as (fake, _bot):
            ix = fake.slash(ALICE, "card", guild_id=GUILD, channel_id=GENERAL)
            card = await answered(fake, ix, "response")
            assert sorted(card.custom_ids) == ["area", "v1:j:42"]
            press = fake.press(BOB, card, "v1:j:42")
            await fake.wait_for(lambda: fake.message(card.id).content == "joined 42")
            assert [c.type for c in press.callbacks] == [7] and press.response is not None
            assert press.response.id == card.id and fake.message(card.id).edits == 1
            with pytest.raises(LookupError):
                fake.select(BOB, card, "area", ["75"])
            chosen = fake.select(BOB, fake.message(card.id), "area", ["06"])
            await answered(fake, chosen)
            assert picked == [["06"]] and [c.type for c in chosen.callbacks] == [6]
            # A custom_id that is not on the message (a modified client): discord.py's DynamicItem
            # drops it unanswered; the press after it is answered, the forged one never is.
            forged = fake.press_custom_id(BOB, card, "v1:j:7")
            after = fake.press(ALICE, fake.message(card.id), "v1:j:42")
            await answered(fake, after)
            assert forged.callbacks == [] and fake.message(card.id).content == "joined 42"

    run(test)


def test_autocomplete_and_message_context_menu() -> None:
    async def test() -> None:
        targets: list[int] = []

        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Show")
            async def show(interaction: discord.Interaction, initiative: str) -> None:
                await interaction.response.send_message(initiative, allowed_mentions=NONE)

            @show.autocomplete("initiative")
            async def complete(
                interaction: discord.Interaction, current: str
            ) -> list[app_commands.Choice[str]]:
                names = ["Trees", "Trams", "Benches"]
                return [
                    app_commands.Choice(name=n, value=n.lower())
                    for n in names
                    if current.lower() in n.lower()
                ]

            @bot.tree.context_menu(name="Report to moderators")
            async def report(interaction: discord.Interaction, message: discord.Message) -> None:
                targets.append(message.id)
                await interaction.response.send_message("reported", ephemeral=True, allowed_mentions=NONE)

        async with connected(setup) as (fake, _bot):
            typing = fake.autocomplete(ALICE, "show", "initiative", "tr", guild_id=GUILD)
            assert await answered(fake, typing, "choices") == [
                {"name": "Trees", "value": "trees"},
                {"name": "Trams", "value": "trams"},
            ]
            shown = fake.slash(ALICE, "show", {"initiative": "trees"}, guild_id=GUILD, channel_id=GENERAL)
            card = await answered(fake, shown, "response")
            menu = fake.message_command(BOB, "Report to moderators", card)
            await answered(fake, menu, "response")
            assert targets == [card.id]

    run(test)


# ---------------------------------------------------------------- REST: limits, refusals, faults


def test_over_limit_fields_are_refused_with_50035_field_by_field() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            channel = bot.get_channel(GENERAL)
            assert isinstance(channel, discord.TextChannel)

            async def refused(**kwargs: Any) -> list[str]:
                with pytest.raises(discord.HTTPException) as caught:
                    await channel.send(allowed_mentions=NONE, **kwargs)
                assert caught.value.status == 400 and caught.value.code == 50035
                assert isinstance(caught.value.response, aiohttp.ClientResponse)
                return error_paths(fake.last_error)

            assert await refused(content="x" * 2001) == ["content BASE_TYPE_MAX_LENGTH"]
            assert await refused(embed=discord.Embed(title="t" * 257)) == [
                "embeds.0.title BASE_TYPE_MAX_LENGTH"
            ]
            assert await refused(embed=discord.Embed(description="d" * 4097)) == [
                "embeds.0.description BASE_TYPE_MAX_LENGTH"
            ]
            assert await refused(embed=discord.Embed().add_field(name="n", value="v" * 1025)) == [
                "embeds.0.fields.0.value BASE_TYPE_MAX_LENGTH"
            ]
            many = discord.Embed()
            for index in range(26):
                many.add_field(name=f"f{index}", value="v")
            assert await refused(embed=many) == ["embeds.0.fields BASE_TYPE_MAX_LENGTH"]
            big = [discord.Embed(title="t" * 200, description="d" * 1900) for _ in range(3)]
            assert await refused(embeds=big) == ["embeds MAX_EMBED_SIZE_EXCEEDED"]
            long_id = discord.ui.View()
            long_id.add_item(discord.ui.Button(label="go", custom_id="v1:" + "9" * 98))
            assert await refused(content="x", view=long_id) == [
                "components.0.components.0.custom_id BASE_TYPE_MAX_LENGTH"
            ]
            # What discord.py's View would refuse before sending, sent raw as another library could.
            row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "c"}] * 6}
            with pytest.raises(discord.HTTPException):
                await bot.http.request(
                    Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL),
                    json={"content": "x", "components": [row]},
                )
            assert error_paths(fake.last_error) == ["components.0.components BASE_TYPE_BAD_LENGTH"]
            rows = [
                {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{index}"}]}
                for index in range(6)
            ]
            with pytest.raises(discord.HTTPException):
                await bot.http.request(
                    Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL),
                    json={"content": "x", "components": rows},
                )
            assert error_paths(fake.last_error) == ["components BASE_TYPE_MAX_LENGTH"]
            assert fake.messages(GENERAL) == []  # a refusal stores nothing
            await channel.send("x" * 2000, embed=discord.Embed(title="t" * 256), allowed_mentions=NONE)
            assert len(fake.messages(GENERAL)) == 1

    run(test)


def test_callback_data_is_checked_too() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Long")
            async def long(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("x" * 2001, allowed_mentions=NONE)

            class Described(discord.ui.Modal, title="Respond"):
                text: discord.ui.Label[Any] = discord.ui.Label(
                    text="Your response", description="d" * 101, component=discord.ui.TextInput(custom_id="t")
                )

            @bot.tree.command(description="Described")
            async def described(interaction: discord.Interaction) -> None:
                await interaction.response.send_modal(Described())

        async with connected(setup) as (fake, bot):
            ix = fake.slash(ALICE, "long", guild_id=GUILD, channel_id=GENERAL)
            await fake.wait_for(lambda: bot.errors, 15)
            assert isinstance(bot.errors[0], discord.HTTPException) and bot.errors[0].code == 50035
            assert error_paths(fake.last_error) == ["data.content BASE_TYPE_MAX_LENGTH"]
            assert ix.callbacks == [] and ix.refused[0].code == 50035
            described = fake.slash(ALICE, "described", guild_id=GUILD, channel_id=GENERAL)
            await fake.wait_for(lambda: len(bot.errors) == 2, 15)
            assert error_paths(fake.last_error) == ["data.components.0.description BASE_TYPE_MAX_LENGTH"]
            assert described.modal is None

    run(test)


def test_dm_to_a_member_who_blocks_them_and_a_channel_the_bot_may_not_use() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            alice = await bot.fetch_user(ALICE)
            await alice.send("Bonjour", allowed_mentions=NONE)
            assert [m.content for m in fake.dms(ALICE)] == ["Bonjour"]
            hermit = await bot.fetch_user(HERMIT)
            with pytest.raises(discord.Forbidden) as blocked:
                await hermit.send("Bonjour", allowed_mentions=NONE)
            assert blocked.value.code == 50007 and fake.dms(HERMIT) == []
            locked = bot.get_channel(LOCKED)
            assert isinstance(locked, discord.TextChannel)
            with pytest.raises(discord.Forbidden) as denied:
                await locked.send("x", allowed_mentions=NONE)
            assert denied.value.code == 50013

    run(test)


def test_messages_are_edited_and_deleted_with_every_body_kept() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            channel = bot.get_channel(GENERAL)
            assert isinstance(channel, discord.TextChannel)
            sent = await channel.send("review", allowed_mentions=NONE)
            await sent.edit(content="dismissed by Alice", view=None, allowed_mentions=NONE)
            (stored,) = fake.messages(GENERAL)
            assert stored.content == "dismissed by Alice" and stored.edits == 1 and stored.components == []
            assert [body.get("allowed_mentions") for body in stored.history] == [{"parse": []}] * 2
            await sent.delete()
            assert fake.messages(GENERAL) == [] and fake.messages(GENERAL, deleted=True)[0].deleted

    run(test)


def test_429_is_waited_out_by_discord_py_and_5xx_retried() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            channel = bot.get_channel(GENERAL)
            assert isinstance(channel, discord.TextChannel)
            fake.fail_next(429, method="POST", path=r"/channels/\d+/messages", retry_after=0.3)
            await channel.send("after a 429", allowed_mentions=NONE)
            statuses = [r.status for r in fake.requests if r.path.endswith("/messages")]
            assert statuses == [429, 200]
            assert [m.content for m in fake.messages(GENERAL)] == ["after a 429"]
            fake.fail_next(429, path=r"/channels/\d+/messages", retry_after=0.2, scope="global")
            await channel.send("after a global 429", allowed_mentions=NONE)
            fake.fail_next(500, method="POST", path=r"/channels/\d+/messages")
            await channel.send("after a 500", allowed_mentions=NONE)
            fake.fail_next(503, method="POST", path=r"/channels/\d+/messages", times=5)
            with pytest.raises(discord.DiscordServerError):
                await channel.send("lost", allowed_mentions=NONE)
            assert [m.content for m in fake.messages(GENERAL)] == [
                "after a 429",
                "after a global 429",
                "after a 500",
            ]
            faults = [r.fault for r in fake.requests if r.fault]
            assert faults == ["429", "429", "500", "503"]

    run(test)


def test_429_headers_and_body_are_discords() -> None:
    async def test() -> None:
        async with world() as fake, aiohttp.ClientSession() as session:
            fake.fail_next(429, path="/users/@me", retry_after=1.5)
            headers = {"Authorization": f"Bot {fake.token}"}
            async with session.get(f"{fake.base_url}/users/@me", headers=headers) as response:
                body = await response.json()
                assert response.status == 429
                assert (
                    response.headers["Retry-After"] == "2"
                    and response.headers["X-RateLimit-Remaining"] == "0"
                )
                assert response.headers["X-RateLimit-Reset-After"] == "1.500"
                assert (
                    response.headers["X-RateLimit-Scope"] == "user"
                    and "X-RateLimit-Bucket" in response.headers
                )
            assert body == {"message": "You are being rate limited.", "retry_after": 1.5, "global": False}
            async with session.get(f"{fake.base_url}/users/@me", headers=headers) as response:
                assert response.status == 200 and response.headers["Content-Type"] == "application/json"

    run(test)


def test_forum_post_with_tags_created_then_changed() -> None:
    async def test() -> None:
        async with connected() as (fake, bot):
            forum = bot.get_channel(FORUM)
            assert isinstance(forum, discord.ForumChannel)
            forum = await forum.edit(
                available_tags=[*forum.available_tags, discord.ForumTag(name="goal reached")]
            )
            tags = {t.name: t for t in forum.available_tags}
            assert set(tags) == {"open", "goal reached"}
            post = await forum.create_thread(
                name="Des bancs",
                embed=discord.Embed(title="Des bancs @everyone", description="3 soutiens"),
                applied_tags=[tags["open"]],
                allowed_mentions=NONE,
            )
            (thread,) = fake.threads(FORUM)
            assert thread["name"] == "Des bancs" and fake.tag_names(post.thread.id) == ["open"]
            starter = fake.message(post.thread.id)
            assert starter.embeds[0]["title"] == "Des bancs @everyone" and starter.allowed_mentions == {
                "parse": []
            }
            await post.thread.edit(applied_tags=[tags["goal reached"]])
            assert fake.tag_names(post.thread.id) == ["goal reached"]
            with pytest.raises(discord.HTTPException) as unknown:
                await bot.http.edit_channel(post.thread.id, applied_tags=["12345"])
            assert unknown.value.code == 50035
            with pytest.raises(discord.HTTPException) as empty:
                await bot.http.request(
                    Route("POST", "/channels/{channel_id}/threads", channel_id=FORUM),
                    json={"name": "x", "message": {}},
                )
            assert empty.value.code == 50006

    run(test)


def test_files_are_recorded_with_the_message_that_carries_them() -> None:
    async def test() -> None:
        def setup(bot: Bot) -> None:
            @bot.tree.command(description="My data")
            async def mydata(interaction: discord.Interaction) -> None:
                document = discord.File(io.BytesIO(b'{"member": 1}'), filename="possibles-mydata-1.json")
                await interaction.response.send_message(
                    "Your data", file=document, ephemeral=True, allowed_mentions=NONE
                )

        async with connected(setup) as (fake, bot):
            ix = fake.slash(ALICE, "mydata", guild_id=GUILD, channel_id=GENERAL)
            reply = await answered(fake, ix, "response")
            (attached,) = reply.attachments
            assert attached.filename == "possibles-mydata-1.json" and attached.data == b'{"member": 1}'
            assert reply.ephemeral and reply.content == "Your data"
            channel = bot.get_channel(GENERAL)
            assert isinstance(channel, discord.TextChannel)
            with pytest.raises(discord.HTTPException) as too_big:
                big = discord.File(io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), filename="big.json")
                await channel.send("big", file=big, allowed_mentions=NONE)
            assert too_big.value.status == 413 and too_big.value.code == 40005
            assert fake.messages(GENERAL) == []

    run(test)


def test_channel_user_and_role_options_come_resolved() -> None:
    async def test() -> None:
        seen: list[Any] = []

        def setup(bot: Bot) -> None:
            @bot.tree.command(description="Forum")
            async def forum(
                interaction: discord.Interaction,
                channel: app_commands.AppCommandChannel,
                member: discord.Member,
            ) -> None:
                seen.append((channel.id, channel.type, channel.permissions.manage_guild, member.display_name))
                await interaction.response.send_message("ok", ephemeral=True, allowed_mentions=NONE)

        async with connected(setup) as (fake, _bot):
            ix = fake.slash(ALICE, "forum", {"channel": FORUM, "member": ALICE}, guild_id=GUILD)
            await answered(fake, ix, "response")
            assert seen == [(FORUM, discord.ChannelType.forum, False, "Alice du 3e")]

    run(test)


def test_an_auto_sharded_client_gets_each_guild_on_its_shard() -> None:
    async def test() -> None:
        # (id >> 22) % 2: GUILD is on shard 1 of 2, SECOND on shard 0.
        second = Guild(81_000_000_004_194_305, name="Second", channels=[Channel(81_000_000_004_194_310, "g")])
        assert (GUILD >> 22) % 2 == 1 and (second.id >> 22) % 2 == 0
        fake = FakeDiscord([quartier(), second], recommended_shards=2)
        async with fake:
            with pointed_at(fake):
                bot = discord.AutoShardedClient(intents=discord.Intents(guilds=True), guild_ready_timeout=0.2)
                ready = asyncio.Event()
                bot.event(_set_on_ready(ready))
                task = asyncio.create_task(bot.start(fake.token))
                try:
                    await fake.wait_for(lambda: ready.is_set() or task.done(), 30)
                    assert bot.shard_count == 2 and any(r.route == "GET /gateway/bot" for r in fake.requests)
                    shards = {session.shard: session for session in fake.sessions()}
                    assert set(shards) == {(0, 2), (1, 2)}
                    guild, other = bot.get_guild(GUILD), bot.get_guild(second.id)
                    assert guild is not None and guild.shard_id == 1
                    assert other is not None and other.shard_id == 0
                finally:
                    await bot.close()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, 10)

    run(test)


def _set_on_ready(ready: asyncio.Event) -> Callable[[], Awaitable[None]]:
    async def on_ready() -> None:
        ready.set()

    return on_ready


def test_a_held_request_stores_nothing_until_released() -> None:
    async def test() -> None:
        async with world() as fake, aiohttp.ClientSession() as session:
            fake.hang_next(method="POST", path=rf"/channels/{GENERAL}/messages")
            headers = {"Authorization": f"Bot {fake.token}"}
            url = f"{fake.base_url}/channels/{GENERAL}/messages"

            async def post() -> int:
                async with session.post(url, json={"content": "held"}, headers=headers) as response:
                    return response.status

            held = asyncio.create_task(post())
            await fake.wait_for(lambda: [r for r in fake.requests if r.fault == "hang"])
            assert not held.done() and fake.messages(GENERAL) == []
            fake.release_hung()
            assert await held == 503 and fake.messages(GENERAL) == []
            assert await post() == 200 and [m.content for m in fake.messages(GENERAL)] == ["held"]

    run(test)
