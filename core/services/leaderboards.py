"""Leaderboards kept as points are earned and taken back.

Each line of the points ledger adds to one row per (scope, period, member):
the scopes are the area the points were earned in, each area above it and
0 (every area, the national board); the periods are the week and the month
the points were earned in (keyed by their first day in the deployment's time
zone) and all time. A board's top is then an index range read in order, and a
member's rank an index count, however many points and members there are.
``rescore`` rebuilds every row from the points ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, and_, delete, func, insert, literal, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.services import counts
from core.storage import tables
from core.storage.tables import Id
from core.storage.uow import UnitOfWork

__all__ = [
    "NATIONAL",
    "Period",
    "Ranked",
    "earned",
    "moved",
    "period_start",
    "rank_of",
    "rescore",
    "set_listed",
    "taken_back",
    "top",
]

#: The scope of the national board (no area has id 0).
NATIONAL = 0
#: The key of the one all-time period.
_ALL_START = date(2000, 1, 1)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class Ranked:
    rank: int
    member_id: int
    name: str
    points: int


def period_start(period: Period, at: datetime, zone: str) -> date:
    """The first day, in ``zone``, of the ``period`` holding ``at``."""
    if period is Period.ALL:
        return _ALL_START
    day = at.astimezone(ZoneInfo(zone)).date()
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _scopes(path: str) -> list[int]:
    # An area's path lists its ancestors and itself: "/1/5/17/".
    return [NATIONAL, *(int(part) for part in path.strip("/").split("/") if part)]


def _keys(path: str, at: datetime, zone: str) -> list[tuple[int, str, date]]:
    return [
        (scope, period.value, period_start(period, at, zone)) for scope in _scopes(path) for period in Period
    ]


@cache
def _add_statement(dialect: str) -> Any:
    # Built once per database kind and run with one parameter set per row:
    # a many-rows VALUES would be compiled again at every call.
    lp = tables.leaderboard_points.c
    stmt: Any = (postgresql if dialect == "postgresql" else sqlite).insert(tables.leaderboard_points)
    return stmt.on_conflict_do_update(
        index_elements=["area_id", "period", "start", "member_id"],
        set_={"points": lp.points + stmt.excluded.points},
    )


def _add(uow: UnitOfWork, member_id: int, listed: bool, rows: Iterable[tuple[int, str, date, int]]) -> None:
    values = [
        {"area_id": a, "period": p, "start": s, "member_id": member_id, "points": n, "listed": listed}
        for a, p, s, n in rows
    ]
    if not values:
        return
    uow.session.execute(_add_statement(uow.session.get_bind().dialect.name), values)


def ledger_columns() -> tuple[Any, Any]:
    """What ``earned`` and ``taken_back`` need of a points line besides its
    own columns, for the RETURNING of the statement that writes or deletes
    it (no statement more): the path of its area, whether its member is listed."""
    # Written out: SQLAlchemy would not correlate a subquery of RETURNING
    # to the row written (both databases accept this SQL).
    path: Any = literal_column("(SELECT areas.path FROM areas WHERE areas.id = points.area_id)")
    listed: Any = literal_column(
        "(SELECT NOT members.leaderboard_opt_out FROM members WHERE members.id = points.member_id)"
    )
    return path, listed


def earned(uow: UnitOfWork, member_id: int, path: str, listed: bool, points: int, at: datetime) -> None:
    """Inside an open unit of work: the member earned ``points`` at ``at``
    in the area of ``path`` (see ``ledger_columns``)."""
    _add(uow, member_id, listed, ((*key, points) for key in _keys(path, at, uow.time_zone)))


def taken_back(uow: UnitOfWork, lines: Iterable[tuple[int, str, int, datetime]]) -> None:
    """Inside an open unit of work: ledger lines (member, area path, points,
    when earned) were deleted; their points leave the periods they were earned in."""
    # All the lines in one statement (run for each row): withdrawing a
    # volunteer's support takes two lines back. Rows are summed per key, so
    # no row is written twice by one statement, and sorted, so two
    # transactions lock shared rows in one order.
    taken: Counter[tuple[int, str, date, int]] = Counter()
    for member_id, path, points, at in lines:
        for area_id, period, start in _keys(path, at, uow.time_zone):
            taken[(area_id, period, start, member_id)] -= points
    values = [
        # ``listed`` is not changed by an update; the rows exist already.
        {"area_id": a, "period": p, "start": s, "member_id": m, "points": n, "listed": True}
        for (a, p, s, m), n in sorted(taken.items())
    ]
    if values:
        uow.session.execute(_add_statement(uow.session.get_bind().dialect.name), values)


def moved(uow: UnitOfWork, from_id: int, into_id: int, listed: bool) -> None:
    """Inside an open unit of work: member ``from_id``'s rows now count for
    ``into_id`` (two members linked into one), added to theirs; ``listed``
    is the kept member's."""
    lp = tables.leaderboard_points.c
    dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
    theirs = select(
        lp.area_id, lp.period, lp.start, literal(into_id, Id), lp.points, literal(listed, Boolean)
    ).where(lp.member_id == from_id)
    stmt: Any = dialect.insert(tables.leaderboard_points).from_select(
        ["area_id", "period", "start", "member_id", "points", "listed"], theirs
    )
    uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["area_id", "period", "start", "member_id"],
            set_={"points": lp.points + stmt.excluded.points},
        )
    )
    uow.session.execute(delete(tables.leaderboard_points).where(lp.member_id == from_id))


