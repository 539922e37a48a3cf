"""Supporter counts kept as supports change, in the same transaction.

Listing, showing and ranking initiatives read one row per initiative
(``initiative_counts``) and, for trending, one row per initiative and day
(``support_days``) instead of counting supports: a page costs the same with
ten supports or ten million. Every change to ``supports`` goes through
``added``, ``upgraded`` or ``removed``; ``recount`` rebuilds both tables
from the supports (after a bulk import, or to check them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from core.domain.supports import SupportKind
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["Counts", "added", "counts_of", "recount", "removed", "upgraded"]


@dataclass(frozen=True)
class Counts:
    """Supporters (volunteers included) and volunteers of one initiative."""

    supporters: int
    volunteers: int


@cache
def _add_statement(dialect: str) -> Any:
    # Built once per database kind: building an upsert costs more than running it.
    c = tables.initiative_counts.c
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(tables.initiative_counts)
    return stmt.on_conflict_do_update(
        index_elements=["initiative_id"],
        set_={
            "supporters": c.supporters + stmt.excluded.supporters,
            "volunteers": c.volunteers + stmt.excluded.volunteers,
        },
    ).returning(c.supporters, c.volunteers)


@cache
def _add_day_statement(dialect: str) -> Any:
    d = tables.support_days.c
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(tables.support_days)
    return stmt.on_conflict_do_update(
        index_elements=["initiative_id", "day"], set_={"supports": d.supports + stmt.excluded.supports}
    )


def _add(uow: UnitOfWork, initiative_id: int, supporters: int, volunteers: int) -> Counts:
    # One statement that adds to the row (creating it if needed) and returns
    # the new counts: concurrent joins each add their own one, none is lost.
    row = uow.session.execute(
        _add_statement(uow.session.get_bind().dialect.name),
        {"initiative_id": initiative_id, "supporters": supporters, "volunteers": volunteers},
    ).one()
    return Counts(int(row[0]), int(row[1]))


def _add_day(uow: UnitOfWork, initiative_id: int, day: date, supports: int) -> None:
    uow.session.execute(
        _add_day_statement(uow.session.get_bind().dialect.name),
        {"initiative_id": initiative_id, "day": day, "supports": supports},
    )


def added(uow: UnitOfWork, initiative_id: int, at: datetime, kind: SupportKind) -> Counts:
    """Inside an open unit of work: a support of ``kind`` was added at ``at``."""
    _add_day(uow, initiative_id, at.date(), 1)
    return _add(uow, initiative_id, 1, 1 if kind is SupportKind.VOLUNTEER else 0)


def upgraded(uow: UnitOfWork, initiative_id: int) -> Counts:
    """Inside an open unit of work: a supporter became a volunteer."""
    return _add(uow, initiative_id, 0, 1)


def removed(uow: UnitOfWork, initiative_id: int, at: datetime, kind: SupportKind) -> Counts:
    """Inside an open unit of work: a support of ``kind`` made at ``at`` is gone."""
    _add_day(uow, initiative_id, at.date(), -1)
    return _add(uow, initiative_id, -1, -1 if kind is SupportKind.VOLUNTEER else 0)


def counts_of(uow: UnitOfWork, initiative_id: int) -> Counts:
    """Inside an open unit of work: the initiative's counts (zero without a row)."""
    c = tables.initiative_counts.c
    row = uow.session.execute(
        select(c.supporters, c.volunteers).where(c.initiative_id == initiative_id)
    ).first()
    return Counts(int(row[0]), int(row[1])) if row else Counts(0, 0)


def recount(uow: UnitOfWork) -> None:
    """Inside an open unit of work: rebuild the counts from the supports."""
    s, c = tables.supports.c, tables.initiative_counts.c
    uow.session.execute(delete(tables.initiative_counts))
    uow.session.execute(delete(tables.support_days))
    volunteer = case((s.kind == SupportKind.VOLUNTEER.value, 1), else_=0)
    uow.session.execute(
        insert(tables.initiative_counts).from_select(
            [c.initiative_id, c.supporters, c.volunteers],
            select(s.initiative_id, func.count(), func.sum(volunteer)).group_by(s.initiative_id),
        )
    )
    # Days are UTC dates; computed here rather than in SQL, where each
    # database has its own idea of a timestamp's date.
    days: Counter[tuple[int, date]] = Counter()
    for initiative_id, at in uow.session.execute(select(s.initiative_id, s.created_at)).yield_per(50_000):
        days[(int(initiative_id), at.date())] += 1
    if days:
        uow.session.execute(
            insert(tables.support_days),
            [{"initiative_id": i, "day": day, "supports": n} for (i, day), n in days.items()],
        )
