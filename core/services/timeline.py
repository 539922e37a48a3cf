"""An initiative's timeline: its story in order, from its creation to real
action, with the news, comments, official responses and counter-proposals.

Milestones come from the initiative itself (created_at, goal_reached_at,
status_changed_at and its current status), not from the outbox. Moderated
content keeps its place: hidden content shows as "hidden pending review"
without its text, removed content as a tombstone, and so does a comment its
author deleted.

One page is two kinds of queries: a UNION of the (kind, id, date) keys of
every entry, numbered, counted and cut in SQL (one statement, whichever the
page, the last one included), then the page's details, one query per kind of
entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    func,
    literal,
    select,
    union_all,
)

from core.domain.initiatives import Initiative, Status, Visibility
from core.domain.paging import page_count
from core.services import contributions
from core.services.browse import MAX_PAGE
from core.services.initiatives import ensure_readable, get_initiative
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "PAGE_SIZE",
    "EntryKind",
    "Story",
    "TimelineEntry",
    "TimelinePage",
    "latest",
    "story_order",
    "timeline",
]

PAGE_SIZE = 5


class EntryKind(StrEnum):
    CREATED = "created"
    GOAL_REACHED = "goal_reached"
    STATUS = "status"
    POST = "post"
    COMMENT = "comment"
    RESPONSE = "response"
    COUNTER = "counter"


#: Among entries of the same moment: the creation first, then what people
#: wrote, then the milestones it led to (a response, then "answered").
_RANK = {
    EntryKind.CREATED: 0,
    EntryKind.POST: 1,
    EntryKind.COMMENT: 1,
    EntryKind.RESPONSE: 1,
    EntryKind.COUNTER: 1,
    EntryKind.GOAL_REACHED: 2,
    EntryKind.STATUS: 3,
}

#: Statuses that the creation and goal entries already tell.
_TOLD = (Status.OPEN, Status.GOAL_REACHED)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the story. ``text`` and ``author`` are None unless the
    content is visible; ``visibility`` says why (hidden, removed)."""

    kind: str
    at: datetime
    ref_id: int
    visibility: str = Visibility.VISIBLE
    text: str | None = None
    author: str | None = None
    #: A status entry's status; a response's position.
    status: str | None = None
    position: str | None = None
    #: An official's mandate title ("Maire de Lyon"), for responses.
    official_title: str | None = None
    edited: bool = False
    #: The viewer wrote it (a post or comment): they may edit it.
    mine: bool = False


def story_order(entry: TimelineEntry) -> tuple[datetime, int]:
    """The timeline's order, for entries gathered from elsewhere too (a
    status history): by date, then what was written before the milestones."""
    return (entry.at, _RANK[EntryKind(entry.kind)])


@dataclass(frozen=True)
class TimelinePage:
    initiative_id: int
    title: str
    entries: tuple[TimelineEntry, ...]
    page: int
    has_next: bool
    total: int
    page_size: int
    #: What the viewer may add (decides the buttons; the core checks again).
    viewer_may_post: bool
    viewer_may_comment: bool

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def _entry(kind: EntryKind, ref: Any, at: Any) -> Select[Any]:
    return select(
        literal(kind.value).label("kind"),
        ref.label("ref"),
        at.label("at"),
        literal(_RANK[kind]).label("rank"),
    )


def _keys(initiative_id: Any) -> CompoundSelect[Any]:
    """Every entry of the timeline as (kind, ref id, date, rank); the id may
    be a bound parameter."""
    i, p, c, r = tables.initiatives.c, tables.posts.c, tables.comments.c, tables.responses.c
    return union_all(
        _entry(EntryKind.CREATED, i.id, i.created_at).where(i.id == initiative_id),
        _entry(EntryKind.GOAL_REACHED, i.id, i.goal_reached_at).where(
            i.id == initiative_id, i.goal_reached_at.is_not(None)
        ),
        _entry(EntryKind.STATUS, i.id, i.status_changed_at).where(
            i.id == initiative_id, i.status.not_in(_TOLD), i.status_changed_at.is_not(None)
        ),
        _entry(EntryKind.POST, p.id, p.created_at).where(p.initiative_id == initiative_id),
        _entry(EntryKind.COMMENT, c.id, c.created_at).where(c.initiative_id == initiative_id),
        _entry(EntryKind.RESPONSE, r.id, r.created_at).where(r.initiative_id == initiative_id),
        _entry(EntryKind.COUNTER, i.id, i.created_at).where(i.counter_to_id == initiative_id),
    )


