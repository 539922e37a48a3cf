"""Standing out: leaderboards by area and period, a member's ladder rung."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from core.domain.areas import Area
from core.domain.reputation import Ladder
from core.services import leaderboards, profiles
from core.services.areas import get_area
from core.services.leaderboards import Period
from core.services.members import get_member
from core.storage.uow import UnitOfWork

__all__ = ["Entry", "Leaderboard", "Period", "Standing", "leaderboard", "set_opt_out", "standing"]


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
    """A member's rung on the participation ladder (last 90 days) and points,
    as their own profile reads them (core.services.profiles)."""
    with uow:
        mine = profiles.read_profile(uow, member_id, member_id)
    return Standing(mine.name, mine.rung, mine.points, mine.hidden, mine.area_name)


def set_opt_out(uow: UnitOfWork, member_id: int, opt_out: bool) -> None:
    """A member may stay off the leaderboards."""
    with uow:
        get_member(uow, member_id).leaderboard_opt_out = opt_out
        leaderboards.set_listed(uow, member_id, not opt_out)
        uow.commit()
