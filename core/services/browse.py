"""Browsing initiatives: read models for the lists people page through.

Every list shows visible initiatives only (hidden and removed ones are never
listed) and, except a search by words, only live ones: withdrawn, closed and
expired initiatives drop out, achieved ones stay (they are good news).
Each page is one SQL query that never counts supports: supporters come from
the counts kept as supports change (core.services.counts), trending from
the supports kept per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, literal_column, or_, select

from core.config import Settings
from core.domain.initiatives import Status, Visibility
from core.domain.text import fold
from core.errors import InvalidInput, InvalidState
from core.services.areas import get_area, name_words, near_area_ids
from core.services.initiatives import validate_topic
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "MAX_PAGE",
    "PAGE_SIZE",
    "TRENDING_DAYS",
    "WORDS_MAX",
    "BrowseItem",
    "BrowsePage",
    "Listing",
    "browse_area",
    "browse_near",
    "browse_new",
    "browse_topic",
    "browse_trending",
    "browse_words",
    "search_words",
]

PAGE_SIZE = 5
#: Far beyond any real list; keeps a forged page number from overflowing OFFSET.
MAX_PAGE = 100_000
TRENDING_DAYS = 7
#: A search is at most this many bytes (UTF-8) once folded: 40 Latin
#: letters, fewer in other scripts. It keeps every search pageable with
#: buttons: the folded words travel in the ◀ ▶ payloads, which must fit
#: Telegram's 64 bytes.
WORDS_MAX = 40
_WORDS_COUNT_MAX = 8

_Rows = Select[int, str, str, str, int, int]

#: Statuses that drop out of the lists (a search by words still finds them).
_GONE = (Status.WITHDRAWN.value, Status.CLOSED.value, Status.EXPIRED.value)


class Listing(StrEnum):
    NEW = "new"
    TRENDING = "trending"
    NEAR = "near"
    TOPIC = "topic"
    WORDS = "words"


@dataclass(frozen=True)
class BrowseItem:
    id: int
    title: str
    area_name: str
    status: str
    supporters: int
    goal: int


@dataclass(frozen=True)
class BrowsePage:
    """One page of a list; ``page`` counts from 0; ``total``: initiatives in
    the whole list."""

    items: tuple[BrowseItem, ...]
    page: int
    has_next: bool
    total: int = 0
    page_size: int = PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def pages(self) -> int:
        """Pages in the list; an empty list still has its one, empty, page."""
        return max(1, -(-self.total // self.page_size))


def _listed(*where: ColumnElement[bool], live_only: bool = True) -> list[ColumnElement[bool]]:
    """The conditions of a list: visible initiatives matching ``where``."""
    i = tables.initiatives.c
    conditions = [i.visibility == Visibility.VISIBLE.value, *where]
    if live_only:
        # The statuses as literals, not an expanding list of parameters,
        # which SQLAlchemy would render again at every execution.
        conditions.append(i.status.not_in([literal_column(f"'{gone}'") for gone in _GONE]))
    return conditions


def _listing(*where: ColumnElement[bool], live_only: bool = True) -> _Rows:
    """The columns of a BrowseItem for visible initiatives matching ``where``."""
    i, a, n = tables.initiatives.c, tables.areas.c, tables.initiative_counts.c
    return (
        select(i.id, i.title, a.name, i.status, func.coalesce(n.supporters, 0), i.goal)
        .select_from(tables.initiatives)
        .join(tables.areas, a.id == i.area_id)
        .outerjoin(tables.initiative_counts, n.initiative_id == i.id)
        .where(*_listed(*where, live_only=live_only))
    )


def _counted(*where: ColumnElement[bool]) -> Select[int]:
    """How many live initiatives a list of initiatives' own columns holds:
    every initiative has its area and the counts only add columns, so
    neither join is needed to count (PostgreSQL would hash all the areas)."""
    return select(func.count()).select_from(tables.initiatives).where(*_listed(*where))


@dataclass(frozen=True)
class _Paged:
    """A list's statements: one page of it (``:fetch`` rows from row
    ``:skip``) and its total."""

    rows: _Rows
    total: Select[int]


def _paged(stmt: _Rows, total: Select[int] | None = None) -> _Paged:
    """``stmt`` (already ordered, with a unique last sort key so pages
    never overlap) paged, and counted (by ``total`` when given)."""
    return _Paged(
        rows=stmt.limit(bindparam("fetch", type_=Integer)).offset(bindparam("skip", type_=Integer)),
        total=total
        if total is not None
        else select(func.count()).select_from(stmt.order_by(None).subquery()),
    )


@cache
def _shape(listing: Listing) -> _Paged:
    """The statements of a list whose shape does not depend on what is
    asked, built once: building them cost more than running them (/browse
    is most of what people ask). The values are bound parameters:
    ``:since`` (trending), ``:area_ids`` (near), ``:topic`` (topic)."""
    i = tables.initiatives.c
    if listing is Listing.TRENDING:
        d = tables.support_days.c
        recent = (
            select(d.initiative_id, func.sum(d.supports).label("gained"))
            .where(d.day >= bindparam("since", type_=d.day.type))
            .group_by(d.initiative_id)
            .having(func.sum(d.supports) > 0)
            .subquery("recent")
        )
        return _paged(
            _listing()
            .join(recent, recent.c.initiative_id == i.id)
            .order_by(recent.c.gained.desc(), i.created_at.desc(), i.id.desc())
        )
    if listing is Listing.NEAR:
        near = i.area_id.in_(bindparam("area_ids", expanding=True))
        return _paged(_newest_first(_listing(near)), _counted(near))
    if listing is Listing.TOPIC:
        topic = i.topic == bindparam("topic")
        return _paged(_newest_first(_listing(topic)), _counted(topic))
    if listing is Listing.NEW:
        return _paged(_newest_first(_listing()), _counted())
    raise ValueError(f"{listing} has no fixed shape")


def _page(
    uow: UnitOfWork, paged: _Paged, page: int, size: int, values: dict[str, Any] | None = None
) -> BrowsePage:
    """One page of ``paged`` (``values`` for its parameters); one row more
    tells whether a next page exists."""
    page = min(max(0, page), MAX_PAGE)
    given = values or {}
    rows = uow.session.execute(paged.rows, {**given, "fetch": size + 1, "skip": page * size}).all()
    total = int(uow.session.scalar(paged.total, given) or 0)
    items = tuple(
        BrowseItem(
            id=int(r[0]),
            title=str(r[1]),
            area_name=str(r[2]),
            status=str(r[3]),
            supporters=int(r[4]),
            goal=int(r[5]),
        )
        for r in rows[:size]
    )
    return BrowsePage(items=items, page=page, has_next=len(rows) > size, total=total, page_size=size)


def _newest_first(
    stmt: _Rows,
) -> _Rows:
    i = tables.initiatives.c
    return stmt.order_by(i.created_at.desc(), i.id.desc())


def browse_new(uow: UnitOfWork, page: int = 0, *, size: int = PAGE_SIZE) -> BrowsePage:
    """Live initiatives, newest first."""
    with uow:
        return _page(uow, _shape(Listing.NEW), page, size)


def browse_trending(
    uow: UnitOfWork, page: int = 0, *, days: int = TRENDING_DAYS, size: int = PAGE_SIZE
) -> BrowsePage:
    """Live initiatives that gained supports (still standing) over the last
    ``days`` days (UTC dates, today included), most gained first, ties
    newest first."""
    with uow:
        since = uow.now().date() - timedelta(days=days - 1)
        return _page(uow, _shape(Listing.TRENDING), page, size, {"since": since})


def browse_near(uow: UnitOfWork, member_id: int, page: int = 0, *, size: int = PAGE_SIZE) -> BrowsePage:
    """Live initiatives of the member's home area, the areas above it and
    those just below it, newest first. A member without a home area is
    invited to choose one (/area)."""
    with uow:
        member = get_member(uow, member_id)
        if member.home_area_id is None:
            raise InvalidState("error.browse_no_home_area")
        ids = near_area_ids(uow, member.home_area_id)
        return _page(uow, _shape(Listing.NEAR), page, size, {"area_ids": ids})


def browse_area(uow: UnitOfWork, area_id: int, page: int = 0, *, size: int = PAGE_SIZE) -> BrowsePage:
    """Live initiatives of an area and of every area inside it, newest first
    (the area's public page). NotFound for an unknown area."""
    with uow:
        area = get_area(uow, area_id)
        # The listing joins each initiative's area: a prefix of its path says
        # "inside", with no subquery of the (up to 35,000) areas inside.
        inside = tables.areas.c.path.startswith(area.path)
        return _page(uow, _paged(_newest_first(_listing(inside))), page, size)


def browse_topic(
    uow: UnitOfWork, topic: str, settings: Settings, page: int = 0, *, size: int = PAGE_SIZE
) -> BrowsePage:
    """Live initiatives of one topic (one of ``settings.topics``), newest first."""
    key = validate_topic(topic, settings)
    with uow:
        return _page(uow, _shape(Listing.TOPIC), page, size, {"topic": key})


def search_words(query: str) -> tuple[str, ...]:
    """The folded words of a search; InvalidInput when empty or too long
    (see WORDS_MAX)."""
    folded = fold(query)
    if not folded:
        raise InvalidInput("error.text_empty", field="search")
    words = tuple(dict.fromkeys(folded.split()))
    if len(folded.encode()) > WORDS_MAX or len(words) > _WORDS_COUNT_MAX:
        raise InvalidInput("error.browse_search_too_long", max=WORDS_MAX)
    return words


def _like_escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts_a_word(column: ColumnElement[str], word: str) -> ColumnElement[bool]:
    # Search keys are folded: word boundaries are spaces, so a word matches
    # at the start or after a space.
    return or_(
        column.like(f"{_like_escaped(word)}%", escape="\\"),
        column.like(f"% {_like_escaped(word)}%", escape="\\"),
    )


def browse_words(uow: UnitOfWork, query: str, page: int = 0, *, size: int = PAGE_SIZE) -> BrowsePage:
    """Visible initiatives in which every word is found, accent- and
    case-insensitively ("ecole" finds "École"), in the title, the description
    or the name of the initiative's area ("saint etienne" finds those in
    Saint-Étienne, "arbres lyon" the trees of Lyon), newest first. Finished
    ones are found too: someone searching knows what they look for."""
    words = search_words(query)
    i, a = tables.initiatives.c, tables.areas.c
    matches = [
        or_(
            _starts_a_word(i.search_key, word),
            *(_starts_a_word(a.search_key, name_word) for name_word in name_words(word)),
        )
        for word in words
    ]
    with uow:
        return _page(uow, _paged(_newest_first(_listing(*matches, live_only=False))), page, size)
