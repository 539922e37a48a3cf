"""Joining (the petition signature), volunteering and withdrawing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update

from core.domain.events import (
    GoalReached,
    InitiativeStatusChanged,
    SupportAdded,
    SupportWithdrawn,
    VolunteerJoined,
)
from core.domain.initiatives import Status
from core.domain.reputation import PointReason, initiative_ref, support_ref
from core.domain.supports import FollowTarget, SupportKind
from core.errors import Conflict, InvalidState, NotFound
from core.services import badges, counts, reputation
from core.services.follows import add_follow
from core.services.initiatives import get_initiative
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork
from core.storage.upserts import insert_unless_there

__all__ = ["SupportResult", "support", "withdraw_support"]


@dataclass(frozen=True)
class SupportResult:
    supporters: int
    goal: int
    kind: SupportKind
    goal_reached: bool


def support(uow: UnitOfWork, member_id: int, initiative_id: int, kind: SupportKind) -> SupportResult:
    """Join an initiative as a supporter, or volunteer (which also supports).

    The initiative's row is locked for the transaction (SELECT ... FOR UPDATE
    on PostgreSQL, BEGIN IMMEDIATE on SQLite), so concurrent joins count
    right and the goal is announced once; the unique (initiative, member)
    constraint makes one support per member whatever happens.
    """
    with uow:
        now = uow.now()
        member = get_member(uow, member_id)
        member.ensure_may_act(now)
        initiative = get_initiative(uow, initiative_id, for_update=True)
        initiative.ensure_visible()
        initiative.ensure_open_to_support()
        if member_id == initiative.author_id:
            # The author volunteers from the start; "already support" would puzzle them.
            raise Conflict("error.own_initiative_support", id=initiative_id)
        s = tables.supports.c
        # Written first, read only if it was there: a first support (the
        # usual case) costs one statement, not a read and an insert.
        added = _insert_support(uow, initiative_id, member_id, kind)
        if not added:
            if kind is SupportKind.SUPPORTER or not _upgrade_support(uow, initiative_id, member_id):
                existing = uow.session.scalars(
                    select(s.kind).where(s.initiative_id == initiative_id, s.member_id == member_id)
                ).one()
                raise Conflict("error.already_" + SupportKind(existing), id=initiative_id)
            now_counts = counts.upgraded(uow, initiative_id)
        else:
            now_counts = counts.added(uow, initiative_id, now, kind)
            reputation.award(
                uow,
                initiative.author_id,
                initiative.area_id,
                PointReason.SUPPORT_RECEIVED,
                support_ref(initiative_id, member_id),
            )
        _follow(uow, member_id, initiative_id)
        uow.session.flush()
        supporters = now_counts.supporters
        if added and initiative.counter_to_id is not None:
            badges.counter_supported(
                uow, initiative_id, initiative.author_id, initiative.counter_to_id, supporters
            )
        if kind is SupportKind.VOLUNTEER:
            # The author volunteers from the start and is not news.
            author_kind = uow.session.scalar(
                select(s.kind).where(s.initiative_id == initiative_id, s.member_id == initiative.author_id)
            )
            volunteers = now_counts.volunteers - (1 if author_kind == SupportKind.VOLUNTEER else 0)
            reputation.award(
                uow, member_id, initiative.area_id, PointReason.VOLUNTEERED, initiative_ref(initiative_id)
            )
            uow.emit(VolunteerJoined(initiative_id=initiative_id, member_id=member_id, first=volunteers == 1))
        if added:
            uow.emit(
                SupportAdded(
                    initiative_id=initiative_id, member_id=member_id, kind=kind, supporters=supporters
                )
            )
        reached = initiative.record_supporters(supporters, now)
        if reached:
            reputation.award(
                uow,
                initiative.author_id,
                initiative.area_id,
                PointReason.GOAL_REACHED,
                initiative_ref(initiative_id),
            )
            uow.emit(
                InitiativeStatusChanged(initiative_id=initiative_id, old=Status.OPEN, new=initiative.status)
            )
            uow.emit(
                GoalReached(initiative_id=initiative_id, area_id=initiative.area_id, goal=initiative.goal)
            )
        uow.commit()
        return SupportResult(supporters=supporters, goal=initiative.goal, kind=kind, goal_reached=reached)


def _insert_support(uow: UnitOfWork, initiative_id: int, member_id: int, kind: SupportKind) -> bool:
    """The member's support of ``kind``; False when they had one already (the
    unique (initiative, member) leaves it as it was, whatever runs at the same time)."""
    return insert_unless_there(
        uow,
        tables.supports,
        {"initiative_id": initiative_id, "member_id": member_id, "kind": kind, "created_at": uow.now()},
        ("initiative_id", "member_id"),
    )


@cache
def _upgrade_statement() -> Any:
    s = tables.supports.c
    return (
        update(tables.supports)
        .where(
            s.initiative_id == bindparam("of_initiative"),
            s.member_id == bindparam("of_member"),
            s.kind == SupportKind.SUPPORTER,
        )
        .values(kind=SupportKind.VOLUNTEER)
        .returning(s.id)
    )


def _upgrade_support(uow: UnitOfWork, initiative_id: int, member_id: int) -> bool:
    """The member's support becomes volunteering; False when it was already."""
    row = uow.session.execute(
        _upgrade_statement(), {"of_initiative": initiative_id, "of_member": member_id}
    ).first()
    return row is not None


def _follow(uow: UnitOfWork, member_id: int, initiative_id: int) -> None:
    # Joining follows the initiative; an existing follow stays as it is.
    add_follow(uow, member_id, FollowTarget.INITIATIVE, str(initiative_id))


def withdraw_support(uow: UnitOfWork, member_id: int, initiative_id: int) -> int:
    """Take one's signature back (the author cannot: they withdraw the
    initiative instead). Returns the new number of supporters. A goal once
    reached stays reached. The points the support earned (the author's
    point, the volunteer's) are taken back with it."""
    with uow:
        member = get_member(uow, member_id)
        member.ensure_may_act(uow.now())
        initiative = get_initiative(uow, initiative_id, for_update=True)
        if initiative.author_id == member_id:
            raise InvalidState("error.author_cannot_unsupport")
        s = tables.supports.c
        gone = uow.session.execute(
            delete(tables.supports)
            .where(s.initiative_id == initiative_id, s.member_id == member_id)
            .returning(s.kind, s.created_at)
        ).first()
        if gone is None:
            raise NotFound("error.not_supporting", id=initiative_id)
        supporters = counts.removed(uow, initiative_id, gone.created_at, gone.kind).supporters
        p = tables.points.c
        # The author's point for the support and, for a volunteer (a supporter
        # earned none), the volunteer's: both lines in one statement.
        earned = [
            and_(
                p.member_id == initiative.author_id,
                p.reason == PointReason.SUPPORT_RECEIVED,
                p.ref == support_ref(initiative_id, member_id),
            )
        ]
        if gone.kind == SupportKind.VOLUNTEER:
            earned.append(
                and_(
                    p.member_id == member_id,
                    p.reason == PointReason.VOLUNTEERED,
                    p.ref == initiative_ref(initiative_id),
                )
            )
        reputation.take_back_lines(uow, or_(*earned))
        uow.emit(SupportWithdrawn(initiative_id=initiative_id, member_id=member_id))
        uow.commit()
        return supporters
