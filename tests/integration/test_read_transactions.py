"""One transaction per command, and read-only commands take no write lock on
SQLite: a reader never waits for a writer. A read-only command that must
write after all (a first contact) cannot take the lock from its deferred
transaction; it runs again holding it, and nothing is lost or doubled.

Two threads, a SQLite file: one connection holds the write lock while the
chat answers in another thread. Each wait has a timeout; none is a sleep."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.members import Identity
from core.presentation.cards import Reply
from core.presentation.context import Speaker
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, is_error, load_small_tree, propose, text_of

#: Far below the busy timeout (30 s): a reader that waited for the lock would miss it.
ANSWER_WITHIN = 15.0


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    database = Database(f"sqlite:///{tmp_path / 'locks.db'}")
    database.create_all()
    runtime = Runtime(Settings(), database, Clock())
    load_small_tree(runtime)
    yield runtime
    database.dispose()


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection to the same file, that will hold the write lock."""
    connection = sqlite3.connect(tmp_path / "locks.db", isolation_level=None, timeout=30)
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


def _hold_write_lock(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE members SET display_name = display_name || '!' WHERE id = 1")


def _in_thread(call: Callable[[], Reply]) -> tuple[threading.Thread, list[Reply], list[BaseException]]:
    replies: list[Reply] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            replies.append(call())
        except BaseException as error:  # reported by the test
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, replies, errors


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_a_read_only_command_answers_while_another_connection_holds_the_write_lock(
    runtime: Runtime, writer: sqlite3.Connection
) -> None:
    people = People(runtime.chat())
    initiative_id = propose(people, "alice")
    people["bob"].say("/help")  # bob exists: /show writes nothing for him
    _hold_write_lock(writer)
    try:
        for command, args in (("show", str(initiative_id)), ("browse", ""), ("top", ""), ("me", "")):
            thread, replies, errors = _in_thread(
                lambda command=command, args=args: people["bob"].chat.command(  # type: ignore[misc]
                    people["bob"].speaker, command, args
                )
            )
            thread.join(ANSWER_WITHIN)
            assert not thread.is_alive(), f"/{command} waited for the write lock"
            assert errors == []
            assert not is_error(replies[0]), text_of(replies[0])
    finally:
        writer.rollback()


def test_a_writing_command_waits_for_the_lock_then_succeeds(
    runtime: Runtime, writer: sqlite3.Connection
) -> None:
    people = People(runtime.chat())
    initiative_id = propose(people, "alice")
    people["bob"].say("/help")
    bob = people["bob"]
    _hold_write_lock(writer)
    thread, replies, errors = _in_thread(lambda: bob.chat.command(bob.speaker, "join", str(initiative_id)))
    try:
        thread.join(0.5)
        # Still waiting (or not started yet on a busy machine): never done
        # while the other connection holds the lock.
        assert thread.is_alive()
    finally:
        writer.commit()  # the writer's change and bob's support both stand
    thread.join(ANSWER_WITHIN)
    assert not thread.is_alive() and errors == []
    assert not is_error(replies[0]), text_of(replies[0])
    with runtime.uow() as uow:
        name = uow.session.scalar(select(tables.members.c.display_name).where(tables.members.c.id == 1))
        supports = uow.session.scalar(select(func.count()).select_from(tables.supports))
    assert name == "alice!"
    assert supports == 2  # the author's own and bob's


def test_a_read_only_command_that_must_write_runs_again_with_the_write_lock(
    runtime: Runtime, writer: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    people = People(runtime.chat())
    initiative_id = propose(people, "alice")
    chat = runtime.chat()
    newcomer = Speaker(Identity("test", "newcomer"), "Newcomer", "en")
    caplog.set_level(logging.INFO, logger="core.storage.uow")
    _hold_write_lock(writer)
    # A first contact through /show: the member must be created, and the
    # deferred transaction cannot take the lock another connection holds.
    thread, replies, errors = _in_thread(lambda: chat.command(newcomer, "show", str(initiative_id)))
    try:
        ran_again = _wait_for(lambda: any("running it again" in r.getMessage() for r in caplog.records), 20)
    finally:
        writer.commit()
    thread.join(ANSWER_WITHIN)
    assert ran_again, "the read transaction was not run again with the write lock"
    assert not thread.is_alive() and errors == []
    assert not is_error(replies[0]), text_of(replies[0])
    with runtime.uow() as uow:
        found = uow.session.scalar(
            select(func.count()).where(tables.identities.c.external_id == "newcomer")
        )
        name = uow.session.scalar(select(tables.members.c.display_name).where(tables.members.c.id == 1))
    assert found == 1
    assert name == "alice!"
