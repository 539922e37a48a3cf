"""The Alembic migrations build exactly the schema the code maps, on both backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from core.storage.database import Database
from core.storage.tables import include_object, metadata
from tests.conftest import PG_SKIP, PG_URL


def assert_schema_matches(database: Database) -> None:
    with database.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert not database.needs_upgrade()


def test_sqlite_file_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    assert database.needs_upgrade()
    database.upgrade()
    assert_schema_matches(database)
    database.upgrade()  # a second run is a no-op
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


@pytest.mark.postgresql
def test_postgresql_is_migrated_to_the_current_schema() -> None:
    """In a schema of its own, so the other tests' tables stay untouched."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"possibles_migrations_{os.getpid()}"
    database = Database(PG_URL, schema=schema)
    try:
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        database.engine.dispose()
        assert database.needs_upgrade()
        database.upgrade()
        assert_schema_matches(database)
    finally:
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        database.dispose()
