"""The database: one engine per process, SQLite or PostgreSQL, same code."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from core.storage.mapping import map_domain
from core.storage.tables import metadata

__all__ = ["KEPT", "READS_FIRST", "Database", "is_refused_upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

#: The execution option of a connection whose transaction reads first: on
#: SQLite it begins deferred (no write lock until it writes, if ever).
READS_FIRST = "possibles_reads_first"

#: The key of ``Session.info`` holding the entities a session keeps alive
#: (UnitOfWork.transaction's keep_loaded): a list, present only where entities are kept.
KEPT = "possibles_kept"

#: SQLite's primary result code for "the database is locked".
_SQLITE_BUSY = 5


class Database:
    """An engine and its session factory.

    SQLite runs in WAL mode with foreign keys on and a busy timeout. A
    transaction starts with BEGIN IMMEDIATE, so writers queue on the write lock
    (busy timeout) instead of failing when a read transaction tries to become
    a write one, except on a connection given the ``READS_FIRST`` execution
    option: a plain (deferred) BEGIN, which takes no write lock, so a reader
    never waits for a writer nor makes one wait.
    """

    def __init__(self, url: str, *, echo: bool = False, schema: str | None = None) -> None:
        map_domain()
        self.url = make_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 60
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        elif schema:
            _use_schema(self.engine, schema)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.sessions, "loaded_as_persistent", _keep_loaded)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def create_all(self) -> None:
        """Create the schema directly (tests on in-memory SQLite)."""
        metadata.create_all(self.engine)

    def upgrade(self) -> None:
        """Bring the schema up to date with the Alembic migrations."""
        from alembic import command

        command.upgrade(self.alembic_config(), "head")

    def needs_upgrade(self) -> bool:
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current != head

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("initiatives")

    def alembic_config(self) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def dispose(self) -> None:
        self.engine.dispose()


def _keep_loaded(session: Session, instance: object) -> None:
    # The identity map holds entities weakly: without this, an entity read
    # by one service and dropped would be read again by the next one.
    kept = session.info.get(KEPT)
    if kept is not None:
        kept.append(instance)


def _use_schema(engine: Engine, schema: str) -> None:
    """Keep every table of this database in one PostgreSQL schema (created if
    missing): several deployments, or test runs, can share a server."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cursor.execute(f"SET search_path TO {schema}")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, open transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READS_FIRST):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_refused_upgrade(error: BaseException) -> bool:
    """True when SQLite answered "database is locked" (SQLITE_BUSY or one of
    its extended codes, such as SQLITE_BUSY_SNAPSHOT). In a deferred
    transaction that wants to write, SQLite returns it at once, without
    waiting out the busy timeout: the transaction can only be run again."""
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_BUSY