def _shown(visibility: str, text: str, author: str) -> dict[str, object]:
    if visibility == Visibility.VISIBLE:
        return {"visibility": visibility, "text": text, "author": author}
    return {"visibility": visibility}


def _details(
    uow: UnitOfWork,
    initiative: Initiative,
    keys: list[tuple[str, int, datetime]],
    viewer_id: int | None,
    author_name: str | None = None,
) -> list[TimelineEntry]:
    """The page's entries in the order of ``keys``, one query per kind
    (``author_name``: the initiative's author, when read with the keys)."""
    assert initiative.id is not None
    initiative_id = initiative.id
    wanted: dict[str, list[int]] = {}
    for kind, ref, _at in keys:
        wanted.setdefault(kind, []).append(ref)
    m = tables.members.c
    found: dict[tuple[str, int], dict[str, object]] = {}
    for kind, table in ((EntryKind.POST, tables.posts), (EntryKind.COMMENT, tables.comments)):
        if kind.value in wanted:
            t = table.c
            rows = uow.session.execute(
                select(t.id, t.body, t.visibility, m.display_name, t.edited_at, t.author_id)
                .join(tables.members, m.id == t.author_id)
                .where(t.id.in_(wanted[kind.value]))
            )
            for rid, body, visibility, name, edited_at, author_id in rows:
                entry = _shown(str(visibility), str(body), str(name))
                if visibility == Visibility.VISIBLE:
                    entry.update(edited=edited_at is not None, mine=author_id == viewer_id)
                found[(kind.value, int(rid))] = entry
    if EntryKind.RESPONSE.value in wanted:
        r, md = tables.responses.c, tables.mandates.c
        responses = uow.session.execute(
            select(
                r.id, r.body, r.visibility, m.display_name, r.position, md.title, r.created_at, r.updated_at
            )
            .join(tables.members, m.id == r.official_id)
            .join(tables.mandates, md.id == r.mandate_id)
            .where(r.id.in_(wanted[EntryKind.RESPONSE.value]))
        )
        for rid, body, visibility, name, position, title, created, updated in responses:
            entry = _shown(str(visibility), str(body), str(name))
            if visibility == Visibility.VISIBLE:
                entry.update(position=str(position), official_title=str(title), edited=updated != created)
            found[(EntryKind.RESPONSE.value, int(rid))] = entry
    if EntryKind.COUNTER.value in wanted:
        i = tables.initiatives.c
        counters = uow.session.execute(
            select(i.id, i.title, i.visibility, m.display_name)
            .join(tables.members, m.id == i.author_id)
            .where(i.id.in_(wanted[EntryKind.COUNTER.value]))
        )
        for rid, title, visibility, name in counters:
            found[(EntryKind.COUNTER.value, int(rid))] = _shown(str(visibility), str(title), str(name))
    if EntryKind.CREATED.value in wanted:
        if author_name is None:
            author_name = uow.session.scalar(select(m.display_name).where(m.id == initiative.author_id))
        found[(EntryKind.CREATED.value, initiative_id)] = {"text": initiative.title, "author": author_name}
    found[(EntryKind.STATUS.value, initiative_id)] = {"status": initiative.status}
    found[(EntryKind.GOAL_REACHED.value, initiative_id)] = {"status": Status.GOAL_REACHED}
    entries = []
    for kind, ref, at in keys:
        extra = dict(found.get((kind, ref), {}))
        entries.append(TimelineEntry(kind=kind, at=at, ref_id=ref, **extra))  # type: ignore[arg-type]
    return entries


