"""What the daily limits count: rows a member wrote lately."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, func, select

from core.storage.uow import UnitOfWork

__all__ = ["count_recent"]


def count_recent(uow: UnitOfWork, table: Table, member_column: str, member_id: int, since: datetime) -> int:
    """Inside an open unit of work: rows of ``table`` the member wrote since
    ``since`` (for the daily limits)."""
    stmt = (
        select(func.count())
        .select_from(table)
        .where(table.c[member_column] == member_id, table.c.created_at >= since)
    )
    return int(uow.session.scalar(stmt) or 0)
