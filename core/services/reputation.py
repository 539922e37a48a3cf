"""Points: written as things happen, taken back when undone, summed by leaderboards.

An act earns its points once: (member, reason, ref) is unique in the
database, and ``award`` inserts nothing when the line exists already, so a
repeated or replayed act adds nothing.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from core.domain.reputation import POINTS, PointReason
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["award", "take_back"]

_KEY = ["member_id", "reason", "ref"]


def award(uow: UnitOfWork, member_id: int, area_id: int, reason: PointReason, ref: str) -> bool:
    """Inside an open unit of work: add the points of ``reason`` for ``ref``
    to the member's ledger, unless they hold them already. True if added."""
    dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(tables.points)
        .values(
            member_id=member_id,
            area_id=area_id,
            reason=reason,
            points=POINTS[reason],
            created_at=uow.now(),
            ref=ref,
        )
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(tables.points.c.id)
    )
    # A row comes back only when one was inserted (rowcount is not reliable
    # for INSERT ... ON CONFLICT on every driver).
    return uow.session.execute(statement).first() is not None


def take_back(uow: UnitOfWork, member_id: int, reason: PointReason, ref: str) -> None:
    """Inside an open unit of work: the act is undone, so are its points."""
    p = tables.points.c
    uow.session.execute(
        delete(tables.points).where(p.member_id == member_id, p.reason == reason, p.ref == ref)
    )
