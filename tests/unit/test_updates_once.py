"""A platform update given to Chat with its key is handled once, in the
command's one transaction: the record commits with what the command did, a
refusal is recorded too, and a delivery again changes and answers nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from benchmarks.statements import count_statements
from core.bootstrap import Runtime
from core.domain.members import Identity
from core.presentation.context import Speaker
from core.services import updates
from core.services.updates import AlreadyHandled, UpdateKey
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, is_error, load_small_tree, propose
from tests.unit.test_handovers import snapshot


def bob() -> Speaker:
    return Speaker(Identity("test", "bob"), "bob", "en")


def supports(runtime: Runtime) -> int:
    uow = runtime.uow()
    with uow:
        return int(uow.session.execute(select(func.count()).select_from(tables.supports)).scalar_one())


def test_a_join_delivered_twice_changes_once_and_is_answered_once(people: People, runtime: Runtime) -> None:
    initiative = propose(people, "alice")
    chat, key = runtime.chat(), UpdateKey("telegram", 501)
    before = supports(runtime)
    first = chat.command(bob(), "join", str(initiative), update=key)
    assert not is_error(first) and supports(runtime) == before + 1
    with pytest.raises(AlreadyHandled):
        chat.command(bob(), "join", str(initiative), update=key)
    assert supports(runtime) == before + 1
    assert updates.seen(runtime.uow(), "telegram", 501)
    # Another platform's update with the same number is another update.
    assert not updates.seen(runtime.uow(), "discord", 501)


def test_a_refusal_is_recorded_and_a_delivery_again_answers_nothing(runtime: Runtime) -> None:
    chat, key = runtime.chat(), UpdateKey("telegram", 502)
    refused = chat.command(bob(), "show", "999999", update=key)
    assert is_error(refused)
    assert updates.seen(runtime.uow(), "telegram", 502)
    with pytest.raises(AlreadyHandled):
        chat.command(bob(), "show", "999999", update=key)
    with pytest.raises(AlreadyHandled):  # whatever the call: the update was answered
        chat.press(bob(), "nonsense", update=key)


def test_presses_text_and_inline_take_the_key_too(people: People, runtime: Runtime) -> None:
    propose(people, "alice")
    chat = runtime.chat()
    chat.text(bob(), "hello", update=UpdateKey("telegram", 601))
    chat.press(bob(), "nonsense", update=UpdateKey("telegram", 602))  # a stale button: refused
    chat.inline(bob(), "trees", update=UpdateKey("telegram", 603))
    for update_id in (601, 602, 603):
        assert updates.seen(runtime.uow(), "telegram", update_id)
    with pytest.raises(AlreadyHandled):
        chat.inline(bob(), "trees", update=UpdateKey("telegram", 603))


def test_an_update_through_chat_is_one_transaction(people: People, runtime: Runtime) -> None:
    initiative = propose(people, "alice")
    people["bob"].say("/help")  # bob is known
    chat = runtime.chat()
    engine = runtime.database.engine
    # A refusal is rolled back, and its record written after: the one
    # case of two (the first wrote nothing that stays).
    calls = [
        (lambda key: chat.command(bob(), "show", str(initiative), update=key), 1),  # read-only
        (lambda key: chat.command(bob(), "join", str(initiative), update=key), 1),  # writes
        (lambda key: chat.inline(bob(), "trees", update=key), 1),
        (lambda key: chat.command(bob(), "show", "999999", update=key), 2),  # refused
    ]
    for n, (call, transactions) in enumerate(calls):
        with count_statements(engine) as count:
            call(UpdateKey("telegram", 700 + n))
        assert count.transactions == transactions, n
    # Delivered again: one transaction of one statement, the record that
    # finds the first one (INSERT ... ON CONFLICT DO NOTHING), and no row changes.
    before = snapshot(runtime)
    for n, (call, _) in enumerate(calls):
        with count_statements(engine) as count, pytest.raises(AlreadyHandled):
            call(UpdateKey("telegram", 700 + n))
        assert (count.transactions, count.statements) == (1, 1), n
    assert snapshot(runtime) == before


def test_an_update_another_worker_recorded_first_is_answered_nothing(
    shared_database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker records the same update just before this one does:
    this one's record, the first statement of its transaction, finds it, so
    nothing is answered and only the other worker's record stays."""
    from core.config import Settings

    runtime = Runtime(Settings(), shared_database, clock)
    load_small_tree(runtime)
    key = UpdateKey("telegram", 801)
    chat = runtime.chat()
    chat.command(bob(), "help")  # bob is known: /browse writes nothing
    real = updates.mark
    raced: list[bool] = []

    def raced_then_mark(uow: object, found: UpdateKey) -> bool:
        if not raced:
            raced.append(True)
            updates.record(runtime.uow(), key.platform, key.update_id)  # the other worker
        return real(uow, found)  # type: ignore[arg-type]

    monkeypatch.setattr(updates, "mark", raced_then_mark)
    before = snapshot(runtime)
    with pytest.raises(AlreadyHandled):
        chat.command(bob(), "browse", "", update=key)
    # The other worker's record is all that changed.
    after = snapshot(runtime)
    assert {name for name in after if after[name] != before[name]} == {"processed_updates"}
    assert raced and updates.seen(runtime.uow(), "telegram", 801)
