"""Feeds, exports, /metrics and /healthz are read transactions: on SQLite they
answer while another connection holds the write lock (a chat command under
way), instead of waiting for it. Each wait has a timeout, far below SQLite's
busy timeout (30 s); none is a sleep."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bots.web.app import build_app
from core.bootstrap import Runtime
from core.config import Settings
from core.storage.database import Database
from tests.support import Clock, People, load_small_tree, propose

ANSWER_WITHIN = 15.0


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.create_all()
    runtime = Runtime(Settings(), database, Clock())
    load_small_tree(runtime)
    yield runtime
    database.dispose()


def test_the_webs_data_reads_do_not_wait_for_a_writer(runtime: Runtime, tmp_path: Path) -> None:
    initiative_id = propose(People(runtime.chat()), "alice")
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    writer = sqlite3.connect(tmp_path / "web.db", isolation_level=None, timeout=30)
    paths = [
        f"/i/{initiative_id}/feed.atom",
        "/a/1/feed.rss",
        "/t/environment/feed.atom",
        "/feed.atom",
        "/moderation/feed.atom",
        "/export/initiatives.json",
        "/export/officials.popolo.json",
        "/metrics",
        "/healthz",
    ]
    statuses: dict[str, int] = {}

    def read() -> None:
        for path in paths:
            statuses[path] = client.get(path).status_code

    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE members SET display_name = display_name || '!' WHERE id = 1")
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(ANSWER_WITHIN)
        assert not reader.is_alive(), f"still waiting after {sorted(statuses)}"
        assert statuses == dict.fromkeys(paths, 200)
    finally:
        if writer.in_transaction:
            writer.rollback()
        writer.close()
