"""Statements and transactions per command may shrink, never grow.

The bounds are the counts measured when this test was written (see
``python -m benchmarks statements``); the target is at most 8 statements and
one transaction per command. Lower a bound when a change brings a command
below it. Counts, not time: they do not depend on the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.statements import COMMANDS, measure

#: command: (statements, transactions), upper bounds.
BOUNDS: dict[str, tuple[int, int]] = {
    "start": (3, 1),
    "help": (3, 1),
    "lang": (4, 2),
    "timezone": (4, 2),
    "cancel": (4, 2),
    "propose": (7, 4),
    "show": (12, 2),
    "join": (21, 3),
    "volunteer": (21, 3),
    # Withdrawing a volunteer now also takes its two points lines off the
    # leaderboards and its support off the kept counts (reads no longer sum them).
    "withdraw": (21, 3),
    "counter": (8, 4),
    "progress": (3, 1),
    "browse": (5, 2),
    "search": (5, 2),
    "timeline": (9, 2),
    "post": (6, 2),
    "comment": (14, 3),
    "edit": (6, 2),
    "editpost": (5, 2),
    "editcomment": (14, 3),
    "deletecomment": (6, 2),
    "follow": (6, 2),
    "unfollow": (8, 2),
    "follows": (4, 2),
    "digest": (5, 2),
    "quiet": (5, 2),
    "report": (9, 4),
    "appeal": (5, 2),
    "queue": (7, 2),
    "decide": (6, 2),
    "modlog": (5, 2),
    "responses": (14, 3),
    "claim": (5, 2),
    "respond": (5, 2),
    "official": (6, 3),
    "officials": (6, 3),
    "top": (4, 2),
    "me": (12, 2),
    "area": (5, 2),
    "modchat": (3, 1),
}


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    path: Path = tmp_path_factory.mktemp("statements") / "counts.db"
    return {name: (c.statements, c.transactions) for name, c in measure(f"sqlite:///{path}").items()}


def test_every_command_of_the_catalog_is_counted(counts: dict[str, tuple[int, int]]) -> None:
    assert set(counts) == set(BOUNDS) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_statements_and_transactions_do_not_grow(name: str, counts: dict[str, tuple[int, int]]) -> None:
    statements, transactions = counts[name]
    most_statements, most_transactions = BOUNDS[name]
    assert statements <= most_statements, f"/{name}: {statements} statements (at most {most_statements})"
    assert transactions <= most_transactions, (
        f"/{name}: {transactions} transactions (at most {most_transactions})"
    )


def test_the_counter_sees_what_runs() -> None:
    from sqlalchemy import create_engine, text

    from benchmarks.statements import count_statements

    engine = create_engine("sqlite://")
    with count_statements(engine) as count, engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert (count.statements, count.transactions) == (2, 1)
