"""Exactly one scheduler per deployment, on SQLite (a lock file) and
PostgreSQL (an advisory lock); jobs kept in the database; a run missed
during downtime happens once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.bootstrap import Runtime
from core.config import Settings
from core.services.leadership import LeaderLock
from core.storage.database import Database
from notifications import scheduler as jobs
from tests.conftest import PG_SCHEMA, PG_URL
from tests.support import Clock

ROOT = Path(__file__).resolve().parents[2]


def test_two_locks_one_holder_and_the_second_takes_over_after_a_release(shared_database: Database) -> None:
    first, second = LeaderLock(shared_database), LeaderLock(LeaderDatabase.of(shared_database))
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.held()
        first.release()
        assert second.try_acquire() and second.held()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


class LeaderDatabase:
    """A second Database on the same storage: another process's view of it."""

    @staticmethod
    def of(database: Database) -> Database:
        if database.is_sqlite:
            return Database(database.url.render_as_string(hide_password=False))
        assert PG_URL is not None
        return Database(PG_URL, schema=PG_SCHEMA)


HOLDER = """
import sys, time
from core.storage.database import Database
from core.services.leadership import LeaderLock
url, schema = sys.argv[1], sys.argv[2] or None
lock = LeaderLock(Database(url, schema=schema))
assert lock.try_acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_the_second_takes_over_when_the_holder_dies(shared_database: Database) -> None:
    """kill -9 the holder: the server (or the kernel) frees its lock."""
    if shared_database.is_sqlite:
        url, schema = shared_database.url.render_as_string(hide_password=False), ""
    else:
        assert PG_URL is not None
        url, schema = PG_URL, PG_SCHEMA
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, schema], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    lock = LeaderLock(shared_database)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not lock.try_acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while not lock.try_acquire():
            assert time.monotonic() < deadline, "the lock of a dead process was never freed"
            time.sleep(0.05)
        assert lock.held()
    finally:
        lock.release()
        if holder.poll() is None:
            holder.kill()


@pytest.fixture
def live_runtime(shared_database: Database, clock: Clock) -> Runtime:
    return Runtime(Settings(), shared_database, clock)


def test_only_one_scheduler_runs_and_the_other_takes_over(live_runtime: Runtime) -> None:
    async def scenario() -> None:
        first_stop, second_stop = asyncio.Event(), asyncio.Event()
        first_lock, second_lock = LeaderLock(live_runtime.database), LeaderLock(live_runtime.database)
        first = asyncio.create_task(jobs.run_scheduler(live_runtime, first_stop, poll=0.05, lock=first_lock))
        await _until(lambda: first_lock.acquired)
        second = asyncio.create_task(
            jobs.run_scheduler(live_runtime, second_stop, poll=0.05, lock=second_lock)
        )
        await _until_installed(live_runtime)  # however late the loop runs on a busy machine
        await asyncio.sleep(0.3)  # a few of the second one's polls
        assert first_lock.acquired and not second_lock.acquired
        first_stop.set()
        await first
        await _until(lambda: second_lock.acquired)
        second_stop.set()
        await second
        assert not second_lock.acquired

    asyncio.run(scenario())


async def _until_installed(runtime: Runtime, timeout: float = 30.0) -> None:
    """Until the scheduler has written every job to the database."""
    deadline = time.monotonic() + timeout
    while set(await asyncio.to_thread(jobs.next_runs, runtime)) != set(jobs.JOBS):
        assert time.monotonic() < deadline, "the jobs were never installed"
        await asyncio.sleep(0.05)


async def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_run_missed_during_downtime_happens_once(
    live_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick was due many times while the service was down: it runs once
    when the scheduler comes back, then waits for its next time."""

    async def run_until(ready: Callable[[], Awaitable[None]], then: float) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(jobs.run_scheduler(live_runtime, stop, poll=0.05))
        await ready()
        await asyncio.sleep(then)
        stop.set()
        await task

    asyncio.run(run_until(lambda: _until_installed(live_runtime), then=0))
    store = jobs.SQLAlchemyJobStore(engine=live_runtime.database.engine, tablename=jobs.JOB_TABLE)
    store.start(jobs.create_scheduler(live_runtime), "default")
    tick = store.lookup_job("digest_tick")
    assert tick is not None and tick.next_run_time > datetime.now(UTC)
    tick._modify(next_run_time=datetime.now(UTC) - timedelta(hours=3))  # 36 ticks missed
    store.update_job(tick)

    runs: list[float] = []
    monkeypatch.setattr(jobs, "digest_tick", lambda: runs.append(time.monotonic()) or 0)
    # It runs once however late the loop is; then a while longer must add nothing.
    asyncio.run(run_until(lambda: _until(lambda: runs, timeout=30), then=1.0))
    assert len(runs) == 1
    after = jobs.next_runs(live_runtime)["digest_tick"]
    assert after is not None and after > datetime.now(UTC)
