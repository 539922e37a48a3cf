"""How engaged an area is: its members counted per rung of the participation
ladder, for the officials who answer for it (shown on their record).

In an area (its sub-areas included), a member's rung is the highest their
acts on the area's initiatives reach over the last 90 days, as
``core.domain.reputation.ladder_rung`` says: proposing or posting news
(creator), commenting or counter-proposing (critic), supporting someone
else's initiative or volunteering (joiner), only following one of its
initiatives or the area itself (spectator). Members who did nothing there are
not counted: nothing ties them to the area.

The counts are kept in ``area_ladder``, rebuilt by a nightly job (and by
``possibles admin rescore``) from the acts of the last 90 days; an official's
record reads one row per rung and area, however large the area.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, insert, or_, select

from core.domain.reputation import Ladder, ladder_rung
from core.domain.supports import FollowTarget, SupportKind
from core.services.profiles import LADDER_WINDOW
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["COUNTED", "AreaLadder", "count_all", "ladders_of", "tally"]

# What each kind of act shows, as flags a member gathers in an area.
_CREATED, _CRITICISED, _JOINED, _FOLLOWS = 1, 2, 4, 8
#: The rungs counted, highest first (inactive members are not counted).
COUNTED = (Ladder.CREATOR, Ladder.CRITIC, Ladder.JOINER, Ladder.SPECTATOR)


@dataclass(frozen=True)
class AreaLadder:
    """Members of one area per rung, as counted at ``counted_at``."""

    area_id: int
    members: dict[Ladder, int]
    counted_at: datetime | None

    @property
    def total(self) -> int:
        return sum(self.members.values())


def _acts(uow: UnitOfWork, since: datetime) -> Iterator[tuple[int, int, int]]:
    """(member, area of the initiative, flag) for every act that counts."""
    i, po, c, s, f = (
        tables.initiatives.c,
        tables.posts.c,
        tables.comments.c,
        tables.supports.c,
        tables.follows.c,
    )
    on_initiative = tables.initiatives
    queries: list[tuple[Any, int | None]] = [
        (select(i.author_id, i.area_id, i.counter_to_id.is_(None)).where(i.created_at >= since), None),
        (
            select(po.author_id, i.area_id)
            .select_from(tables.posts.join(on_initiative, i.id == po.initiative_id))
            .where(po.created_at >= since),
            _CREATED,
        ),
        (
            select(c.author_id, i.area_id)
            .select_from(tables.comments.join(on_initiative, i.id == c.initiative_id))
            .where(c.created_at >= since),
            _CRITICISED,
        ),
        (
            select(s.member_id, i.area_id)
            .select_from(tables.supports.join(on_initiative, i.id == s.initiative_id))
            .where(
                s.created_at >= since,
                or_(i.author_id != s.member_id, s.kind == SupportKind.VOLUNTEER.value),
            ),
            _JOINED,
        ),
        (
            select(f.member_id, i.area_id)
            .select_from(tables.follows.join(on_initiative, cast(i.id, String) == f.target_key))
            .where(f.target_type == FollowTarget.INITIATIVE.value),
            _FOLLOWS,
        ),
    ]
    for stmt, flag in queries:
        for row in uow.session.execute(stmt).yield_per(50_000):
            if flag is None:  # an initiative: proposed, or a counter-proposal
                yield int(row[0]), int(row[1]), _CREATED if row[2] else _CRITICISED
            else:
                yield int(row[0]), int(row[1]), flag
    areas = select(f.member_id, f.target_key).where(f.target_type == FollowTarget.AREA.value)
    for member_id, key in uow.session.execute(areas).yield_per(50_000):
        if str(key).isdigit():
            yield int(member_id), int(key), _FOLLOWS


def _rung(flags: int) -> Ladder:
    return ladder_rung(
        created=flags & _CREATED,
        criticised=flags & _CRITICISED,
        joined=flags & _JOINED,
        follows=flags & _FOLLOWS,
    )


def tally(acts: Iterable[tuple[int, int, int]], paths: dict[int, str]) -> Counter[tuple[int, Ladder]]:
    """Members per (area, rung) from the acts (member, area, flag), each act
    counting in its area and every area above it."""
    flags: dict[tuple[int, int], int] = {}
    for member_id, area_id, flag in acts:
        path = paths.get(area_id)
        if path is None:
            continue
        for part in path.strip("/").split("/"):
            if part:
                key = (int(part), member_id)
                flags[key] = flags.get(key, 0) | flag
    counted: Counter[tuple[int, Ladder]] = Counter()
    for (area_id, _member), gathered in flags.items():
        counted[(area_id, _rung(gathered))] += 1
    return counted


def count_all(uow: UnitOfWork) -> int:
    """Rebuild every area's ladder from the acts of the last 90 days (the
    nightly job). Returns the number of rows written. The acts are read in a
    read transaction (on SQLite, no write lock while they are counted); the
    rows are then replaced in a short write transaction."""
    a = tables.areas.c
    with uow.transaction(writes=False):
        now = uow.now()
        paths = {int(k): str(v) for k, v in uow.session.execute(select(a.id, a.path)).yield_per(50_000)}
        counted = tally(_acts(uow, now - LADDER_WINDOW), paths)
    rows = [
        {"area_id": area_id, "rung": rung.value, "members": n, "counted_at": now}
        for (area_id, rung), n in sorted(counted.items())
    ]
    with uow:
        uow.session.execute(delete(tables.area_ladder))
        for first in range(0, len(rows), 50_000):
            uow.session.execute(insert(tables.area_ladder), rows[first : first + 50_000])
        uow.commit()
    return len(rows)


def ladders_of(uow: UnitOfWork, area_ids: Iterable[int]) -> dict[int, AreaLadder]:
    """Inside an open unit of work: the kept ladder of each area (one
    statement; an area nobody acted in has zero of each)."""
    wanted = sorted(set(area_ids))
    al = tables.area_ladder.c
    found: dict[int, AreaLadder] = {a: AreaLadder(a, dict.fromkeys(COUNTED, 0), None) for a in wanted}
    if not wanted:
        return found
    for area_id, rung, n, at in uow.session.execute(
        select(al.area_id, al.rung, al.members, al.counted_at).where(al.area_id.in_(wanted))
    ):
        ladder = found[int(area_id)]
        ladder.members[Ladder(rung)] = int(n)
        found[int(area_id)] = AreaLadder(ladder.area_id, ladder.members, at)
    return found
