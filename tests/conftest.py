"""Fixtures: every service test runs on SQLite and, when
POSSIBLES_TEST_DATABASE_URL names a PostgreSQL server, on PostgreSQL too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.bootstrap import Runtime
from core.config import Settings
from core.storage.database import Database
from core.storage.tables import metadata
from tests.support import Clock, People, load_small_tree

PG_URL = os.environ.get("POSSIBLES_TEST_DATABASE_URL")

# No badges unless a test asks for them (tests.support.with_badges): a test
# that counts the messages a member gets is not about the badge the act also
# earns. The measures are kept all the same (core.services.badges).
os.environ.setdefault("POSSIBLES_BADGES", "[]")
PG_SKIP = "PostgreSQL tests need POSSIBLES_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"

def pytest_report_header() -> str:
    if PG_URL:
        return f"PostgreSQL tests: on {PG_URL}"
    return f"PostgreSQL tests: SKIPPED — {PG_SKIP}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = terminalreporter.stats.get("skipped", [])
    skipped = sum(1 for report in reports if PG_SKIP in str(getattr(report, "longrepr", "")))
    if skipped:
        terminalreporter.write_line(f"{skipped} skipped: {PG_SKIP}")


#: A schema per test process, so two runs on one server never meet.
PG_SCHEMA = f"possibles_test_{os.getpid()}"
_pg_database: Database | None = None


def _postgresql() -> Database:
    """One PostgreSQL schema per test session, emptied between tests."""
    global _pg_database
    if _pg_database is None:
        assert PG_URL is not None
        _pg_database = Database(PG_URL, schema=PG_SCHEMA)
        with _pg_database.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        _pg_database.engine.dispose()
        _pg_database.create_all()
    else:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with _pg_database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return _pg_database


@pytest.fixture(scope="session", autouse=True)
def _drop_postgresql_schema() -> Iterator[None]:
    yield
    if _pg_database is not None:
        with _pg_database.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        _pg_database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh, empty database with the schema, on each backend."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP)
        yield _postgresql()
        return
    database = Database("sqlite://")
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database that several connections really share (a SQLite file, not
    in-memory), for tests of simultaneous presses."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP)
        yield _postgresql()
        return
    database = Database(f"sqlite:///{tmp_path / 'shared.db'}")
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def runtime(database: Database, settings: Settings, clock: Clock) -> Runtime:
    """A runtime on the test database with the small area tree loaded."""
    runtime = Runtime(settings, database, clock)
    load_small_tree(runtime)
    return runtime


@pytest.fixture
def people(runtime: Runtime) -> People:
    return People(runtime.chat())
