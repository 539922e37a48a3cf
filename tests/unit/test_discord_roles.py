"""A configured Discord role makes its holders moderators of possibles while
they hold it (core.services.platform_roles), reconciled inside the command's
one transaction; a role an admin gave stays."""

from __future__ import annotations

from benchmarks.statements import count_statements
from core.bootstrap import Runtime
from core.config import DiscordSettings, Settings
from core.domain.members import Identity
from core.presentation.cards import CardKind, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.services import admin, members
from core.services.members import member_roles

ROLE = "555"
ALICE = Identity("discord", "21")


def _chat(runtime: Runtime, role: int | None = int(ROLE)) -> Chat:
    settings: Settings = runtime.settings.model_copy(
        update={"discord": DiscordSettings(moderator_role_id=role)}
    )
    return Chat(runtime.uow, settings)


def _speaker(held: frozenset[str] | None, identity: Identity = ALICE) -> Speaker:
    return Speaker(identity, "Alice", "fr", platform_roles=held)


def _roles(runtime: Runtime, identity: Identity = ALICE) -> frozenset[str]:
    uow = runtime.uow()
    with uow:
        member = members.find_member(uow, str(identity))
        assert member.id is not None
        return member_roles(uow, member.id)


def _refused(reply: Reply) -> bool:
    return any(card.kind is CardKind.ERROR for card in reply.cards)


def test_a_holder_is_moderator_for_the_command_itself_then_loses_it_with_the_role(
    runtime: Runtime,
) -> None:
    chat = _chat(runtime)
    # a holder unknown yet: entered and made moderator in the command that uses it
    assert not _refused(chat.command(_speaker(frozenset({ROLE, "1"})), "queue"))
    assert "moderator" in _roles(runtime)
    assert not _refused(chat.command(_speaker(frozenset({ROLE})), "queue"))
    assert _refused(chat.command(_speaker(frozenset({"1"})), "queue"))
    assert "moderator" not in _roles(runtime)


def test_a_holder_already_moderator_costs_one_read_transaction_and_writes_nothing(runtime: Runtime) -> None:
    chat = _chat(runtime)
    chat.command(_speaker(frozenset({ROLE})), "help")  # first contact and grant
    without_roles = Chat(runtime.uow, runtime.settings)
    with count_statements(runtime.database.engine) as plain:
        without_roles.command(_speaker(None), "help")
    with count_statements(runtime.database.engine) as held:
        chat.command(_speaker(frozenset({ROLE, "1"})), "help")
    assert (held.transactions, held.writes, held.statements) == (1, 0, plain.statements)
    if runtime.database.is_sqlite:
        assert (held.begins, held.write_locks) == (1, 0)
    # a non-holder who is not a moderator costs nothing either
    chat.command(_speaker(frozenset()), "help")  # loses the role (a write)
    with count_statements(runtime.database.engine) as none_held:
        chat.command(_speaker(frozenset()), "help")
    assert (none_held.transactions, none_held.writes, none_held.statements) == (1, 0, plain.statements)


def test_a_change_seen_by_a_read_only_command_is_written_in_its_one_transaction(runtime: Runtime) -> None:
    chat = _chat(runtime)
    chat.command(_speaker(frozenset()), "help")
    with count_statements(runtime.database.engine) as count:
        chat.command(_speaker(frozenset({ROLE})), "help")
    assert "moderator" in _roles(runtime)
    assert count.writes == 2  # the role and what gave it
    # one transaction, or two when SQLite refused the read transaction its
    # write lock and the command ran again with it (in_one_transaction)
    assert count.transactions in (1, 2)


def test_a_moderator_made_by_an_admin_keeps_the_role_without_the_platforms(runtime: Runtime) -> None:
    chat = _chat(runtime)
    members.enter(runtime.uow(), ALICE, "Alice", "fr", chat.settings)
    admin.grant_role(runtime.uow(), str(ALICE), "moderator")
    chat.command(_speaker(frozenset({ROLE})), "help")
    assert not _refused(chat.command(_speaker(frozenset()), "queue"))
    assert "moderator" in _roles(runtime)


def test_nothing_is_granted_without_a_configured_role_unknown_roles_or_on_another_platform(
    runtime: Runtime,
) -> None:
    _chat(runtime, None).command(_speaker(frozenset({ROLE})), "help")
    _chat(runtime).command(_speaker(None), "help")
    assert "moderator" not in _roles(runtime)
    bob = Identity("telegram", "21")
    _chat(runtime).command(_speaker(frozenset({ROLE}), bob), "help")
    assert "moderator" not in _roles(runtime, bob)


def test_the_discord_front_end_puts_a_server_members_roles_on_the_speaker(runtime: Runtime) -> None:
    from types import SimpleNamespace
    from unittest.mock import MagicMock

    import discord

    from bots.discord.interactions import Interactions

    user = MagicMock(spec=discord.Member)
    user.id, user.name, user.display_name = 21, "alice", "Alice"
    user.roles = [SimpleNamespace(id=int(ROLE)), SimpleNamespace(id=1)]
    interaction = SimpleNamespace(user=user, guild=object(), locale=discord.Locale.french, channel_id=7)
    speaker = Interactions(_chat(runtime), "fr").speaker(interaction, in_group=True)  # type: ignore[arg-type]
    assert speaker.platform_roles == frozenset({ROLE, "1"})
    # outside a server, or without a configured role, nothing is said of roles
    assert Interactions(_chat(runtime, None), "fr").speaker(interaction, in_group=True).platform_roles is None  # type: ignore[arg-type]
    direct = SimpleNamespace(user=user, guild=None, locale=discord.Locale.french, channel_id=7)
    assert Interactions(_chat(runtime), "fr").speaker(direct, in_group=False).platform_roles is None  # type: ignore[arg-type]
    # and the core makes the holder a moderator in that command's transaction
    assert not _refused(_chat(runtime).command(speaker, "queue"))
