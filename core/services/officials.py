"""Officials: claiming a mandate with an invite code, answering initiatives
in public, and the public record of how they answer.

An official may answer an initiative when one of their active mandates
covers its area (a mayor of Lyon answers in Lyon, a national mandate
everywhere). One response per mandate and initiative: answering again edits
it and keeps the former version, so nothing said in public disappears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from core.config import Settings
from core.domain.areas import Area
from core.domain.events import InitiativeStatusChanged, ResponsePosted
from core.domain.initiatives import Initiative, Status, Visibility
from core.domain.invites import InviteCode
from core.domain.members import Mandate, Member, Role
from core.domain.moderation import TargetType
from core.domain.reputation import PointReason, initiative_ref
from core.domain.responses import RESPONSE_MAX, OfficialRecord, Position, Response, ResponseRevision
from core.domain.text import clean_text
from core.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from core.services import area_ladder, flows, reputation, screening
from core.services.admin import MemberRef, active_mandates, add_role, resolve_member
from core.services.area_ladder import AreaLadder
from core.services.areas import find_area, get_area
from core.services.initiatives import ensure_readable, get_initiative
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "AREA_OFFICIALS_MAX",
    "AWAITING_MAX",
    "RESPOND_FLOW",
    "AreaOfficials",
    "AwaitingView",
    "Claimed",
    "OfficialProfile",
    "OfficialSummary",
    "ResponseResult",
    "ResponseTarget",
    "ResponseView",
    "awaiting_my_response",
    "claim",
    "normalise_code",
    "official_profile",
    "official_record",
    "officials_of_area",
    "parse_position",
    "respond",
    "response_target",
    "responses_for",
    "validate_response_text",
]

#: The name of the guided flow of /respond (its state is kept by core.services.flows).
RESPOND_FLOW = "respond"
AWAITING_MAX = 20
AREA_OFFICIALS_MAX = 15

#: Statuses in which an initiative no longer takes responses: it was taken
#: off by its author or by the moderators.
_NOT_ANSWERABLE = (Status.WITHDRAWN, Status.CLOSED)


# --- claiming a mandate ------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    mandate_id: int
    title: str
    area_id: int
    area_name: str


def normalise_code(code: str) -> str:
    """What people type ("abcde fghjk", "ABCDE-FGHJK ") -> "ABCDE-FGHJK"."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if not raw:
        raise InvalidInput("error.officials_code_expected")
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw


def claim(uow: UnitOfWork, member_id: int, code: str) -> Claimed:
    """Redeem a one-time invite code: the member becomes the official it names.

    The code's row is locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on
    SQLite): when two people redeem the same code at once, the second reads
    it redeemed and is told so.
    """
    wanted = normalise_code(code)
    with uow:
        now = uow.now()
        member = get_member(uow, member_id)
        member.ensure_may_act(now)
        invite = uow.session.scalars(
            select(InviteCode).where(tables.invite_codes.c.code == wanted).with_for_update()
        ).one_or_none()
        if invite is None:
            raise NotFound("error.officials_code_unknown", code=wanted)
        if invite.redeemed_by == member_id:
            raise Conflict("error.officials_code_yours")
        invite.redeem(member_id, now)
        area = get_area(uow, invite.area_id)
        assert area.id is not None
        if any(mandate.area_id == area.id for mandate, _area in active_mandates(uow, member_id)):
            raise Conflict("error.officials_already_mandate", area=area.name)
        mandate = Mandate(member_id=member_id, area_id=area.id, title=invite.title, verified_at=now)
        uow.session.add(mandate)
        uow.session.flush()
        assert mandate.id is not None
        add_role(uow, member_id, Role.OFFICIAL)
        uow.commit()
        return Claimed(mandate_id=mandate.id, title=mandate.title, area_id=area.id, area_name=area.name)


# --- answering ---------------------------------------------------------------


def parse_position(value: str) -> Position:
    try:
        return Position(value)
    except ValueError as exc:
        raise InvalidInput("error.officials_position") from exc


def validate_response_text(text: str) -> str:
    return clean_text(text, field="text", max_length=RESPONSE_MAX, multiline=True)


@dataclass(frozen=True)
class ResponseTarget:
    """Who answers what, checked: the mandate the response will be given
    under, and the response it would replace."""

    initiative_id: int
    initiative_title: str
    area_name: str
    mandate_id: int
    mandate_title: str
    current_position: str | None
    current_body: str | None


@dataclass(frozen=True)
class _Checked:
    member: Member
    initiative: Initiative
    area: Area
    mandate: Mandate
    existing: Response | None


