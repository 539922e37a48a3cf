"""Public data for anyone, with no account: the read models behind the web's
feeds (lists of initiatives by area, topic or date) and its open-data
exports (every initiative with the officials it is addressed to; officials
and their mandates).

Only what an anonymous visitor may read: visible initiatives (hidden and
removed ones never appear), officials' names and mandates — never who
supports what, never who reported. An official who used /forget is named
by nobody: their mandates stay (their past responses are attributed to
them) with no person holding them (``MandateRecord.member_id`` is None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from core.config import Settings
from core.domain.areas import Area
from core.domain.initiatives import Visibility
from core.domain.members import Mandate, is_forgotten
from core.services.areas import get_area, subtree_filter
from core.services.initiatives import validate_topic
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "FEED_SIZE",
    "AreaListing",
    "MandateRecord",
    "OfficialsRecord",
    "PublicInitiative",
    "all_initiatives",
    "area_initiatives",
    "new_initiatives",
    "officials_record",
    "topic_initiatives",
]

#: Entries in one feed: feed readers poll, and keep what they saw.
FEED_SIZE = 50


@dataclass(frozen=True)
class PublicInitiative:
    """An initiative as anyone may read it."""

    id: int
    title: str
    description: str
    area_code: str
    area_name: str
    topic: str
    status: str
    goal: int
    supporters: int
    created_at: datetime
    #: Its last change: created, goal reached, status moved, news posted.
    modified_at: datetime
    #: The officials it is addressed to ("Sacha, Maire de Lyon"): whose active
    #: mandate covers its area, the most local first. Filled by ``all_initiatives``.
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class AreaListing:
    area_id: int
    area_name: str
    initiatives: tuple[PublicInitiative, ...]


def _listing() -> Select[Any]:
    i, a, n = tables.initiatives.c, tables.areas.c, tables.initiative_counts.c
    return (
        select(
            i.id,
            i.title,
            i.description,
            a.code,
            a.name,
            i.topic,
            i.status,
            i.goal,
            func.coalesce(n.supporters, 0).label("supporters"),
            i.created_at,
            i.status_changed_at,
            i.goal_reached_at,
            i.last_news_at,
            a.path,
        )
        .select_from(tables.initiatives)
        .join(tables.areas, a.id == i.area_id)
        .outerjoin(tables.initiative_counts, n.initiative_id == i.id)
        .where(i.visibility == Visibility.VISIBLE.value)
    )


def _public(row: Any, targets: tuple[str, ...] = ()) -> PublicInitiative:
    created = row.created_at
    changes = [at for at in (created, row.status_changed_at, row.goal_reached_at, row.last_news_at) if at]
    return PublicInitiative(
        id=int(row.id),
        title=str(row.title),
        description=str(row.description),
        area_code=str(row.code),
        area_name=str(row.name),
        topic=str(row.topic),
        status=str(row.status),
        goal=int(row.goal),
        supporters=int(row.supporters),
        created_at=created,
        modified_at=max(changes),
        targets=targets,
    )


def _newest(uow: UnitOfWork, stmt: Select[Any], limit: int) -> tuple[PublicInitiative, ...]:
    i = tables.initiatives.c
    rows = uow.session.execute(stmt.order_by(i.created_at.desc(), i.id.desc()).limit(limit))
    return tuple(_public(row) for row in rows)


def new_initiatives(uow: UnitOfWork, limit: int = FEED_SIZE) -> tuple[PublicInitiative, ...]:
    """The newest visible initiatives, whatever their status."""
    with uow.transaction(writes=False):
        return _newest(uow, _listing(), limit)


def area_initiatives(uow: UnitOfWork, area_id: int, limit: int = FEED_SIZE) -> AreaListing:
    """The newest visible initiatives of an area and of the areas inside it
    (the area-subtree rule of the leaderboards); NotFound for an unknown area."""
    i = tables.initiatives.c
    with uow.transaction(writes=False):
        area = get_area(uow, area_id)
        assert area.id is not None
        found = _newest(uow, _listing().where(subtree_filter(uow, area.id, i.area_id)), limit)
        return AreaListing(area.id, area.name, found)


def topic_initiatives(
    uow: UnitOfWork, topic: str, settings: Settings, limit: int = FEED_SIZE
) -> tuple[str, tuple[PublicInitiative, ...]]:
    """The topic's key and its newest visible initiatives; InvalidInput for
    a topic that is not one of ``settings.topics``."""
    key = validate_topic(topic, settings)
    i = tables.initiatives.c
    with uow.transaction(writes=False):
        return key, _newest(uow, _listing().where(i.topic == key), limit)


def _active_mandates(uow: UnitOfWork) -> list[tuple[Mandate, Area, str]]:
    """Every active mandate with its area and its holder's name."""
    m, a, mb = tables.mandates.c, tables.areas.c, tables.members.c
    rows = uow.session.execute(
        select(Mandate, Area, mb.display_name)
        .join(tables.areas, a.id == m.area_id)
        .join(tables.members, mb.id == m.member_id)
        .where(m.revoked_at.is_(None))
        .order_by(m.id)
    ).all()
    return [(mandate, area, str(name)) for mandate, area, name in rows]


