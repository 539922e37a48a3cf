"""A small version of the load run (benchmarks/load.py): ``possibles run``
processes against the fake Telegram Bot API over real sockets, members
writing many messages at once. Correctness only, never time: every message
answered once, each member's answers in the order they wrote, no error.

On SQLite one process long-polls; on PostgreSQL two processes share one
webhook port and the fake delivers up to 40 updates at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.digests import Counts
from benchmarks.load import Outcome, on_postgresql, plan, prepare_sqlite, run

PG_URL = os.environ.get("POSSIBLES_TEST_DATABASE_URL")
#: Small data: 300 members (10 of them write), 100 initiatives.
DATA = Counts(members=300, initiatives=100, supports=1_000, events=100)
#: 10 members x 10 actions, each member's messages 50 ms apart on average:
#: several of one member's messages wait while an earlier one is handled.
MEMBERS, ACTIONS, PACE = 10, 10, 0.05


def _assert_correct(outcome: Outcome) -> None:
    assert outcome.errors == []
    assert outcome.lost == 0
    assert outcome.twice == 0
    assert outcome.out_of_order == 0
    assert outcome.answers == MEMBERS * ACTIONS


def test_many_members_at_once_are_each_answered_once_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "load.db"
    the_plan = plan(prepare_sqlite(path, DATA), members=MEMBERS, actions=ACTIONS, pace=PACE)
    _assert_correct(run(f"sqlite:///{path}", tmp_path, the_plan, timeout=120))


@pytest.mark.postgresql
@pytest.mark.skipif(not PG_URL, reason="needs POSSIBLES_TEST_DATABASE_URL (a PostgreSQL server)")
def test_two_webhook_workers_on_one_port_answer_each_message_once_and_in_order(tmp_path: Path) -> None:
    assert PG_URL is not None
    path = tmp_path / "load.db"
    the_plan = plan(prepare_sqlite(path, DATA), members=MEMBERS, actions=ACTIONS, pace=PACE)
    outcome = on_postgresql(tmp_path, path, the_plan, PG_URL)
    _assert_correct(outcome)
