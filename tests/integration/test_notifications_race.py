"""Two digest ticks, or two routers, at the same moment on a database that
several connections really share (a SQLite file, PostgreSQL): every digest
and every delivery exists once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import Settings
from core.services import digests
from core.storage import tables
from core.storage.database import Database
from notifications.router import Router
from tests.support import Clock, People, load_small_tree, propose


def at_once(*calls: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(n: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[n] = call()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def count(runtime: Runtime, table: object) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def busy_day(shared_database: Database) -> Runtime:
    clock = Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    runtime = Runtime(Settings(), shared_database, clock)
    load_small_tree(runtime)
    people = People(runtime.chat())
    initiative_id = propose(people, "alice")
    for n in range(30):
        people[f"p{n}"].say(f"/join {initiative_id}")
    clock.now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 18:00 in Paris
    return runtime


def test_two_digest_ticks_at_once_build_each_digest_once(shared_database: Database) -> None:
    runtime = busy_day(shared_database)
    runs = at_once(*[lambda: digests.build_due(runtime.uow(), runtime.settings, batch=7)] * 3)
    built = sum(run.digests for run in runs if isinstance(run, digests.DigestRun))
    assert built == 31  # alice and the thirty, whoever built them
    assert count(runtime, tables.digests) == 31
    assert count(runtime, tables.deliveries) == 31


def test_two_routers_at_once_route_each_event_once(shared_database: Database) -> None:
    runtime = busy_day(shared_database)
    people = People(runtime.chat())
    for n in range(5):
        people[f"v{n}"].say("/volunteer 1")  # the first one alerts alice
    at_once(*[lambda: Router(runtime, gap_seconds=0).route_all()] * 3)
    assert count(runtime, tables.deliveries) == 1
    with runtime.uow() as uow:
        position = uow.session.scalar(select(tables.outbox_cursors.c.position))
        assert position == uow.session.scalar(select(func.max(tables.outbox.c.id)))
