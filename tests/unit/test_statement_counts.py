"""Statements and transactions per command may shrink, never grow.

Every command is one transaction (one BEGIN), and a read-only one (its
handler is ``@read_only``) takes no write lock on SQLite and writes nothing.
The statement bounds are the counts measured (see ``python -m benchmarks
statements``); the target is at most 8 per command, and the commands above it
are named below with the reason. Lower a bound when a change brings a command
below it. Counts, not time: they do not depend on the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.statements import COMMANDS, Count, measure
from core.presentation.commands import default_catalog

TARGET = 8

#: The commands above the target, and why.
ABOVE_TARGET: dict[str, str] = {
    # A first support writes eight rows in eight statements (support, day
    # count, kept count, points line, leaderboards, badge measure, follow,
    # outbox) after the member and the initiative are read, and the card is
    # read again after. On SQLite one statement writes one table.
    "join": "eight writes, each its own table, plus the member, the initiative and the card",
    "volunteer": "as /join",
    "withdraw": "as /join, undone: the support, its day, the kept count, the points lines (one statement), "
    "their leaderboard rows and badge measures, the outbox",
}

#: command: most statements.
BOUNDS: dict[str, int] = {
    "start": 1,
    "help": 1,
    "lang": 1,
    "timezone": 1,
    "cancel": 2,
    "propose": 4,
    "show": 2,
    "join": 11,
    "volunteer": 12,
    "withdraw": 9,
    "counter": 5,
    "progress": 1,
    "browse": 3,
    "search": 3,
    "timeline": 5,
    "post": 3,
    "comment": 8,
    "edit": 3,
    "editpost": 2,
    "editcomment": 7,
    "deletecomment": 3,
    "follow": 3,
    "unfollow": 5,
    "follows": 2,
    "digest": 2,
    "quiet": 2,
    "report": 6,
    "appeal": 2,
    "queue": 4,
    "decide": 3,
    "modlog": 3,
    "responses": 3,
    "claim": 2,
    "respond": 2,
    "official": 3,
    "officials": 3,
    "top": 3,
    "me": 3,
    "profile": 4,
    "area": 3,
    "modchat": 1,
    # /link as measured gives a code; redeeming one (the merge) is bounded in
    # tests/unit/test_linking.py, and the /forget press in test_privacy.py.
    "link": 4,
    "unlink": 2,
    # The speaker's lookup, the download link's token (expired ones deleted,
    # this one inserted), then their row and every row holding them in one
    # UNION ALL (core.services.privacy.export), however many tables hold members.
    "mydata": 4,
    "forget": 3,
    "forumchat": 1,
}


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Count]:
    path: Path = tmp_path_factory.mktemp("statements") / "counts.db"
    return measure(f"sqlite:///{path}")


def test_every_command_of_the_catalog_is_counted(counts: dict[str, Count]) -> None:
    assert set(counts) == set(BOUNDS) == set(COMMANDS) == set(default_catalog().commands)


def test_no_bound_is_above_the_target_unless_named() -> None:
    assert {name for name, most in BOUNDS.items() if most > TARGET} == set(ABOVE_TARGET)


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_statements_do_not_grow(name: str, counts: dict[str, Count]) -> None:
    statements, most = counts[name].statements, BOUNDS[name]
    assert statements <= most, f"/{name}: {statements} statements (at most {most})"


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_every_command_is_one_transaction(name: str, counts: dict[str, Count]) -> None:
    count = counts[name]
    assert (count.transactions, count.begins) == (1, 1), f"/{name}: {count}"


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_read_only_commands_take_no_write_lock(name: str, counts: dict[str, Count]) -> None:
    count = counts[name]
    if default_catalog().commands[name].writes:
        assert count.write_locks == 1, f"/{name}: {count}"
    else:
        assert (count.write_locks, count.writes) == (0, 0), f"/{name}: {count}"


def test_the_counter_sees_what_runs(tmp_path: Path) -> None:
    from sqlalchemy import text

    from benchmarks.statements import count_statements
    from core.storage.database import Database

    database = Database(f"sqlite:///{tmp_path / 'counter.db'}")
    try:
        engine = database.engine
        with count_statements(engine) as count, engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.execute(text("SELECT x FROM t"))
        assert count == Count(statements=3, transactions=1, begins=1, write_locks=1, writes=1)
        with count_statements(engine) as count, engine.connect() as conn:
            conn = conn.execution_options(possibles_reads_first=True)
            with conn.begin():
                conn.execute(text("SELECT x FROM t"))
        assert count == Count(statements=1, transactions=1, begins=1, write_locks=0, writes=0)
    finally:
        database.dispose()
