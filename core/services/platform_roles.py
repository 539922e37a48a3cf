"""Roles a platform's own roles grant: holders of the Discord role named by
``discord.moderator_role_id`` are moderators of possibles while they hold
it. The front end tells which platform roles a person holds (a fact of the
platform, like their identity); which of them grants what is decided here.

Taking the platform's role away takes back only the role it gave: a
moderator made with ``possibles admin`` stays one (platform_role_grants
records what was given this way).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import delete, insert, select

from core.config import Settings
from core.domain.members import Identity, Role
from core.services import members
from core.services.admin import add_role
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["granting_role", "reconcile"]


def granting_role(settings: Settings, platform: str) -> str | None:
    """The platform's role (its id) that makes moderators, if one is configured."""
    if platform == "discord" and settings.discord.moderator_role_id is not None:
        return str(settings.discord.moderator_role_id)
    return None


def reconcile(
    uow_factory: Callable[[], UnitOfWork],
    identity: Identity,
    held: Collection[str],
    settings: Settings,
    display_name: str,
    language_code: str | None = None,
) -> bool | None:
    """Give or take back the moderator role after what ``identity`` holds on its
    platform (a holder possibles does not know yet is entered first, as their
    first message would). True when given, False when taken back, None when
    nothing changed."""
    granting = granting_role(settings, identity.platform)
    if granting is None:
        return None
    holds = granting in held
    i, g, r = tables.identities.c, tables.platform_role_grants.c, tables.member_roles.c
    with uow_factory() as uow:
        member_id = uow.session.scalar(
            select(i.member_id).where(i.platform == identity.platform, i.external_id == identity.external_id)
        )
    if member_id is None:
        if not holds:
            return None
        member_id = members.enter(uow_factory(), identity, display_name, language_code, settings).id
    with uow_factory() as uow:
        given = uow.session.scalar(
            select(g.id).where(
                g.member_id == member_id, g.platform == identity.platform, g.role == Role.MODERATOR
            )
        )
        if holds and given is None:
            if not add_role(uow, member_id, Role.MODERATOR):
                return None  # a moderator already (possibles admin): theirs to keep
            uow.session.execute(
                insert(tables.platform_role_grants).values(
                    member_id=member_id, platform=identity.platform, role=Role.MODERATOR, granted_at=uow.now()
                )
            )
            uow.commit()
            return True
        if not holds and given is not None:
            uow.session.execute(delete(tables.platform_role_grants).where(g.id == given))
            uow.session.execute(
                delete(tables.member_roles).where(r.member_id == member_id, r.role == Role.MODERATOR)
            )
            uow.commit()
            return False
    return None
