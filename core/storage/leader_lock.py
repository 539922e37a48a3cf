"""Exactly one scheduler per deployment: the leader lock.

APScheduler 3 cannot share its job store between processes, so the process
that runs the scheduler holds a lock for as long as it lives: a PostgreSQL
advisory lock on a connection of its own (the server frees it when the
process dies, however it dies), or on SQLite an exclusive ``flock`` on a
file next to the database (the kernel frees it likewise). A second process
polls ``try_acquire`` and takes over when the first is gone.

Infrastructure (a database session or a file lock, no rule of the domain):
it lives in core.storage, beside the database it locks.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from core.storage.database import Database

__all__ = ["LeaderLock"]

#: In-memory SQLite databases live in one process: a lock per database object.
_local_holders: set[tuple[int, str]] = set()
_local_guard = threading.Lock()


class LeaderLock:
    """``lock.try_acquire()`` until True; ``lock.held()`` now and then (a lost
    database connection loses the lock); ``lock.release()`` at the end."""

    def __init__(self, database: Database, name: str = "scheduler") -> None:
        self.database = database
        self.name = name
        self._connection: Any = None
        self._file: IO[bytes] | None = None
        self._local: tuple[int, str] | None = None
        self._key: int | None = None

    @property
    def path(self) -> Path | None:
        """The lock file of a SQLite file database."""
        database = self.database.url.database
        if not self.database.is_sqlite or database in (None, "", ":memory:"):
            return None
        return Path(str(database)).resolve().with_name(f"{Path(str(database)).name}.{self.name}.lock")

    def try_acquire(self) -> bool:
        if self.acquired:
            return True
        if not self.database.is_sqlite:
            return self._acquire_advisory()
        path = self.path
        if path is None:
            key = (id(self.database), self.name)
            with _local_guard:
                if key in _local_holders:
                    return False
                _local_holders.add(key)
            self._local = key
            return True
        handle = path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def _acquire_advisory(self) -> bool:
        connection = self.database.engine.connect()
        try:
            schema = connection.execute(text("SELECT current_schema()")).scalar() or ""
            # Per schema: deployments sharing a server in schemas of their own
            # (and the tests' runs) each have their own scheduler.
            digest = hashlib.sha256(f"possibles:{schema}:{self.name}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
            connection.commit()  # the lock belongs to the session, not to a transaction
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection, self._key = connection, key
        return True

    @property
    def acquired(self) -> bool:
        return self._connection is not None or self._file is not None or self._local is not None

    def held(self) -> bool:
        """Still ours? On PostgreSQL the lock lives as long as its connection."""
        if self._connection is None:
            return self.acquired
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            self._drop_connection()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._connection.commit()
            self._drop_connection()
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._local is not None:
            with _local_guard:
                _local_holders.discard(self._local)
            self._local = None

    def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()
        self._connection = None
        self._key = None
