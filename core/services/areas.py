"""Areas: look-ups and search (accent- and case-insensitive)."""

from __future__ import annotations

from sqlalchemy import case, or_, select

from core.domain.areas import Area, AreaLevel
from core.domain.text import fold
from core.errors import InvalidInput, NotFound
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["find_area", "get_area", "national_area", "search_areas"]


def get_area(uow: UnitOfWork, area_id: int) -> Area:
    area = uow.session.get(Area, area_id)
    if area is None:
        raise NotFound("error.area_not_found", query=str(area_id))
    return area


def national_area(uow: UnitOfWork) -> Area:
    """The root of the tree: national scope."""
    area = uow.session.scalars(
        select(Area).where(tables.areas.c.level == AreaLevel.NATION.value).order_by(tables.areas.c.id)
    ).first()
    if area is None:
        raise NotFound("error.no_areas")
    return area


def search_areas(uow: UnitOfWork, query: str, limit: int = 8) -> list[Area]:
    """Areas whose name or code matches ``query``; exact code and name first,
    then larger areas before smaller ones, then by name. Works inside an open
    unit of work."""
    key = fold(query)
    if not key:
        raise InvalidInput("error.text_empty", field="area")
    raw = query.strip().upper()
    a = tables.areas.c
    rank = case(
        (a.code == raw, 0),
        (a.search_key == key, 1),
        (a.search_key.like(f"{key}%"), 2),
        else_=3,
    )
    level_rank = case({lvl.value: lvl.rank for lvl in AreaLevel}, value=a.level, else_=9)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(Area)
        .where(or_(a.code == raw, a.search_key.like(f"%{escaped}%", escape="\\")))
        .order_by(rank, level_rank, a.name)
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))


def find_area(uow: UnitOfWork, query: str) -> Area:
    """One area by exact code, id (#12) or best name match."""
    q = query.strip()
    if q.startswith("#") and q[1:].isdigit():
        return get_area(uow, int(q[1:]))
    found = search_areas(uow, q, limit=1)
    if not found:
        raise NotFound("error.area_not_found", query=q)
    return found[0]
