"""Chats with a purpose on each platform: the moderators' group where the
review queue arrives. Set by an admin from the chat itself (/modchat), or in
the configuration."""

from __future__ import annotations

from sqlalchemy import select

from core.domain.members import Role, require_role
from core.services.members import get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["MODERATORS", "chat_for", "set_chat"]

MODERATORS = "moderators"


def set_chat(uow: UnitOfWork, member_id: int, platform: str, purpose: str, address: str) -> None:
    """An admin makes the chat at ``address`` the ``purpose`` chat of ``platform``."""
    with uow:
        get_member(uow, member_id).ensure_may_act(uow.now())
        require_role(set(member_roles(uow, member_id)), Role.ADMIN)
        c = tables.platform_chats.c
        existing = uow.session.execute(
            select(c.id).where(c.platform == platform, c.purpose == purpose)
        ).scalar_one_or_none()
        values = {"address": address, "set_by": member_id, "updated_at": uow.now()}
        if existing is None:
            uow.session.execute(
                tables.platform_chats.insert().values(platform=platform, purpose=purpose, **values)
            )
        else:
            uow.session.execute(tables.platform_chats.update().where(c.id == existing).values(**values))
        uow.commit()


def chat_for(uow: UnitOfWork, platform: str, purpose: str, configured: str | None = None) -> str | None:
    """The chat set with /modchat, else the configured one, else None."""
    c = tables.platform_chats.c
    with uow:
        found = uow.session.execute(
            select(c.address).where(c.platform == platform, c.purpose == purpose)
        ).scalar_one_or_none()
    return found if found is not None else configured
