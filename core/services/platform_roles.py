"""Roles a platform's own roles grant: holders of the Discord role named by
``discord.moderator_role_id`` are moderators of possibles while they hold
it. The front end tells which platform roles a person holds (a fact of the
platform, like their identity, carried on the Speaker); which of them grants
what is decided here, inside the command's unit of work, right after the
member is entered.

Taking the platform's role away takes back only the role it gave: a
moderator made with ``possibles admin`` stays one (platform_role_grants
records what was given this way).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import delete, insert, select

from core.config import Settings
from core.domain.members import Role
from core.services.admin import add_role
from core.services.members import MemberView
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["granting_role", "reconcile"]


def granting_role(settings: Settings, platform: str) -> str | None:
    """The platform's role (its id) that makes moderators, if one is configured."""
    if platform == "discord" and settings.discord.moderator_role_id is not None:
        return str(settings.discord.moderator_role_id)
    return None


def reconcile(
    uow: UnitOfWork,
    member: MemberView,
    platform: str,
    held: Collection[str] | None,
    settings: Settings,
) -> MemberView:
    """Inside the command's open unit of work: give or take back the moderator
    role after the platform roles ``member`` holds on ``platform`` (None: not
    known, nothing done), and the member as they are now.

    Reads first and writes only on a change: a holder who is a moderator
    already, or a non-holder who is not one, costs no statement at all (the
    member's roles came with their entry); a change costs one read (was the
    role given by the platform?) before it writes. So a read-only command
    stays one without writing; when it must write, the unit of work runs it
    again with the write lock (core.storage.uow.in_one_transaction)."""
    granting = granting_role(settings, platform)
    if granting is None or held is None:
        return member
    holds = granting in held
    is_moderator = Role.MODERATOR in member.roles  # the row itself, not admin's powers
    if holds == is_moderator:
        return member  # held and a moderator however they became one, or neither
    g = tables.platform_role_grants.c
    with uow:
        given = uow.session.scalar(
            select(g.id).where(g.member_id == member.id, g.platform == platform, g.role == Role.MODERATOR)
        )
        if holds:
            if given is not None:
                return member  # given once, then taken back by an admin: that stands
            if not add_role(uow, member.id, Role.MODERATOR):
                return member  # made moderator meanwhile
            uow.session.execute(
                insert(tables.platform_role_grants).values(
                    member_id=member.id, platform=platform, role=Role.MODERATOR, granted_at=uow.now()
                )
            )
            uow.commit()
            return replace(member, roles=member.roles | {Role.MODERATOR.value})
        if given is None:
            return member  # a moderator made by an admin: theirs to keep
        r = tables.member_roles.c
        uow.session.execute(delete(tables.platform_role_grants).where(g.id == given))
        uow.session.execute(
            delete(tables.member_roles).where(r.member_id == member.id, r.role == Role.MODERATOR)
        )
        uow.commit()
        return replace(member, roles=member.roles - {Role.MODERATOR.value})
