"""Finding members by what people type: a number, a platform id or a name.

Used to read the member parameter of commands (/report member bob, /official
lou) and to suggest members while a name is typed. Names are not unique: a
name matching several members is answered with all of them, never a guess.
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.domain.members import Member
from core.errors import NotFound
from core.services.members import find_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["member_by_identity", "member_id", "members_named", "members_starting", "named_in"]

_NAME_MAX = 100


def _searchable(text: str) -> bool:
    """Text a database can compare: no NUL (PostgreSQL refuses it) and no
    lone surrogate (not encodable), within a name's length."""
    if "\x00" in text or len(text) > _NAME_MAX:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def member_id(uow: UnitOfWork, number: int) -> int:
    """``number`` when such a member exists; NotFound otherwise."""
    with uow:
        if uow.session.get(Member, number) is None:
            raise NotFound("error.moderation_member_not_found", id=number)
    return number


def member_by_identity(uow: UnitOfWork, reference: str) -> int:
    """The member a platform id designates ("telegram:123")."""
    if not _searchable(reference):
        raise NotFound("error.member_not_found", id=reference[:40].encode("utf-8", "replace").decode())
    with uow:
        member = find_member(uow, reference)
        assert member.id is not None
        return member.id


def members_named(uow: UnitOfWork, name: str, limit: int = 6) -> list[tuple[int, str]]:
    """(id, name) of the members called ``name`` (case aside), oldest first."""
    with uow:
        return named_in(uow, name, limit)


def named_in(uow: UnitOfWork, name: str, limit: int = 6) -> list[tuple[int, str]]:
    """Inside an open unit of work: ``members_named`` (the admin tool's
    member references use it too)."""
    text = name.strip()
    if not text or not _searchable(text):
        return []
    m = tables.members.c
    rows = uow.session.execute(
        select(m.id, m.display_name)
        .where(func.lower(m.display_name) == text.lower())
        .order_by(m.id)
        .limit(limit)
    ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def members_starting(uow: UnitOfWork, prefix: str, limit: int = 25) -> list[tuple[int, str]]:
    """(id, name) of members whose name starts with ``prefix``, for suggestions."""
    text = prefix.strip()
    if not text or not _searchable(text):
        return []
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    m = tables.members.c
    with uow:
        rows = uow.session.execute(
            select(m.id, m.display_name)
            .where(func.lower(m.display_name).like(f"{escaped}%", escape="\\"))
            .order_by(m.display_name, m.id)
            .limit(limit)
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]
