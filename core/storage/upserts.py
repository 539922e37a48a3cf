"""Insert-or-update in one statement, so two simultaneous writers of the same
unique key never race between a SELECT and an INSERT (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from core.storage.uow import UnitOfWork

__all__ = ["insert_or_update", "insert_unless_there"]


def insert_or_update(
    uow: UnitOfWork, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> None:
    """Inside an open unit of work: insert ``values``, or, when a row with the
    same unique ``conflict`` columns exists, set its other columns to ``values``."""
    dialect = uow.session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - the two supported databases are above
        raise RuntimeError(f"no insert-or-update for {dialect}")
    stmt = stmt.values(**values)
    updates = {name: stmt.excluded[name] for name in values if name not in conflict}
    uow.session.execute(stmt.on_conflict_do_update(index_elements=list(conflict), set_=updates))


def insert_unless_there(
    uow: UnitOfWork, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> bool:
    """Inside an open unit of work: insert ``values`` unless a row with the
    same unique ``conflict`` columns exists; True when it went in. One
    statement (INSERT ... ON CONFLICT DO NOTHING RETURNING), built once per
    database kind and table: a look first would race a writer at the same time."""
    statement = _insert_unless_there(uow.session.get_bind().dialect.name, table, tuple(conflict))
    return uow.session.execute(statement, dict(values)).first() is not None


@cache
def _insert_unless_there(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING says whether the row went in (rowcount is not reliable here).
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(table.c[conflict[0]])
