"""kill -9 in the middle of sending 500 digests through the real Telegram
sender to the fake Bot API (with Telegram's flood limits), then a restart:
every member ends up with their digest, the digests exist once, and any
extra copy is one the ledger counts as an unknowable retry (a message that
was in flight when the process died: Telegram has no idempotency key)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import Settings
from core.services import deliveries, digests
from core.storage import tables
from tests.fakes.telegram import FakeTelegramThread
from tests.support import Clock, People, Person, propose

MEMBERS = 500
FIRST_USER = 10_000


def prepare(database: str) -> Runtime:
    """500 Telegram members joined an initiative two days ago; their daily
    digests are built at 18:00 (Paris) that day, ready to send."""
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    clock = Clock(day)
    runtime = Runtime.open(Settings(), database_url=database, clock=clock)
    runtime.prepare()
    chat = runtime.chat()
    people = People(chat)
    initiative_id = propose(people, "alice", area="Rhône")
    for n in range(MEMBERS):
        Person(chat, str(FIRST_USER + n), platform="telegram").say(f"/join {initiative_id}")
    clock.now = day.replace(hour=19)  # 19:00 UTC: past 18:00 in Paris, summer or winter
    run = digests.build_due(runtime.uow(), runtime.settings)
    assert run.digests == MEMBERS + 1 and run.deliveries == MEMBERS + 1  # and alice, in the terminal
    return runtime


def start(tmp_path: Path, database: str, tg: FakeTelegramThread, n: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env.update(tg.env(), PYTHONUTF8="1")
    env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
    log = (tmp_path / f"run{n}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bots.cli import main; main()",
            "run",
            "--only",
            "sender",
            "-d",
            database,
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def received(tg: FakeTelegramThread) -> dict[int, int]:
    return {user: len(tg.texts(user)) for user in range(FIRST_USER, FIRST_USER + MEMBERS)}


def test_kill_9_mid_digests_then_restart_delivers_each_digest(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'possibles.db'}"
    runtime = prepare(database)
    with FakeTelegramThread() as tg:  # Telegram's limits: 30/s overall, 1/s per chat
        for n in range(MEMBERS):
            tg.add_user(FIRST_USER + n)
        first = start(tmp_path, database, tg, 1)
        try:
            tg.wait_for_sync(lambda: sum(received(tg).values()) >= 120, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        at_kill = sum(1 for count in received(tg).values() if count)
        assert 0 < at_kill < MEMBERS  # really in the middle

        second = start(tmp_path, database, tg, 2)
        try:
            tg.wait_for_sync(lambda: all(received(tg).values()), timeout=120)
            time.sleep(2)  # anything still in flight lands (and would show as a duplicate)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
        counts = received(tg)
        assert not tg.rate_limited  # the pacing kept within Telegram's limits, restart included

    assert all(counts.values())
    assert all("Trees on the village square" in text for user in counts for text in tg.texts(user))
    with runtime.uow() as uow:
        built = uow.session.scalar(select(func.count()).select_from(tables.digests))
        states = dict(
            uow.session.execute(
                select(tables.deliveries.c.state, func.count())
                .where(tables.deliveries.c.platform == "telegram")
                .group_by(tables.deliveries.c.state)
            ).all()
        )
    ledger = deliveries.ledger(runtime.uow())  # a use case: it opens its own unit of work
    assert built == MEMBERS + 1  # one digest per member and period, never rebuilt
    assert states == {"sent": MEMBERS}
    extra_copies = sum(count - 1 for count in counts.values())
    # The only possible duplicates are messages in flight at the kill, each
    # retried at most once and counted as such.
    assert extra_copies <= ledger.uncertain_retries
    assert ledger.uncertain_retries <= 30  # at most one second of sending was in flight