def set_listed(uow: UnitOfWork, member_id: int, listed: bool) -> None:
    """Inside an open unit of work: the member opted in or out."""
    lp = tables.leaderboard_points.c
    uow.session.execute(
        update(tables.leaderboard_points).where(lp.member_id == member_id).values(listed=listed)
    )


def _board(period: Period, area_id: int | None, start: date) -> list[Any]:
    lp = tables.leaderboard_points.c
    return [
        lp.area_id == (NATIONAL if area_id is None else area_id),
        lp.period == period.value,
        lp.start == start,
        lp.listed.is_(True),
        lp.points > 0,
    ]


def top(uow: UnitOfWork, period: Period, area_id: int | None, size: int) -> list[Ranked]:
    """Inside an open unit of work: the first ``size`` listed members of the
    current ``period`` in ``area_id`` (None: national), most points first."""
    lp, m = tables.leaderboard_points.c, tables.members.c
    start = period_start(period, uow.now(), uow.time_zone)
    rows = uow.session.execute(
        select(lp.member_id, m.display_name, lp.points)
        .join(tables.members, m.id == lp.member_id)
        .where(*_board(period, area_id, start))
        .order_by(lp.points.desc(), lp.member_id)
        .limit(size)
    ).all()
    return [Ranked(rank, int(r[0]), str(r[1]), int(r[2])) for rank, r in enumerate(rows, start=1)]


def rank_of(uow: UnitOfWork, member_id: int, period: Period, area_id: int | None) -> Ranked | None:
    """Inside an open unit of work: the member's place among the listed
    members (their own, even when they opted out); None without points.
    One statement: the member's row and the count of those ahead of it."""
    lp, m = tables.leaderboard_points.c, tables.members.c
    start = period_start(period, uow.now(), uow.time_zone)
    scope = NATIONAL if area_id is None else area_id
    mine = tables.leaderboard_points.alias("mine")
    ahead = (
        select(func.count())
        .select_from(tables.leaderboard_points)
        .where(
            *_board(period, area_id, start),
            or_(
                lp.points > mine.c.points,
                and_(lp.points == mine.c.points, lp.member_id < mine.c.member_id),
            ),
        )
        .scalar_subquery()
    )
    row = uow.session.execute(
        select(mine.c.points, m.display_name, ahead)
        .join(tables.members, m.id == mine.c.member_id)
        .where(
            mine.c.area_id == scope,
            mine.c.period == period.value,
            mine.c.start == start,
            mine.c.member_id == member_id,
            mine.c.points > 0,
        )
    ).first()
    if row is None:
        return None
    return Ranked(int(row[2] or 0) + 1, member_id, str(row[1]), int(row[0]))


def rescore(uow: UnitOfWork) -> int:
    """Rebuild every leaderboard row from the points ledger, and the
    supporter counts from the supports (``possibles admin rescore``: after a
    bulk import, or to check them); returns the number of leaderboard rows."""
    with uow:
        counts.recount(uow)
        written = _rescore(uow)
        uow.commit()
    return written


def _rescore(uow: UnitOfWork) -> int:
    p, a, m = tables.points.c, tables.areas.c, tables.members.c
    uow.session.execute(delete(tables.leaderboard_points))
    sums: Counter[tuple[int, str, date, int]] = Counter()
    listed: dict[int, bool] = {}
    paths: dict[int, str] = {}
    stmt = (
        select(p.member_id, p.area_id, a.path, p.points, p.created_at, m.leaderboard_opt_out)
        .join(tables.areas, a.id == p.area_id)
        .join(tables.members, m.id == p.member_id)
    )
    for member_id, area_id, path, points, at, opted_out in uow.session.execute(stmt).yield_per(50_000):
        listed[member_id] = not opted_out
        paths.setdefault(area_id, path)
        for key in _keys(paths[area_id], at, uow.time_zone):
            sums[(*key, int(member_id))] += int(points)
    rows = [
        {
            "area_id": k[0],
            "period": k[1],
            "start": k[2],
            "member_id": k[3],
            "points": n,
            "listed": listed[k[3]],
        }
        for k, n in sums.items()
    ]
    for first in range(0, len(rows), 50_000):
        uow.session.execute(insert(tables.leaderboard_points), rows[first : first + 50_000])
    return len(rows)
