"""What a platform or a person sends is never trusted: NUL bytes, lone
surrogates, overlong platform fields get a clear answer (or are ignored) on
SQLite and PostgreSQL alike, and nothing is written behind a refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.domain.members import Identity
from core.presentation.cards import Reply
from core.presentation.context import Speaker
from core.services import admin
from core.storage import tables
from tests.support import People, is_error, text_of


def _count(runtime: Runtime, table: object) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_nul_bytes_and_lone_surrogates_in_lookups_are_ignored(people: People) -> None:
    alice = people["alice"]
    assert "Lyon" in text_of(alice.say("/area ly\x00on"))
    assert "Lyon" in text_of(alice.say("/area Lyon\ud800"))
    lines = ("/officials lyon\x00", "/official test:alice\x00", "/search ar\ud83d\x00bres", "/lang en\udfff")
    for line in lines:
        alice.say(line)  # an answer, whatever it says, and no exception
    assert is_error(alice.press_payload("v1:s:1\ud800"))
    assert is_error(alice.press_payload("v1:s:\x00"))


def test_nul_bytes_and_surrogates_in_flow_text_are_dropped(people: People) -> None:
    bob = people["bob"]
    bob.say("/propose")
    reply = bob.say("Trees\x00 on the \ud800square")
    assert not is_error(reply), text_of(reply)
    with people.chat.uow_factory() as uow:
        data = uow.session.scalars(select(tables.conversations.c.data)).one()
    assert data["title"] == "Trees on the square"


def test_an_overlong_or_malformed_language_code_is_ignored(runtime: Runtime, people: People) -> None:
    carol = people["carol"]
    carol.language = "fr-" + "x" * 40
    for _ in range(2):  # first contact, then every command after it
        reply = carol.say("/help")
        assert not is_error(reply), text_of(reply)
    carol.language = "fr\x00"
    assert not is_error(carol.say("/help"))
    with runtime.uow() as uow:
        codes = list(uow.session.scalars(select(tables.identities.c.language_code)))
    assert codes == [None]


def _stranger(external_id: str) -> Speaker:
    return Speaker(Identity("test", external_id), "Stranger", "fr-FR")


def test_an_identity_that_cannot_be_stored_is_refused_in_the_platforms_language(runtime: Runtime) -> None:
    chat = runtime.chat()
    for external_id in ("12\x00", "12\ud800", "9" * 65):
        speaker = _stranger(external_id)
        replies: list[Reply] = [
            chat.command(speaker, "start"),
            chat.text(speaker, "hello"),
            chat.press(speaker, "v1:s:1"),
        ]
        for reply in replies:
            assert is_error(reply)
            assert text_of(reply) == "Expéditeur inconnu."
        assert chat.inline(speaker, "").items == ()
    assert _count(runtime, tables.members) == 0
    assert not is_error(chat.command(_stranger("9" * 64), "start"))


def _admin_in_group(runtime: Runtime, address: str) -> Speaker:
    speaker = Speaker(Identity("test", "root"), "Root", "en", in_group=True, chat_address=address)
    runtime.chat().command(speaker, "start")
    admin.grant_role(runtime.uow(), "test:root", "admin")
    return speaker


def test_modchat_refuses_an_address_that_cannot_be_stored(runtime: Runtime) -> None:
    speaker = _admin_in_group(runtime, "-100" + "9" * 61)
    reply = runtime.chat().command(speaker, "modchat")
    assert is_error(reply)
    assert "cannot be stored" in text_of(reply)
    assert _count(runtime, tables.platform_chats) == 0
    fitting = Speaker(speaker.identity, "Root", "en", in_group=True, chat_address="-100" + "9" * 60)
    assert not is_error(runtime.chat().command(fitting, "modchat"))
    assert _count(runtime, tables.platform_chats) == 1