@cache
def _page_statement(last: bool) -> Select[Any]:
    """One page of keys with the total and the author's name, built once.
    Parameters: initiative_id, author_id, size and, unless ``last`` (the
    last page, wherever it falls), first (how many entries come before)."""
    keys = _keys(bindparam("initiative_id")).subquery("entries")
    numbered = select(
        keys.c.kind,
        keys.c.ref,
        keys.c.at,
        func.row_number().over(order_by=(keys.c.at, keys.c.rank, keys.c.kind, keys.c.ref)).label("n"),
        func.count().over().label("total"),
    ).subquery("numbered")
    size: BindParameter[int] = bindparam("size", type_=Integer)
    first = (numbered.c.total - 1) // size * size if last else bindparam("first", type_=Integer)
    m = tables.members.c
    author = select(m.display_name).where(m.id == bindparam("author_id")).scalar_subquery()
    return (
        select(numbered.c.kind, numbered.c.ref, numbered.c.at, numbered.c.total, author)
        .where(numbered.c.n > first, numbered.c.n <= first + size + 1)
        .order_by(numbered.c.n)
    )


def timeline(
    uow: UnitOfWork,
    initiative_id: int,
    viewer_id: int | None = None,
    page: int = 0,
    *,
    size: int = PAGE_SIZE,
    last: bool = False,
) -> TimelinePage:
    """One page of the timeline, oldest first; ``page`` counts from 0, and
    ``last`` asks for the last page (where what was just written appears).

    Like the initiative's card, a hidden initiative's timeline is shown only
    to its author and to moderators; a removed one is not found. The page's
    keys, the total and the author's name are one statement.
    """
    page = min(max(0, page), MAX_PAGE)
    with uow:
        initiative = get_initiative(uow, initiative_id)
        ensure_readable(uow, initiative, viewer_id)
        rows = uow.session.execute(
            _page_statement(last),
            {
                "initiative_id": initiative_id,
                "author_id": initiative.author_id,
                "size": size,
                "first": page * size,
            },
        ).all()
        if rows:
            total, author_name = int(rows[0][3]), rows[0][4]
            if last:
                page = (total - 1) // size
        else:  # past the end: nothing to read but how many there are
            keys = _keys(initiative_id).subquery("entries")
            total, author_name = int(uow.session.scalar(select(func.count()).select_from(keys)) or 0), None
        shown = [(str(k), int(ref), at) for k, ref, at, _total, _author in rows[:size]]
        entries = _details(uow, initiative, shown, viewer_id, author_name)
        writable = contributions.open_to_writing(initiative)
        team = viewer_id is not None and contributions.is_team(uow, viewer_id, initiative)
        return TimelinePage(
            initiative_id=initiative_id,
            title=initiative.title,
            entries=tuple(entries),
            page=page,
            has_next=len(rows) > size,
            total=total,
            page_size=size,
            viewer_may_post=writable and team,
            viewer_may_comment=writable and viewer_id is not None,
        )


@dataclass(frozen=True)
class Story:
    """The newest entries of an initiative's timeline, as anyone reads them
    (feeds): what is hidden, removed or deleted is left out, not shown as such."""

    initiative_id: int
    title: str
    description: str
    status: str
    area_name: str
    topic: str
    created_at: datetime
    entries: tuple[TimelineEntry, ...]


def latest(uow: UnitOfWork, initiative_id: int, limit: int) -> Story:
    """The ``limit`` newest entries anyone may read, newest first. The
    initiative itself is read as an anonymous viewer reads it: a hidden one
    is not found, like a removed one."""
    with uow.transaction(writes=False):
        initiative = get_initiative(uow, initiative_id)
        ensure_readable(uow, initiative, None)
        keys = _keys(initiative_id).subquery("entries")
        rows = uow.session.execute(
            select(keys.c.kind, keys.c.ref, keys.c.at)
            .order_by(keys.c.at.desc(), keys.c.rank.desc(), keys.c.kind.desc(), keys.c.ref.desc())
            .limit(limit)
        ).all()
        entries = _details(uow, initiative, [(str(k), int(ref), at) for k, ref, at in rows], None)
        area_name = str(
            uow.session.scalar(select(tables.areas.c.name).where(tables.areas.c.id == initiative.area_id))
        )
        shown = tuple(e for e in entries if e.visibility == Visibility.VISIBLE)
        return Story(
            initiative_id=initiative_id,
            title=initiative.title,
            description=initiative.description,
            status=str(initiative.status),
            area_name=area_name,
            topic=initiative.topic,
            created_at=initiative.created_at,
            entries=shown,
        )