def _check(uow: UnitOfWork, official_id: int, initiative_id: int, *, lock: bool = False) -> _Checked:
    """Inside an open unit of work: may this member answer this initiative,
    and under which mandate? Raises the refusal a person should read."""
    member = get_member(uow, official_id)
    member.ensure_may_act(uow.now())
    mandates = active_mandates(uow, official_id)
    if not mandates:
        raise Forbidden("error.officials_not_official")
    initiative = get_initiative(uow, initiative_id, for_update=lock)
    initiative.ensure_visible()
    if initiative.status in _NOT_ANSWERABLE:
        raise InvalidState("error.officials_not_answerable", status=initiative.status)
    area = get_area(uow, initiative.area_id)
    covering = [mandate for mandate, mandate_area in mandates if mandate.covers(mandate_area, area)]
    if not covering:
        raise Forbidden("error.officials_outside_area", id=initiative_id, area=area.name)
    r = tables.responses.c
    existing = uow.session.scalars(
        select(Response)
        .where(r.initiative_id == initiative_id, r.mandate_id.in_([m.id for m in covering]))
        .order_by(r.id)
    ).first()
    if existing is not None and existing.visibility == Visibility.REMOVED:
        raise InvalidState("error.content_removed")
    # Editing keeps the mandate the response was given under; a new one is
    # given under the most local mandate that covers the area.
    mandate = next(m for m in covering if existing is None or m.id == existing.mandate_id)
    return _Checked(member, initiative, area, mandate, existing)


def response_target(uow: UnitOfWork, official_id: int, initiative_id: int) -> ResponseTarget:
    """Check, before a /respond flow starts, that the member may answer."""
    with uow:
        checked = _check(uow, official_id, initiative_id)
        assert checked.mandate.id is not None
        return ResponseTarget(
            initiative_id=initiative_id,
            initiative_title=checked.initiative.title,
            area_name=checked.area.name,
            mandate_id=checked.mandate.id,
            mandate_title=checked.mandate.title,
            current_position=checked.existing.position if checked.existing else None,
            current_body=checked.existing.body if checked.existing else None,
        )


@dataclass(frozen=True)
class ResponseResult:
    response_id: int
    initiative_id: int
    mandate_title: str
    edited: bool
    #: (old, new) when this first response moved the initiative to answered.
    status_change: tuple[str, str] | None


