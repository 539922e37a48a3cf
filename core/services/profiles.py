"""A member's public card (/profile) and one's own (/me): ladder rung,
points, badges, rank in their area, initiatives proposed and achieved,
responses as an official — read in three statements, whatever the history.

Who sees what is ``core.domain.profiles.profile_shown_to``: a member who hides
from the leaderboards hides their profile too, from everyone but themselves
and the moderators.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select

from core.domain.badges import EarnedBadge
from core.domain.initiatives import Status
from core.domain.members import FORGOTTEN_NAME
from core.domain.profiles import profile_shown_to
from core.domain.reputation import Ladder, ladder_rung
from core.domain.supports import SupportKind
from core.errors import NotFound
from core.services import badges, leaderboards
from core.services.leaderboards import Period
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["LADDER_WINDOW", "OwnSettings", "Profile", "profile", "read_profile"]

#: The participation ladder looks at the last 90 days.
LADDER_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class OwnSettings:
    """One's own settings, shown on /me."""

    language: str
    time_zone: str
    digest_frequency: str
    digest_time: str
    quiet_start: str
    quiet_end: str


@dataclass(frozen=True)
class Profile:
    member_id: int
    name: str
    #: The member hides from leaderboards and profiles.
    hidden: bool
    #: False: the reader is told the profile is hidden, and nothing else is
    #: filled in (everything below is empty).
    shown: bool
    #: The member erased their account (/forget): a nameless former member.
    forgotten: bool = False
    rung: Ladder = Ladder.INACTIVE
    points: int = 0
    area_id: int | None = None
    area_name: str | None = None
    #: Rank among the listed members of their home area, all time (a hidden
    #: member's own rank, as if listed, shown to themselves only).
    rank: int | None = None
    badges: tuple[EarnedBadge, ...] = ()
    proposed: int = 0
    achieved: int = 0
    #: Responses published as an official.
    responses: int = 0
    settings: OwnSettings | None = None


def _count(stmt: Any) -> Any:
    return stmt.scalar_subquery()


def _rung_columns(member_id: int, since: Any) -> list[Any]:
    """Whether the member created, criticised, joined (last 90 days) or
    follows anything: EXISTS each, so reading them stops at the first row."""
    i, po, c, s, f = (
        tables.initiatives.c,
        tables.posts.c,
        tables.comments.c,
        tables.supports.c,
        tables.follows.c,
    )
    created = or_(
        exists().where(i.author_id == member_id, i.created_at >= since, i.counter_to_id.is_(None)),
        exists().where(po.author_id == member_id, po.created_at >= since),
    )
    criticised = or_(
        exists().where(c.author_id == member_id, c.created_at >= since),
        exists().where(i.author_id == member_id, i.created_at >= since, i.counter_to_id.is_not(None)),
    )
    joined = exists().where(
        s.member_id == member_id,
        s.created_at >= since,
        or_(
            s.kind == SupportKind.VOLUNTEER.value,
            exists().where(i.id == s.initiative_id, i.author_id != member_id),
        ),
    )
    follows = exists().where(f.member_id == member_id)
    return [
        created.label("created"),
        criticised.label("criticised"),
        joined.label("joined"),
        follows.label("follows"),
    ]


def read_profile(
    uow: UnitOfWork, member_id: int, viewer_id: int | None, viewer_roles: Collection[str] = ()
) -> Profile:
    """Inside an open unit of work: the member's profile as ``viewer_id``
    (None: anyone, in a group) may see it. NotFound when there is no such member."""
    m, a, i, r = tables.members.c, tables.areas.c, tables.initiatives.c, tables.responses.c
    lp = tables.leaderboard_points.c
    since = uow.now() - LADDER_WINDOW
    everything = leaderboards.period_start(Period.ALL, uow.now(), uow.time_zone)
    points = _count(
        select(lp.points).where(
            lp.area_id == leaderboards.NATIONAL,
            lp.period == Period.ALL.value,
            lp.start == everything,
            lp.member_id == member_id,
        )
    )
    proposed = _count(
        select(func.count()).where(i.author_id == member_id, i.counter_to_id.is_(None))
    )
    achieved = _count(
        select(func.count()).where(i.author_id == member_id, i.status == Status.ACHIEVED.value)
    )
    responses = _count(select(func.count()).where(r.official_id == member_id))
    row = uow.session.execute(
        select(
            m.display_name,
            m.leaderboard_opt_out,
            m.home_area_id,
            a.name,
            m.language,
            m.time_zone,
            m.digest_frequency,
            m.digest_time,
            m.quiet_start,
            m.quiet_end,
            points.label("points"),
            proposed.label("proposed"),
            achieved.label("achieved"),
            responses.label("responses"),
            *_rung_columns(member_id, since),
        )
        .outerjoin(tables.areas, a.id == m.home_area_id)
        .where(m.id == member_id)
    ).first()
    if row is None:
        raise NotFound("error.member_not_found", id=member_id)
    hidden = bool(row.leaderboard_opt_out)
    forgotten = row.display_name == FORGOTTEN_NAME
    if not profile_shown_to(hidden, member_id, viewer_id, viewer_roles):
        return Profile(member_id, str(row.display_name), hidden, shown=False, forgotten=forgotten)
    area_id = int(row.home_area_id) if row.home_area_id is not None else None
    rank = None
    if area_id is not None and (not hidden or viewer_id == member_id):
        ranked = leaderboards.rank_of(uow, member_id, Period.ALL, area_id)
        rank = ranked.rank if ranked else None
    own = viewer_id == member_id
    return Profile(
        member_id=member_id,
        name=str(row.display_name),
        hidden=hidden,
        shown=True,
        forgotten=forgotten,
        rung=ladder_rung(
            created=int(bool(row.created)),
            criticised=int(bool(row.criticised)),
            joined=int(bool(row.joined)),
            follows=int(bool(row.follows)),
        ),
        points=int(row.points or 0),
        area_id=area_id,
        area_name=str(row.name) if row.name is not None else None,
        rank=rank,
        badges=badges.earned_by(uow, member_id),
        proposed=int(row.proposed or 0),
        achieved=int(row.achieved or 0),
        responses=int(row.responses or 0),
        settings=OwnSettings(
            str(row.language),
            str(row.time_zone),
            str(row.digest_frequency),
            str(row.digest_time),
            str(row.quiet_start),
            str(row.quiet_end),
        )
        if own
        else None,
    )


def profile(
    uow: UnitOfWork, member_id: int, viewer_id: int | None, viewer_roles: Collection[str] = ()
) -> Profile:
    """``read_profile`` in its own unit of work."""
    with uow:
        return read_profile(uow, member_id, viewer_id, viewer_roles)
