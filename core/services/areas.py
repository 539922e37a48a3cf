"""Areas: look-ups, search (accent-, case- and punctuation-insensitive) and
the tree around an area (ancestors, children, subtree).

Functions taking an ``Area`` or an id and returning areas or ids are helpers
that work inside an already open unit of work; ``lookup_areas`` and
``area_view`` open their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from core.domain.areas import Area, AreaLevel
from core.domain.text import fold, id_in_range, typed_number
from core.errors import InvalidInput, NotFound
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "MAX_QUERY",
    "MAX_RESULTS",
    "AreaView",
    "ancestors",
    "area_children",
    "area_view",
    "area_views",
    "count_areas",
    "descendant_ids",
    "find_area",
    "get_area",
    "lookup_areas",
    "name_words",
    "national_area",
    "near_area_ids",
    "search_areas",
    "subtree_filter",
]

#: Longer queries are cut: no area name is longer than this in practice.
MAX_QUERY = 100
MAX_RESULTS = 50
#: Abbreviations people type for the words of French place names.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@dataclass(frozen=True)
class AreaView:
    """An area as shown to people: itself and the names of what contains it."""

    id: int
    code: str
    name: str
    level: str
    parent_code: str | None
    #: Names of the areas containing it, nearest first ("Rhône", "Auvergne-Rhône-Alpes", "France").
    ancestors: tuple[str, ...]

    @property
    def parent_name(self) -> str | None:
        return self.ancestors[0] if self.ancestors else None


def get_area(uow: UnitOfWork, area_id: int) -> Area:
    area = uow.session.get(Area, area_id)
    if area is None:
        raise NotFound("error.area_not_found", query=f"#{area_id}")
    return area


def national_area(uow: UnitOfWork) -> Area:
    """The root of the tree: national scope."""
    area = uow.session.scalars(
        select(Area).where(tables.areas.c.level == AreaLevel.NATION.value).order_by(tables.areas.c.id)
    ).first()
    if area is None:
        raise NotFound("error.no_areas")
    return area


def count_areas(uow: UnitOfWork) -> int:
    """How many areas the tree holds."""
    return uow.session.scalar(select(func.count()).select_from(tables.areas)) or 0


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_words(text: str) -> list[str]:
    """The folded words of a place name as people type it, abbreviations
    spelt out ("St-Étienne" -> ["saint", "etienne"]), as area search keys hold them."""
    return [_ABBREVIATIONS.get(word, word) for word in fold(text).split()]


def search_areas(uow: UnitOfWork, query: str, limit: int = 8) -> list[Area]:
    """Areas whose code or one of whose postal codes is ``query``, or whose
    name contains its words, in any case, with or without accents, hyphens or
    apostrophes ("saint etienne", "st-etienne" and "SAINT-ÉTIENNE" find
    Saint-Étienne; "cote dor" finds Côte-d'Or; "69001" finds Lyon by its
    postal code).

    Best first: the exact code ("69" is the Rhône, "69123" Lyon), a postal
    code (after the code: "69001" is first the INSEE code of Affoux, then a
    postal code of Lyon), the exact name, names starting with the query,
    names with a word starting with it, then the rest; equally good matches
    list larger areas before smaller ones, then shorter names first. Works
    inside an open unit of work.
    """
    text = query.strip()[:MAX_QUERY]
    words = name_words(text)
    if not words:
        raise InvalidInput("error.text_empty", field="area")
    key = " ".join(words)
    compact = key.replace(" ", "")
    code = text.upper()
    a = tables.areas.c
    # fold() leaves no LIKE wildcard in the words; escaping anyway keeps this
    # safe if fold ever changes, since the query is typed by people.
    every_word = and_(*(a.search_key.like(f"%{_like_escaped(w)}%", escape="\\") for w in words))
    compact_key = func.replace(a.search_key, " ", "")
    glued = compact_key.like(f"%{_like_escaped(compact)}%", escape="\\")
    p = tables.area_postal_codes.c
    by_postal_code = a.id.in_(select(p.area_id).where(p.postal_code == code))
    rank = case(
        (a.code == code, 0),
        (by_postal_code, 1),
        (or_(a.search_key == key, compact_key == compact), 2),
        (a.search_key.like(f"{_like_escaped(key)}%", escape="\\"), 3),
        (a.search_key.like(f"% {_like_escaped(key)}%", escape="\\"), 4),
        else_=5,
    )
    level_rank = case({lvl.value: lvl.rank for lvl in AreaLevel}, value=a.level, else_=len(AreaLevel))
    stmt = (
        select(Area)
        .where(or_(a.code == code, by_postal_code, every_word, glued))
        .order_by(rank, level_rank, func.length(a.search_key), a.search_key, a.code)
        .limit(max(1, min(limit, MAX_RESULTS)))
    )
    return list(uow.session.scalars(stmt))


def find_area(uow: UnitOfWork, query: str) -> Area:
    """One area by id ("#12"), exact code or best name match."""
    q = query.strip()
    number = typed_number(q) if q.startswith("#") else None
    if number is not None:
        if not id_in_range(number):
            raise NotFound("error.area_not_found", query=q[:MAX_QUERY])
        return get_area(uow, number)
    found = search_areas(uow, q, limit=1)
    if not found:
        raise NotFound("error.area_not_found", query=q[:MAX_QUERY])
    return found[0]


def ancestors(uow: UnitOfWork, area: Area) -> list[Area]:
    """The areas containing ``area``, nearest first (its parent, ..., the nation)."""
    ids = area.ancestor_ids[:-1]
    if not ids:
        return []
    found = {a.id: a for a in uow.session.scalars(select(Area).where(tables.areas.c.id.in_(ids)))}
    return [found[i] for i in reversed(ids) if i in found]


def area_children(uow: UnitOfWork, area_id: int) -> list[Area]:
    """The areas directly inside ``area_id``, by name."""
    a = tables.areas.c
    return list(
        uow.session.scalars(select(Area).where(a.parent_id == area_id).order_by(a.search_key, a.code))
    )


def near_area_ids(uow: UnitOfWork, area_id: int) -> list[int]:
    """What is "near" a member living in ``area_id``: the area itself, the
    areas containing it (nearest first) and the areas directly inside it.
    NotFound for an unknown id."""
    area = get_area(uow, area_id)
    assert area.id is not None
    above = list(reversed(area.ancestor_ids[:-1]))
    below = uow.session.scalars(
        select(tables.areas.c.id).where(tables.areas.c.parent_id == area.id).order_by(tables.areas.c.id)
    )
    return [area.id, *above, *below]


def descendant_ids(uow: UnitOfWork, area_id: int) -> list[int]:
    """``area_id`` and every area inside it, at any depth (one indexed
    prefix query on the materialised path). NotFound for an unknown id."""
    area = get_area(uow, area_id)
    a = tables.areas.c
    return list(uow.session.scalars(select(a.id).where(a.path.startswith(area.path)).order_by(a.id)))


def subtree_filter(uow: UnitOfWork, area_id: int, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """A condition for a query: ``column`` (an area id column such as
    ``tables.initiatives.c.area_id``) lies in ``area_id`` or inside it.
    A subquery, so the nation does not become a list of 35,000 ids."""
    area = get_area(uow, area_id)
    a = tables.areas.c
    return column.in_(select(a.id).where(a.path.startswith(area.path)))


def area_views(uow: UnitOfWork, found: Sequence[Area]) -> list[AreaView]:
    """Views of ``found`` with the names of their ancestors, in one query."""
    wanted = {i for area in found for i in area.ancestor_ids[:-1]}
    rows = (
        uow.session.execute(
            select(tables.areas.c.id, tables.areas.c.code, tables.areas.c.name).where(
                tables.areas.c.id.in_(wanted)
            )
        ).all()
        if wanted
        else []
    )
    names = {row.id: (row.code, row.name) for row in rows}
    views = []
    for area in found:
        assert area.id is not None
        above = [names[i] for i in reversed(area.ancestor_ids[:-1]) if i in names]
        views.append(
            AreaView(
                id=area.id,
                code=area.code,
                name=area.name,
                level=area.level,
                parent_code=above[0][0] if above else None,
                ancestors=tuple(name for _code, name in above),
            )
        )
    return views


def lookup_areas(uow: UnitOfWork, query: str, limit: int = 8) -> list[AreaView]:
    """Search (see ``search_areas``) and describe the matches."""
    with uow:
        return area_views(uow, search_areas(uow, query, limit))


def area_view(uow: UnitOfWork, area_id: int) -> AreaView:
    """One area with the names of what contains it; NotFound when unknown."""
    with uow:
        return area_views(uow, [get_area(uow, area_id)])[0]