def _targets(mandates: Sequence[tuple[Mandate, Area, str]], area: Area) -> tuple[str, ...]:
    covering = [(mandate, where, name) for mandate, where, name in mandates if mandate.covers(where, area)]
    covering.sort(key=lambda found: -len(found[1].ancestor_ids))
    return tuple(f"{name}, {mandate.title}" for mandate, _where, name in covering)


def all_initiatives(uow: UnitOfWork) -> tuple[PublicInitiative, ...]:
    """Every visible initiative, oldest first, each with its targets."""
    i = tables.initiatives.c
    with uow.transaction(writes=False):
        mandates = _active_mandates(uow)
        found = []
        for row in uow.session.execute(_listing().order_by(i.id)):
            # The area as the rule reads it: only its id and path matter.
            area = Area(code=str(row.code), name=str(row.name), level="", search_key="", path=str(row.path))
            found.append(_public(row, _targets(mandates, area)))
        return tuple(found)


@dataclass(frozen=True)
class MandateRecord:
    id: int
    #: Who held it; None once they used /forget: the mandate stays a public
    #: record (a post held from its start to its end), its holder unnamed.
    member_id: int | None
    title: str
    area_code: str
    area_name: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class OfficialsRecord:
    """Every verified official (name by member id) and every mandate, ended
    ones included: a public record. A former member (``is_forgotten``) is
    not among the names, and holds their mandates anonymously."""

    names: dict[int, str]
    mandates: tuple[MandateRecord, ...]


def officials_record(uow: UnitOfWork) -> OfficialsRecord:
    """Officials and their mandates, for the Popolo export."""
    m, a, mb = tables.mandates.c, tables.areas.c, tables.members.c
    with uow.transaction(writes=False):
        rows = uow.session.execute(
            select(m.id, m.member_id, m.title, a.code, a.name, m.verified_at, m.revoked_at, mb.display_name)
            .join(tables.areas, a.id == m.area_id)
            .join(tables.members, mb.id == m.member_id)
            .order_by(m.id)
        ).all()
    held = [(row, None if is_forgotten(str(row.display_name)) else int(row.member_id)) for row in rows]
    names = {member_id: str(row.display_name) for row, member_id in held if member_id is not None}
    mandates = tuple(
        MandateRecord(
            id=int(row.id),
            member_id=member_id,
            title=str(row.title),
            area_code=str(row.code),
            area_name=str(row.name),
            start=row.verified_at,
            end=row.revoked_at,
        )
        for row, member_id in held
    )
    return OfficialsRecord(names, mandates)
