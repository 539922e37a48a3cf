"""The Discord Sender of a process that only sends, through the real
discord.py against the fake Discord on loopback: direct messages with no
mention allowed, "cannot send messages to this user" as unreachable, a 429
waited out, and a forum post per initiative with its stage as a tag, its
starter message and tag edited later."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from bots.discord.sender import DiscordSender, discord_sender
from core.config import DiscordSettings, Settings
from core.presentation.cards import Action, Card
from notifications.ports import OutcomeKind, Outgoing
from tests.fakes.discord import Channel, FakeDiscord, Guild, Member

GUILD, GENERAL, FORUM = 10, 11, 13
ALICE, BLOCKED = 21, 22
CARD = Card(title="#1 · @everyone come", lines=("Trees for the square",), actions=(Action("Join", "v1:j:1"),))


def _fake() -> FakeDiscord:
    return FakeDiscord(
        [
            Guild(
                GUILD,
                channels=[Channel(GENERAL, "general"), Channel(FORUM, "initiatives", type=15)],
                members=[Member(ALICE, "alice"), Member(BLOCKED, "blocked", dm_blocked=True)],
            )
        ]
    )


def _sender(fake: FakeDiscord) -> DiscordSender:
    settings = Settings(
        discord=DiscordSettings(
            token=SecretStr(fake.token), api_base_url=fake.base_url, gateway_url=fake.gateway_url
        )
    )
    return discord_sender(settings)


def _run(test: object) -> None:
    asyncio.run(asyncio.wait_for(test, 60))  # type: ignore[arg-type]


def test_direct_messages_unreachable_members_and_429s() -> None:
    async def go() -> None:
        async with _fake() as fake:
            sender = _sender(fake)
            sent = await sender.send(Outgoing(1, str(ALICE), (CARD,)))
            assert sent.kind == OutcomeKind.SENT
            (dm,) = fake.dms(ALICE)
            assert dm.allowed_mentions == {"parse": []}
            assert dm.custom_ids == ["v1:j:1"]
            blocked = await sender.send(Outgoing(2, str(BLOCKED), (CARD,)))
            assert blocked.kind == OutcomeKind.UNREACHABLE and "50007" in (blocked.error or "")
            fake.fail_next(429, method="POST", path=r"/channels/\d+/messages", retry_after=0.2)
            late = await sender.send(Outgoing(3, str(GENERAL), (CARD,), is_group=True))
            assert late.kind == OutcomeKind.SENT  # discord.py waited the 429 out
            assert len(fake.messages(GENERAL)) == 1
            await sender.close()

    _run(go())


def test_a_forum_post_with_its_stage_then_edited_and_retagged() -> None:
    stages = ("ouverte", "close")

    async def go() -> None:
        async with _fake() as fake:
            sender = _sender(fake)
            post = await sender.send(Outgoing(1, str(FORUM), (CARD,), is_group=True, tags=(stages[0],)))
            assert post.kind == OutcomeKind.SENT and post.ref is not None
            (thread,) = fake.threads(FORUM)
            assert thread["name"] == "#1 · @everyone come"
            assert int(thread["id"]) == int(post.ref)
            assert fake.tag_names(int(post.ref)) == [stages[0]]
            starter = fake.message(int(post.ref))
            assert starter.custom_ids == ["v1:j:1"] and starter.allowed_mentions == {"parse": []}
            done = Card(title="#1 · @everyone come", lines=("Achieved",))
            edit = await sender.send(
                Outgoing(2, str(FORUM), (done,), is_group=True, edit_ref=post.ref, tags=(stages[1],))
            )
            assert edit.kind == OutcomeKind.SENT and edit.ref == post.ref
            assert fake.tag_names(int(post.ref)) == [stages[1]]
            starter = fake.message(int(post.ref))
            assert starter.edits == 1 and starter.custom_ids == []
            assert len(fake.threads(FORUM)) == 1
            await sender.close()

    _run(go())
