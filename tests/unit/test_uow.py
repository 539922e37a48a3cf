"""The unit of work: one transaction, events in the outbox; a ``with`` inside
an open one joins its transaction, and only the outermost commits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from core.bootstrap import Runtime
from core.domain.events import SupportWithdrawn
from core.presentation.cards import Reply
from core.storage import tables


def test_an_event_exists_only_if_the_change_is_committed(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow:
        uow.emit(SupportWithdrawn(initiative_id=1, member_id=2))  # rolled back: never committed
    with uow:
        uow.emit(SupportWithdrawn(initiative_id=3, member_id=4))
        uow.commit()
    with uow:
        payloads = uow.session.scalars(select(tables.outbox.c.payload)).all()
    assert payloads == [{"initiative_id": 3, "member_id": 4}]


def _outbox_count(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(tables.outbox)) or 0)


def test_a_nested_with_joins_the_open_transaction(runtime: Runtime) -> None:
    commits: list[object] = []
    engine = runtime.database.engine

    def on_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", on_commit)
    uow = runtime.uow()
    try:
        with uow:
            session = uow.session
            with uow:  # a service called inside a command
                assert uow.session is session
                uow.emit(SupportWithdrawn(initiative_id=1, member_id=2))
                uow.commit()  # asks; the outermost commits
            assert commits == []  # not yet
        assert len(commits) == 1
    finally:
        event.remove(engine, "commit", on_commit)
    assert _outbox_count(runtime) == 1
    with uow:  # usable again once closed, with a fresh session
        assert uow.session is not session


def test_an_error_after_a_nested_commit_undoes_it(runtime: Runtime) -> None:
    uow = runtime.uow()
    with pytest.raises(LookupError), uow:
        with uow:
            uow.emit(SupportWithdrawn(initiative_id=1, member_id=2))
            uow.commit()
        raise LookupError("a refusal after the first service wrote")
    assert _outbox_count(runtime) == 0


def test_a_rollback_anywhere_undoes_the_whole_transaction(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow:
        with uow:
            uow.emit(SupportWithdrawn(initiative_id=1, member_id=2))
            uow.commit()
        with uow:
            uow.rollback()
    assert _outbox_count(runtime) == 0


def test_the_kind_of_transaction_is_chosen_before_it_opens(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow.transaction(writes=False):
        assert uow.session.scalar(select(func.count()).select_from(tables.outbox)) == 0
        with pytest.raises(RuntimeError, match="already open"):
            uow.transaction(writes=True)


def test_a_refusal_undoes_what_an_earlier_service_of_the_command_committed(runtime: Runtime) -> None:
    """Chat runs the member lookup, the handler and its services in one
    transaction: a refusal after a service committed leaves nothing written."""
    from core.errors import InvalidInput
    from core.presentation.chat import Chat
    from core.presentation.commands import Catalog, CommandSpec
    from core.presentation.context import Context
    from core.services import members
    from tests.support import People, is_error

    def switch_then_refuse(ctx: Context) -> Reply:
        members.set_language(ctx.uow, ctx.member.id, "fr")
        raise InvalidInput("error.identity")

    catalog = Catalog.build([CommandSpec("switch", switch_then_refuse)], [], [])
    people = People(Chat(runtime.uow, runtime.settings, catalog))
    assert is_error(people["ann"].say("/switch"))
    with runtime.uow() as uow:
        count = uow.session.scalar(select(func.count()).select_from(tables.members))
    # Even the first contact is undone: the refusal came in the same command.
    assert count == 0
    people["ann"].say("/nothing")  # an unknown command: the member is created
    with runtime.uow() as uow:
        language = uow.session.scalar(select(tables.members.c.language))
    assert language == "en"


def test_the_handled_updates_check_takes_no_write_lock(runtime: Runtime) -> None:
    from benchmarks.statements import count_statements
    from core.services import updates

    with count_statements(runtime.database.engine) as count:
        assert not updates.seen(runtime.uow(), "telegram", 42)
    updates.record(runtime.uow(), "telegram", 42)
    with count_statements(runtime.database.engine) as again:
        assert updates.seen(runtime.uow(), "telegram", 42)
    assert (count.statements, count.writes) == (again.statements, again.writes) == (1, 0)
    if runtime.database.is_sqlite:
        assert (count.begins, count.write_locks) == (again.begins, again.write_locks) == (1, 0)


def test_a_read_transaction_that_cannot_start_leaves_the_unit_of_work_closed(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    from core.storage.database import Database
    from core.storage.uow import UnitOfWork

    database = Database(f"sqlite:///{tmp_path / 'no such folder' / 'x.db'}")
    uow = UnitOfWork(database)
    try:
        with pytest.raises(OperationalError), uow.transaction(writes=False):
            pass
        assert not uow.is_open
        uow.transaction(writes=False)  # not "already open"
    finally:
        database.dispose()
