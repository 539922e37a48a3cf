"""Read models of the public web pages, for a reader nobody knows.

Each page is read through the services the chat uses (browse, timeline,
initiatives, officials, leaderboards, the moderation log) with no viewer, so
the rules are theirs: a hidden initiative is not readable
(``Initiative.readable_by`` with no viewer), a removed one answers with its
tombstone, hidden or removed posts, comments and responses keep their place
without their text. What the chat does not read, this module adds: an
initiative's status history, its responses' former versions, an area with
its sub-areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.config import Settings
from core.domain.initiatives import Status
from core.domain.responses import Position
from core.errors import NotFound
from core.services import browse, leaderboards, timeline
from core.services.areas import AreaView, area_children, area_views, get_area, lookup_areas
from core.services.browse import BrowsePage
from core.services.initiatives import InitiativeView, initiative_view
from core.services.leaderboards import Period, Ranked
from core.services.moderation.log import LogPage, moderation_log
from core.services.officials import (
    AreaOfficials,
    OfficialProfile,
    ResponseView,
    official_profile,
    officials_of_area,
    responses_for,
)
from core.services.timeline import TimelinePage
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "LEADERBOARD_SIZE",
    "LIST_SIZE",
    "TIMELINE_SIZE",
    "AreaPage",
    "HomePage",
    "InitiativePage",
    "LeaderboardPage",
    "ResponseWithRevisions",
    "Revision",
    "StatusChange",
    "area_page",
    "area_search",
    "home_page",
    "initiative_card",
    "initiative_page",
    "leaderboard_page",
    "moderation_page",
    "official_page",
    "status_history",
    "topic_page",
]

#: Initiatives per list on the home, area and topic pages.
LIST_SIZE = 10
#: Timeline entries per page of an initiative's page.
TIMELINE_SIZE = 20
LEADERBOARD_SIZE = 20


@dataclass(frozen=True)
class StatusChange:
    old: Status
    new: Status
    at: datetime


def _status_history(uow: UnitOfWork, initiative_id: int) -> list[StatusChange]:
    s = tables.status_changes.c
    rows = uow.session.execute(
        select(s.old, s.new, s.at).where(s.initiative_id == initiative_id).order_by(s.at, s.id)
    ).all()
    return [StatusChange(Status(old), Status(new), at) for old, new, at in rows]


def status_history(uow: UnitOfWork, initiative_id: int) -> list[StatusChange]:
    """Every status change of an initiative, oldest first (since the history
    is kept: an initiative older than it may show fewer). It says nothing of
    whether the initiative may be read: check that first."""
    with uow.transaction(writes=False):
        return _status_history(uow, initiative_id)


@dataclass(frozen=True)
class Revision:
    """A former version of a response, as it was published."""

    position: Position
    body: str
    at: datetime


@dataclass(frozen=True)
class ResponseWithRevisions:
    response: ResponseView
    #: Former versions, oldest first.
    revisions: tuple[Revision, ...]


def _revisions(uow: UnitOfWork, response_ids: list[int]) -> dict[int, list[Revision]]:
    if not response_ids:
        return {}
    rv = tables.response_revisions.c
    found: dict[int, list[Revision]] = {}
    rows = uow.session.execute(
        select(rv.response_id, rv.position, rv.body, rv.created_at)
        .where(rv.response_id.in_(response_ids))
        .order_by(rv.created_at, rv.id)
    )
    for response_id, position, body, at in rows:
        found.setdefault(int(response_id), []).append(Revision(Position(position), str(body), at))
    return found


@dataclass(frozen=True)
class InitiativePage:
    initiative: InitiativeView
    #: The areas containing it, nearest first (for the breadcrumb).
    area: AreaView
    history: tuple[StatusChange, ...]
    timeline: TimelinePage
    #: The visible responses with their former versions.
    responses: tuple[ResponseWithRevisions, ...]


def initiative_page(uow: UnitOfWork, initiative_id: int, page: int = 0) -> InitiativePage:
    """Everything an initiative's page shows to anyone; NotFound when it does
    not exist, is hidden (``error.initiative_hidden``) or removed
    (``error.initiative_removed``), as the chat says it. One read transaction."""
    with uow.transaction(writes=False):
        view = initiative_view(uow, initiative_id)
        story = timeline.timeline(uow, initiative_id, None, page, size=TIMELINE_SIZE)
        answers = responses_for(uow, initiative_id)
        area = area_views(uow, [get_area(uow, view.area_id)])[0]
        history = _status_history(uow, initiative_id)
        revisions = _revisions(uow, [r.id for r in answers])
    return InitiativePage(
        initiative=view,
        area=area,
        history=tuple(history),
        timeline=story,
        responses=tuple(ResponseWithRevisions(r, tuple(revisions.get(r.id, ()))) for r in answers),
    )


@dataclass(frozen=True)
class HomePage:
    new: BrowsePage
    trending: BrowsePage
    topics: tuple[str, ...]


def home_page(uow: UnitOfWork, settings: Settings) -> HomePage:
    """The newest and the trending initiatives, and the topics to browse."""
    with uow.transaction(writes=False):
        return HomePage(
            new=browse.browse_new(uow, size=LIST_SIZE),
            trending=browse.browse_trending(uow, size=LIST_SIZE),
            topics=tuple(settings.topics),
        )


def topic_page(uow: UnitOfWork, topic: str, settings: Settings, page: int = 0) -> BrowsePage:
    """Live initiatives of a topic; NotFound for a topic the deployment does not have."""
    if topic not in settings.topics:
        raise NotFound("error.not_found")
    with uow.transaction(writes=False):
        return browse.browse_topic(uow, topic, settings, page, size=LIST_SIZE)


@dataclass(frozen=True)
class AreaPage:
    area: AreaView
    #: The areas directly inside it, by name.
    children: tuple[AreaView, ...]
    #: Live initiatives of the area and of every area inside it.
    initiatives: BrowsePage
    officials: AreaOfficials


def area_page(uow: UnitOfWork, area_id: int, page: int = 0) -> AreaPage:
    """An area, its sub-areas, its initiatives (sub-areas included) and the
    officials who answer for it; NotFound for an unknown area."""
    with uow.transaction(writes=False):
        area = get_area(uow, area_id)
        return AreaPage(
            area=area_views(uow, [area])[0],
            children=tuple(area_views(uow, area_children(uow, area_id))),
            initiatives=browse.browse_area(uow, area_id, page, size=LIST_SIZE),
            officials=officials_of_area(uow, f"#{area_id}"),
        )


def official_page(uow: UnitOfWork, member_id: int) -> OfficialProfile:
    """An official's mandates and record (answered, pending, median days);
    NotFound for a member who never held a mandate."""
    with uow.transaction(writes=False):
        return official_profile(uow, member_id)


@dataclass(frozen=True)
class LeaderboardPage:
    period: Period
    #: None: the national board.
    area: AreaView | None
    ranked: tuple[Ranked, ...]


def leaderboard_page(uow: UnitOfWork, period: Period, area_id: int | None = None) -> LeaderboardPage:
    """The current ``period``'s first members, nationally or in an area
    (members who chose not to be listed never are); NotFound for an unknown area."""
    with uow.transaction(writes=False):
        area = area_views(uow, [get_area(uow, area_id)])[0] if area_id is not None else None
        ranked = leaderboards.top(uow, period, area_id, LEADERBOARD_SIZE)
    return LeaderboardPage(period=period, area=area, ranked=tuple(ranked))


def moderation_page(uow: UnitOfWork, page: int = 0) -> LogPage:
    """The public moderation log: every decision, its reason and date, never
    who reported nor which moderator decided."""
    with uow.transaction(writes=False):
        return moderation_log(uow, page)


def initiative_card(uow: UnitOfWork, initiative_id: int) -> InitiativeView:
    """What the share preview shows; NotFound as for initiative_page."""
    with uow.transaction(writes=False):
        return initiative_view(uow, initiative_id)


def area_search(uow: UnitOfWork, query: str) -> list[AreaView]:
    """Areas matching a name or a code, with what contains them."""
    with uow.transaction(writes=False):
        return lookup_areas(uow, query)