def respond(
    uow: UnitOfWork,
    official_id: int,
    initiative_id: int,
    position: str,
    text: str,
    settings: Settings,
    *,
    from_flow: str | None = None,
) -> ResponseResult:
    """Publish an official's response, or edit theirs (the former version is
    kept as a revision).

    Authorised here, whatever the front end checked before: an active
    mandate covering the initiative's area, a member not suspended. The
    initiative's row is locked, so two first responses at once move it to
    answered, and reward its author, once. With ``from_flow`` (the step of
    the respond flow it comes from) the flow closes in the same transaction:
    a Publish pressed twice publishes once. ``settings`` is taken like every
    write use case's; no setting applies to responses yet.
    """
    chosen = parse_position(position)
    body = validate_response_text(text)
    with uow:
        now = uow.now()
        checked = _check(uow, official_id, initiative_id, lock=True)
        initiative, mandate, response = checked.initiative, checked.mandate, checked.existing
        if from_flow is not None:
            flows.finish(uow, official_id, RESPOND_FLOW, from_flow)
        status_change = None
        if response is not None:
            if response.position == chosen and response.body == body:
                raise Conflict("error.officials_response_unchanged")
            assert response.id is not None
            uow.session.add(
                ResponseRevision(
                    response_id=response.id,
                    position=response.position,
                    body=response.body,
                    created_at=response.updated_at,
                )
            )
            response.position, response.body, response.updated_at = chosen, body, now
        else:
            r = tables.responses.c
            first = not uow.session.scalar(select(func.count()).where(r.initiative_id == initiative_id))
            assert mandate.id is not None
            response = Response(
                initiative_id=initiative_id,
                mandate_id=mandate.id,
                official_id=official_id,
                position=chosen,
                body=body,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(response)
            uow.session.flush()
            status_change = initiative.record_response(now)
            if status_change is not None:
                uow.emit(
                    InitiativeStatusChanged(
                        initiative_id=initiative_id,
                        old=Status(status_change[0]),
                        new=Status(status_change[1]),
                    )
                )
            if first:
                reputation.award(
                    uow,
                    initiative.author_id,
                    initiative.area_id,
                    PointReason.OFFICIAL_RESPONSE,
                    initiative_ref(initiative_id),
                )
        assert response.id is not None
        edited = checked.existing is not None
        uow.emit(
            ResponsePosted(
                initiative_id=initiative_id,
                response_id=response.id,
                official_id=official_id,
                position=chosen,
                edited=edited,
            )
        )
        if screening.screen(uow, TargetType.RESPONSE, response.id, body):
            response.flagged = True
        uow.commit()
        return ResponseResult(
            response_id=response.id,
            initiative_id=initiative_id,
            mandate_title=mandate.title,
            edited=edited,
            status_change=status_change,
        )


# --- reading responses -------------------------------------------------------


@dataclass(frozen=True)
class ResponseView:
    id: int
    initiative_id: int
    official_id: int
    official_name: str
    mandate_title: str
    area_name: str
    position: str
    body: str
    created_at: datetime
    updated_at: datetime
    revisions: int

    @property
    def edited(self) -> bool:
        return self.revisions > 0


def responses_for(uow: UnitOfWork, initiative_id: int, viewer_id: int | None = None) -> list[ResponseView]:
    """The public responses to an initiative, oldest first (hidden or
    removed ones are left out)."""
    r, m, a, mem = tables.responses.c, tables.mandates.c, tables.areas.c, tables.members.c
    rv = tables.response_revisions.c
    revisions = select(func.count()).where(rv.response_id == r.id).scalar_subquery()
    with uow:
        initiative = get_initiative(uow, initiative_id)
        ensure_readable(uow, initiative, viewer_id)
        rows = uow.session.execute(
            select(Response, mem.display_name, m.title, a.name, revisions)
            .join(tables.mandates, m.id == r.mandate_id)
            .join(tables.areas, a.id == m.area_id)
            .join(tables.members, mem.id == r.official_id)
            .where(r.initiative_id == initiative_id, r.visibility == Visibility.VISIBLE)
            .order_by(r.created_at, r.id)
        ).all()
        views = []
        for response, name, title, area_name, count in rows:
            assert response.id is not None
            views.append(
                ResponseView(
                    id=response.id,
                    initiative_id=initiative_id,
                    official_id=response.official_id,
                    official_name=name,
                    mandate_title=title,
                    area_name=area_name,
                    position=response.position,
                    body=response.body,
                    created_at=response.created_at,
                    updated_at=response.updated_at,
                    revisions=int(count or 0),
                )
            )
        return views


# --- what awaits an answer, and the public record --------------------------------


@dataclass(frozen=True)
class AwaitingView:
    initiative_id: int
    title: str
    area_name: str
    goal: int
    waiting_days: int


def _awaiting(official_id: int, areas_paths: list[str]) -> ColumnElement[bool]:
    """Initiatives in these areas that reached their goal and still wait
    for an answer, which this official has not given."""
    i, a, r = tables.initiatives.c, tables.areas.c, tables.responses.c
    return and_(
        or_(*(a.path.startswith(path) for path in areas_paths)),
        i.status == Status.GOAL_REACHED,
        i.visibility == Visibility.VISIBLE,
        ~exists().where(r.initiative_id == i.id, r.official_id == official_id),
    )


def _awaiting_select(official_id: int, areas_paths: list[str], *entities: Any) -> Select[Any]:
    i, a = tables.initiatives.c, tables.areas.c
    return (
        select(*entities)
        .select_from(tables.initiatives.join(tables.areas, a.id == i.area_id))
        .where(_awaiting(official_id, areas_paths))
    )


def awaiting_my_response(uow: UnitOfWork, official_id: int, limit: int = AWAITING_MAX) -> list[AwaitingView]:
    """What awaits this official's answer in their areas, longest waiting first."""
    i, a = tables.initiatives.c, tables.areas.c
    with uow:
        get_member(uow, official_id)
        mandates = active_mandates(uow, official_id)
        if not mandates:
            raise Forbidden("error.officials_not_official")
        paths = [area.path for _mandate, area in mandates]
        rows = uow.session.execute(
            _awaiting_select(official_id, paths, Initiative, a.name)
            .order_by(i.goal_reached_at, i.id)
            .limit(limit)
        ).all()
        now = uow.now()
        views = []
        for initiative, area_name in rows:
            assert initiative.id is not None
            views.append(
                AwaitingView(
                    initiative_id=initiative.id,
                    title=initiative.title,
                    area_name=area_name,
                    goal=initiative.goal,
                    waiting_days=initiative.awaiting_response_days(now) or 0,
                )
            )
        return views


def _record(uow: UnitOfWork, member_id: int) -> OfficialRecord:
    """Inside an open unit of work. Answered counts every initiative the
    member answered, under any mandate, even one since revoked; pending
    counts what waits in the areas of their active mandates."""
    r, i = tables.responses.c, tables.initiatives.c
    rows = uow.session.execute(
        select(func.min(r.created_at), i.created_at, i.goal_reached_at)
        .join(tables.initiatives, i.id == r.initiative_id)
        .where(r.official_id == member_id, r.visibility != Visibility.REMOVED)
        .group_by(r.initiative_id, i.created_at, i.goal_reached_at)
    ).all()
    delays = []
    for answered_at, created_at, goal_reached_at in rows:
        # The clock starts when the goal is reached; an answer given before
        # that is measured from the initiative's publication.
        start = (
            goal_reached_at if goal_reached_at is not None and goal_reached_at <= answered_at else created_at
        )
        delays.append(answered_at - start)
    paths = [area.path for _mandate, area in active_mandates(uow, member_id)]
    pending = 0
    if paths:
        pending = int(
            uow.session.scalar(_awaiting_select(member_id, paths, func.count(tables.initiatives.c.id))) or 0
        )
    return OfficialRecord.from_delays(delays, pending)


def _has_had_mandate(uow: UnitOfWork, member_id: int) -> bool:
    m = tables.mandates.c
    return uow.session.scalar(select(m.id).where(m.member_id == member_id).limit(1)) is not None


def official_record(uow: UnitOfWork, official_member_id: int) -> OfficialRecord:
    """Answered, pending and the median days to answer of an official."""
    with uow:
        member = get_member(uow, official_member_id)
        if not _has_had_mandate(uow, official_member_id):
            raise NotFound("error.officials_no_record", member=member.display_name)
        return _record(uow, official_member_id)


@dataclass(frozen=True)
class OfficialProfile:
    member_id: int
    name: str
    #: (title, area name, active), active mandates first.
    mandates: tuple[tuple[str, str, bool], ...]
    record: OfficialRecord
    #: How engaged each area of an active mandate is: (area name, its ladder).
    engagement: tuple[tuple[str, AreaLadder], ...] = ()


def official_profile(uow: UnitOfWork, member: MemberRef) -> OfficialProfile:
    """An official's public page: their mandates and record."""
    with uow:
        target = resolve_member(uow, member)
        assert target.id is not None
        m = tables.mandates.c
        mandates = uow.session.scalars(
            select(Mandate).where(m.member_id == target.id).order_by(m.revoked_at.is_not(None), m.id)
        ).all()
        if not mandates:
            raise NotFound("error.officials_no_record", member=target.display_name)
        covered = list(dict.fromkeys(x.area_id for x in mandates if x.active))
        ladders = area_ladder.ladders_of(uow, covered)
        return OfficialProfile(
            member_id=target.id,
            name=target.display_name,
            mandates=tuple((x.title, get_area(uow, x.area_id).name, x.active) for x in mandates),
            record=_record(uow, target.id),
            engagement=tuple((get_area(uow, a).name, ladders[a]) for a in covered),
        )


@dataclass(frozen=True)
class OfficialSummary:
    member_id: int
    name: str
    mandate_title: str
    area_name: str
    record: OfficialRecord


@dataclass(frozen=True)
class AreaOfficials:
    area_id: int
    area_name: str
    officials: tuple[OfficialSummary, ...]
    more: int


def officials_of_area(uow: UnitOfWork, area: str, limit: int = AREA_OFFICIALS_MAX) -> AreaOfficials:
    """The officials who answer for an area: those whose mandate covers it,
    the most local first, then those of the areas inside it."""
    if not area.strip():
        raise InvalidInput("error.officials_area_expected")
    m, a = tables.mandates.c, tables.areas.c
    with uow:
        found = find_area(uow, area)
        assert found.id is not None
        above = [int(x) for x in found.ancestor_ids]
        rows = uow.session.execute(
            select(Mandate, Area)
            .join(tables.areas, a.id == m.area_id)
            .where(
                m.revoked_at.is_(None),
                or_(m.area_id.in_(above), a.path.startswith(found.path)),
            )
        ).all()

        def rank(row: Any) -> tuple[int, int, str]:
            mandate, mandate_area = row
            depth = len(mandate_area.ancestor_ids)
            if mandate.covers(mandate_area, found):  # the most local first
                return (0, -depth, mandate_area.name)
            return (1, depth, mandate_area.name)  # inside it: the largest first

        ordered = sorted(rows, key=rank)
        summaries = []
        for mandate, mandate_area in ordered[:limit]:
            member = get_member(uow, mandate.member_id)
            summaries.append(
                OfficialSummary(
                    member_id=mandate.member_id,
                    name=member.display_name,
                    mandate_title=mandate.title,
                    area_name=mandate_area.name,
                    record=_record(uow, mandate.member_id),
                )
            )
        return AreaOfficials(
            area_id=found.id,
            area_name=found.name,
            officials=tuple(summaries),
            more=max(0, len(ordered) - limit),
        )
