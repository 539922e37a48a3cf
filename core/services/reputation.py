"""Points: written as things happen, taken back when undone, summed by leaderboards
(kept in the same transaction, core.services.leaderboards), counted by badges
(core.services.badges, same transaction).

An act earns its points once: (member, reason, ref) is unique in the
database, and ``award`` inserts nothing when the line exists already, so a
repeated or replayed act adds nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete
from sqlalchemy.dialects import postgresql, sqlite

from core.domain.reputation import POINTS, PointReason
from core.services import badges, leaderboards
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["award", "take_back", "take_back_lines", "void"]

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
        .returning(tables.points.c.id, *leaderboards.ledger_columns())
    )
    # A row comes back only when one was inserted (rowcount is not reliable
    # for INSERT ... ON CONFLICT on every driver).
    row = uow.session.execute(statement).first()
    if row is None:
        return False
    leaderboards.earned(uow, member_id, str(row[1]), bool(row[2]), POINTS[reason], uow.now())
    badges.counted(uow, member_id, reason)
    return True


def take_back(uow: UnitOfWork, member_id: int, reason: PointReason, ref: str) -> None:
    """Inside an open unit of work: the act is undone, so are its points."""
    p = tables.points.c
    _delete(uow, p.member_id == member_id, p.reason == reason, p.ref == ref)


def void(uow: UnitOfWork, ref: str) -> None:
    """Inside an open unit of work: every point given or taken for ``ref``
    (an overturned decision's) is void."""
    _delete(uow, tables.points.c.ref == ref)


def take_back_lines(uow: UnitOfWork, *where: ColumnElement[bool]) -> None:
    """Inside an open unit of work: delete the ledger lines matching
    ``where``, their points leaving the leaderboards (linking two members
    drops one of two lines for the same act; forgetting a member drops all)."""
    _delete(uow, *where)


def _delete(uow: UnitOfWork, *where: ColumnElement[bool]) -> None:
    p = tables.points.c
    path, _listed = leaderboards.ledger_columns()
    gone = uow.session.execute(
        delete(tables.points)
        .where(*where)
        .returning(p.member_id, path, p.points, p.created_at, p.reason)
    ).all()
    leaderboards.taken_back(uow, ((int(r[0]), str(r[1]), int(r[2]), r[3]) for r in gone))
    badges.taken(uow, ((int(r[0]), PointReason(r[4])) for r in gone))
