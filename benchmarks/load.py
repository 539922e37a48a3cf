"""Load held over real sockets: ``possibles run --only telegram`` as a
subprocess against the fake Telegram Bot API (tests/fakes/telegram) on
loopback, with many members writing at the same time.

    python -m benchmarks load [--quick] [--postgresql URL]

The database holds what the command benchmark generates (10,000 members with
a Telegram identity, 1,000 initiatives, 50,000 supports). 200 of the members
then each write 50 commands (``/show``, ``/follow`` or ``/join`` of an
initiative, a different one each time) at random moments, a member's
messages a Poisson process of one every ``PACE`` seconds on average, not
waiting for the answers: 100 messages a second in all, two of a member's
messages sometimes close enough to be handled at the same time. The bot
handles the updates concurrently, one lane per chat (bots.telegram.polling).

Every answer names its initiative, so the run checks, per member, that the
answers came one per message and in the order written (none lost, none twice,
none out of order), that the bot logged no error and that the fake refused
none of its calls; and it times each message from the moment it is available
to the bot to the moment the fake accepts its answer (p50, p99).

Telegram's flood limits (30 messages a second overall, one a second per chat)
are lifted in the fake for this run: paced by them, 10,000 answers would take
at least 333 seconds and no p99 of 100 ms could be met by any bot. What is
timed is the bot's own latency; the pacing is the sending benchmark's figure.

On SQLite one process long-polls; on PostgreSQL two ``--only telegram``
processes share one webhook port (SO_REUSEPORT), and the fake delivers like
Telegram's webhook: up to 40 requests at once, one chat's updates one after
the other.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.digests import Counts
from benchmarks.table import Row, median, percentile

__all__ = ["Outcome", "Plan", "on_postgresql", "plan", "prepare_sqlite", "rows", "run"]

MEMBERS, ACTIONS = 200, 50
#: Seconds between two messages of a member, on average.
PACE = 2.0
FIRST_USER = 1_000_000  # populate()'s Telegram ids: 1,000,000 + member id
BOT_USERNAME = "possibles_load_bot"
#: The initiative an answer is about: "#17 · ..." in English, "n°17 · ..." in French.
_NAMED = re.compile(r"(?:#|n°)(\d+)")
VERBS = ("show", "show", "show", "follow", "join")


@dataclass(frozen=True)
class Action:
    at: float  # seconds after the start
    user: int
    initiative: int
    text: str


@dataclass(frozen=True)
class Plan:
    """Who writes what, and when."""

    members: int
    actions: int
    pace: float
    writes: list[Action]
    #: A few messages of other members, answered before the timed ones (the bot's caches warm).
    warm_up: list[Action]

    def by_user(self) -> dict[int, list[Action]]:
        out: dict[int, list[Action]] = {}
        for action in self.writes:
            out.setdefault(action.user, []).append(action)
        return out


def plan(
    initiatives: dict[int, int],
    members: int = MEMBERS,
    actions: int = ACTIONS,
    pace: float = PACE,
    seed: int = 1,
) -> Plan:
    """Each member's ``actions`` commands on distinct open ``initiatives``
    (id: author) not their own, so that every answer names its initiative, at
    Poisson moments."""
    rng = random.Random(seed)
    writes: list[Action] = []
    for m in range(1, members + 1):
        others = [i for i, author in initiatives.items() if author != m]
        if len(others) < actions:
            raise ValueError(f"{actions} actions a member need as many initiatives, not {len(others)}")
        at = rng.uniform(0, pace)
        for k, initiative in enumerate(_rotated(others, m * 37, actions)):
            verb = VERBS[k % len(VERBS)]
            writes.append(Action(at, FIRST_USER + m, initiative, f"/{verb} {initiative}"))
            at += rng.expovariate(1 / pace)
    writes.sort(key=lambda a: a.at)
    warm = [
        Action(0.0, FIRST_USER + members + 1 + n, i, f"/{VERBS[n % len(VERBS)]} {i}")
        for n, i in enumerate(_rotated(sorted(initiatives), 0, 20))
    ]
    return Plan(members, actions, pace, writes, warm)


def _rotated(items: list[int], start: int, count: int) -> list[int]:
    return [items[(start + k) % len(items)] for k in range(count)]


@dataclass
class Outcome:
    """What a load run saw."""

    plan: Plan
    workers: int
    answers: int = 0
    lost: int = 0  # messages without an answer
    twice: int = 0  # answers beyond one per message
    out_of_order: int = 0  # members whose answers came in another order than they wrote
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds
    seconds: float = 0.0  # from the first message to the last answer

    @property
    def correct(self) -> bool:
        return not (self.lost or self.twice or self.out_of_order or self.errors)

    @property
    def p50(self) -> float:
        return median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99) * 1000 if self.latencies else float("nan")

    def summary(self) -> str:
        return (
            f"{self.answers} answers, {self.lost} lost, {self.twice} twice, "
            f"{self.out_of_order} members out of order, {len(self.errors)} errors"
        )


def prepare_sqlite(path: Path, counts: Counts | None = None) -> dict[int, int]:
    """``counts`` (by default the command benchmark's data) at ``path``,
    marked as migrated; returns the open initiatives and their authors."""
    from benchmarks.commands import INITIATIVES, MEMBERS, SUPPORTS
    from benchmarks.digests import populate

    populate(path, counts or Counts(MEMBERS, INITIATIVES, SUPPORTS, 2_000))
    _stamp(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    try:
        found = db.execute(
            "SELECT id, author_id FROM initiatives"
            " WHERE status = 'open' AND visibility = 'visible' ORDER BY id"
        )
        return {initiative: author for initiative, author in found}
    finally:
        db.close()


def _stamp(url: str) -> None:
    """Record the schema (made from the tables) as the migrations' head."""
    from alembic import command

    from core.storage.database import Database

    database = Database(url)
    try:
        command.stamp(database.alembic_config(), "head")
    finally:
        database.dispose()


def _in_schema(url: str, schema: str) -> str:
    """``url`` with every connection in ``schema`` (``possibles run`` takes a URL, no schema)."""
    from sqlalchemy.engine import make_url

    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Bots:
    """The ``possibles run`` processes, their logs in ``workdir``."""

    def __init__(self, workdir: Path, database: str, env: dict[str, str], count: int) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
        base.update(env, PYTHONUTF8="1", POSSIBLES_LOG_LEVEL="WARNING")
        self.logs = [workdir / f"bot{n}.log" for n in range(count)]
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from bots.cli import main; main()",
                    "run",
                    "--only",
                    "telegram",
                    "--database",
                    database,
                ],
                cwd=workdir,
                env=base,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            for log in self.logs
        ]

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def error_lines(self) -> list[str]:
        lines = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            failing = ("ERROR", "CRITICAL", "Traceback")
            lines += [line for line in text.splitlines() if line.startswith(failing)]
        return lines

    def tail(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs if log.exists())


