"""Standing out: leaderboards by area and period, a member's ladder rung."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import timedelta

from sqlalchemy import func, select

from core.domain.areas import Area
from core.domain.reputation import Ladder, ladder_rung
from core.domain.supports import SupportKind
from core.services import leaderboards
from core.services.areas import get_area
from core.services.leaderboards import Period
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["Entry", "Leaderboard", "Period", "Standing", "leaderboard", "set_opt_out", "standing"]

LADDER_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Entry:
    rank: int
    member_id: int
    name: str
    points: int


@dataclass(frozen=True)
class Leaderboard:
    area_name: str | None  # None: national
    period: Period
    entries: tuple[Entry, ...]
    viewer: Entry | None


@dataclass(frozen=True)
class Standing:
    name: str
    rung: Ladder
    points: int
    opted_out: bool
    home_area: str | None


def leaderboard(
    uow: UnitOfWork, period: Period, area_id: int | None = None, viewer_id: int | None = None, size: int = 10
) -> Leaderboard:
    """Members by points won in ``area_id`` and its sub-areas (all of them
    when None) over the current ``period`` (this week, this month, all time,
    in the deployment's time zone). Members who opted out are not listed;
    the viewer sees their own rank all the same."""
    with uow:
        area: Area | None = get_area(uow, area_id) if area_id is not None else None
        entries = [Entry(*astuple(r)) for r in leaderboards.top(uow, period, area_id, size)]
        viewer = next((e for e in entries if e.member_id == viewer_id), None)
        if viewer is None and viewer_id is not None:
            mine = leaderboards.rank_of(uow, viewer_id, period, area_id)
            viewer = Entry(*astuple(mine)) if mine else None
    return Leaderboard(area.name if area else None, period, tuple(entries), viewer)


def standing(uow: UnitOfWork, member_id: int) -> Standing:
    """A member's rung on the participation ladder (last 90 days) and points."""
    i, po, c, s, f = (
        tables.initiatives.c,
        tables.posts.c,
        tables.comments.c,
        tables.supports.c,
        tables.follows.c,
    )
    with uow:
        member = get_member(uow, member_id)
        since = uow.now() - LADDER_WINDOW

        def count(stmt: object) -> int:
            return int(uow.session.scalar(stmt) or 0)  # type: ignore[call-overload]

        proposed = count(
            select(func.count()).where(
                i.author_id == member_id, i.created_at >= since, i.counter_to_id.is_(None)
            )
        )
        posted = count(select(func.count()).where(po.author_id == member_id, po.created_at >= since))
        commented = count(select(func.count()).where(c.author_id == member_id, c.created_at >= since))
        countered = count(
            select(func.count()).where(
                i.author_id == member_id, i.created_at >= since, i.counter_to_id.is_not(None)
            )
        )
        joined = count(
            select(func.count())
            .select_from(tables.supports.join(tables.initiatives, i.id == s.initiative_id))
            .where(s.member_id == member_id, s.created_at >= since, i.author_id != member_id)
        )
        volunteered = count(
            select(func.count()).where(
                s.member_id == member_id, s.created_at >= since, s.kind == SupportKind.VOLUNTEER
            )
        )
        follows = count(select(func.count()).where(f.member_id == member_id))
        points = count(
            select(func.coalesce(func.sum(tables.points.c.points), 0)).where(
                tables.points.c.member_id == member_id
            )
        )
        home = get_area(uow, member.home_area_id).name if member.home_area_id else None
    rung = ladder_rung(
        created=proposed + posted,
        criticised=commented + countered,
        joined=joined + volunteered,
        follows=follows,
    )
    return Standing(member.display_name, rung, points, member.leaderboard_opt_out, home)


def set_opt_out(uow: UnitOfWork, member_id: int, opt_out: bool) -> None:
    """A member may stay off the leaderboards."""
    with uow:
        get_member(uow, member_id).leaderboard_opt_out = opt_out
        leaderboards.set_listed(uow, member_id, not opt_out)
        uow.commit()
