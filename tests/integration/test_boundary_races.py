"""Two taps at the same moment end as one, without an error: a double tap on
/propose, /modchat sent by two admins at once (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.members import Identity
from core.presentation.cards import Reply
from core.presentation.context import Speaker
from core.services import admin
from core.storage import tables
from core.storage.database import Database
from tests.support import is_error, load_small_tree, text_of

ROUNDS = 15


def _at_once(calls: list[Callable[[], Reply]]) -> list[Reply | BaseException]:
    barrier = threading.Barrier(len(calls))
    results: list[Reply | BaseException] = []

    def run(call: Callable[[], Reply]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # any exception is the failure under test
            results.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _count(runtime: Runtime, table: object) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_double_tap_on_propose_opens_one_flow(shared_database: Database) -> None:
    runtime = Runtime(Settings(), shared_database)
    load_small_tree(runtime)
    chat = runtime.chat()
    for round_ in range(ROUNDS):
        speaker = Speaker(Identity("test", f"tapper{round_}"), "Tapper", "en")
        chat.command(speaker, "start")
        results = _at_once([lambda s=speaker: chat.command(s, "propose")] * 2)
        for result in results:
            assert isinstance(result, Reply), repr(result)
            assert not is_error(result), text_of(result)
    assert _count(runtime, tables.conversations) == ROUNDS


def test_modchat_by_two_admins_at_once(shared_database: Database) -> None:
    runtime = Runtime(Settings(), shared_database)
    chat = runtime.chat()
    admins = []
    for name in ("ada", "bea"):
        speaker = Speaker(Identity("test", name), name, "en", in_group=True, chat_address=f"-100{len(name)}")
        chat.command(speaker, "start")
        admin.grant_role(runtime.uow(), f"test:{name}", "admin")
        admins.append(speaker)
    for round_ in range(ROUNDS):
        calls = [
            lambda s=s, address=f"-100{round_}{i}": chat.command(
                Speaker(s.identity, s.display_name, "en", in_group=True, chat_address=address), "modchat"
            )
            for i, s in enumerate(admins)
        ]
        for result in _at_once(calls):
            assert isinstance(result, Reply), repr(result)
            assert not is_error(result), text_of(result)
        with runtime.uow() as uow:
            address = uow.session.scalar(select(tables.platform_chats.c.address))
        assert address in {f"-100{round_}0", f"-100{round_}1"}
    assert _count(runtime, tables.platform_chats) == 1
