"""Chats with a purpose on each platform: the moderators' group where the
review queue arrives. Set by an admin from the chat itself (/modchat), or in
the configuration."""

from __future__ import annotations

from sqlalchemy import select

from core.domain.chats import ChatPurpose, chat_in_force
from core.domain.members import Role, require_role
from core.domain.text import clean_input
from core.errors import InvalidInput
from core.services.members import get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork
from core.storage.upserts import insert_or_update

__all__ = ["INITIATIVES", "MODERATORS", "chat_for", "set_chat"]

MODERATORS = ChatPurpose.MODERATORS.value
INITIATIVES = ChatPurpose.INITIATIVES.value
#: The longest chat address the table stores (Telegram's are about 14 characters).
ADDRESS_MAX = 64


def set_chat(
    uow: UnitOfWork, member_id: int, platform: str, purpose: str, address: str, area_id: int | None = None
) -> None:
    """An admin makes the chat at ``address`` the ``purpose`` chat of ``platform``
    (the initiatives' channel of an area when ``area_id`` is given).

    InvalidInput when the platform's address cannot be stored; two admins at
    once: the last one wins, neither sees an error."""
    with uow:
        get_member(uow, member_id).ensure_may_act(uow.now())
        require_role(set(member_roles(uow, member_id)), Role.ADMIN)
        if not address or len(address) > ADDRESS_MAX or clean_input(address) != address:
            raise InvalidInput("error.chat_address")
        insert_or_update(
            uow,
            tables.platform_chats,
            {
                "platform": platform,
                "purpose": purpose,
                "address": address,
                "area_id": area_id,
                "set_by": member_id,
                "updated_at": uow.now(),
            },
            conflict=("platform", "purpose"),
        )
        uow.commit()


def chat_for(uow: UnitOfWork, platform: str, purpose: str, configured: str | None = None) -> str | None:
    """The chat set with /modchat, else the configured one, else None."""
    c = tables.platform_chats.c
    with uow:
        found = uow.session.execute(
            select(c.address).where(c.platform == platform, c.purpose == purpose)
        ).scalar_one_or_none()
    return chat_in_force(found, configured)