def _wait(predicate: Callable[[], Any], timeout: float, bots: _Bots, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if not bots.alive():
            raise RuntimeError(f"possibles run stopped while {what}:\n{bots.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out while {what}:\n{bots.tail()}")
        time.sleep(0.05)


async def _write(tg: Any, actions: list[Action], written: dict[int, float]) -> None:
    """Each action at its moment (in the fake's own loop, so the moments hold)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for action in actions:
        delay = start + action.at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        written[id(action)] = time.time()
        tg.user_sends(action.user, action.text)


def run(
    database: str, workdir: Path, the_plan: Plan, *, workers: int = 1, timeout: float = 120.0
) -> Outcome:
    """One load run: ``workers`` processes (one: long polling; more: a shared
    webhook port) on ``database`` (migrated, with the command benchmark's data)."""
    from tests.fakes.telegram import FakeTelegram, RateLimits

    outcome = Outcome(the_plan, workers)
    tg = FakeTelegram(bot_username=BOT_USERNAME, rate_limits=RateLimits(enabled=False))
    tg.start_in_thread()
    env = tg.env()
    if workers > 1:
        port = _free_port()
        env.update(
            POSSIBLES_TELEGRAM__WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            POSSIBLES_WEB__PORT=str(port),  # the webhook is a route of the web server
        )
    for action in the_plan.writes + the_plan.warm_up:
        tg.add_user(action.user, language_code="fr")
    bots = _Bots(workdir, database, env, workers)
    try:

        def ready() -> bool:
            calls = [c.method for c in tg.requests]
            if workers > 1:
                return calls.count("setWebhook") >= workers
            return "deleteWebhook" in calls  # just before its first long poll

        _wait(ready, 60, bots, "starting")
        answered = read = 0

        def count_answers() -> bool:
            nonlocal answered, read
            calls = tg.sent_since(read)
            read += len(calls)
            answered += sum(1 for c in calls if c.method == "sendMessage")
            return answered >= expected

        expected = len(the_plan.warm_up)
        tg.run_coroutine(_write(tg, the_plan.warm_up, {})).result(60)
        _wait(count_answers, 60, bots, "warming up")
        first = len(tg.sent_log)
        written: dict[int, float] = {}
        expected += len(the_plan.writes)
        writing = tg.run_coroutine(_write(tg, the_plan.writes, written))
        writing.result(max(a.at for a in the_plan.writes) + 60)
        try:
            _wait(count_answers, timeout, bots, "waiting for the answers")
        except RuntimeError as error:
            outcome.errors.append(str(error).splitlines()[0])
        time.sleep(1.0)  # an update handled twice would answer again by now
        _check(outcome, tg.sent_log[first:], written)
        outcome.errors += [
            f"{c.method} {c.status} {c.description}" for c in tg.requests if c.status >= 400
        ]
    finally:
        bots.stop()
        tg.stop_thread()
    outcome.errors += bots.error_lines()
    return outcome


def _check(outcome: Outcome, calls: list[Any], written: dict[int, float]) -> None:
    """Answers against what each member wrote: one each, in order; latencies."""
    answers: dict[int, list[tuple[int | None, float]]] = {}
    for call in calls:
        if call.method != "sendMessage":
            continue
        found = _NAMED.search(str(call.params.get("text", "")))
        answers.setdefault(int(call.chat_id), []).append((int(found.group(1)) if found else None, call.at))
    outcome.answers = sum(len(a) for a in answers.values())
    last = 0.0
    for user, actions in outcome.plan.by_user().items():
        got = answers.get(user, [])
        outcome.lost += max(0, len(actions) - len(got))
        outcome.twice += max(0, len(got) - len(actions))
        if [initiative for initiative, _ in got] != [a.initiative for a in actions][: len(got)]:
            outcome.out_of_order += 1
        for action, (_, at) in zip(actions, got, strict=False):
            outcome.latencies.append(at - written[id(action)])
            last = max(last, at)
    if written:
        outcome.seconds = last - min(written.values())


def _row(label: str, outcome: Outcome) -> Row:
    the_plan = outcome.plan
    handled = outcome.answers / outcome.seconds if outcome.seconds else 0.0
    return Row(
        f"load: {the_plan.members} members x {the_plan.actions} actions over real sockets, {label}",
        f"p50 {outcome.p50:.0f} / p99 {outcome.p99:.0f} ms; {outcome.summary()}",
        f"written: {the_plan.members / the_plan.pace:.0f}/s (each member every {the_plan.pace:g} s);"
        f" answered: {handled:.0f}/s",
        "",
        "no error, none lost or twice, in order, p99 <= 100 ms",
        outcome.correct and outcome.p99 <= 100,
    )


def on_postgresql(workdir: Path, path: Path, the_plan: Plan, url: str) -> Outcome:
    """``run`` with two webhook workers on a copy of the SQLite file at ``path``
    in a schema of its own on ``url`` (dropped after)."""
    from benchmarks.commands import copy_to_postgresql, drop_schema

    schema = f"load_{uuid.uuid4().hex[:8]}"
    try:
        copy_to_postgresql(path, url, schema)
        in_schema = _in_schema(url, schema)
        _stamp(in_schema)
        return run(in_schema, workdir, the_plan, workers=2)
    finally:
        drop_schema(url, schema)


def rows(quick: bool, postgresql: str | None) -> list[Row]:
    note = " (quick: 10 actions each)" if quick else ""
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        path = workdir / "load.db"
        the_plan = plan(prepare_sqlite(path), actions=10 if quick else ACTIONS)
        pristine = workdir / "pristine.db"
        shutil.copy(path, pristine)  # PostgreSQL starts from the same data, not what SQLite's run wrote
        out.append(_row(f"SQLite, long polling{note}", run(f"sqlite:///{path}", workdir, the_plan)))
        if not postgresql:
            out.append(Row("load, PostgreSQL", "skipped: no POSSIBLES_TEST_DATABASE_URL nor --postgresql"))
            return out
        outcome = on_postgresql(workdir, pristine, the_plan, postgresql)
        out.append(_row(f"PostgreSQL, 2 webhook workers{note}", outcome))
    return out
