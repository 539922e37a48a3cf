"""Roles, officials' mandates and invite codes: what an operator does with
``possibles admin``.

These use cases take no acting member: whoever runs the admin tool already
holds the database, so the trust boundary is the machine, not the chat.
The official role is never granted by hand: it comes with a verified mandate
(``verify_official``, or an invite code redeemed with /claim) and goes with
the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from core.domain.areas import Area
from core.domain.invites import InviteCode, new_code
from core.domain.members import Mandate, Member, Role, is_forgotten
from core.domain.text import clean_text
from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.services.areas import find_area, get_area
from core.services.directory import named_in
from core.services.members import find_member, get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "INVITE_MAX_DAYS",
    "MANDATE_TITLE_MAX",
    "InviteView",
    "MandateView",
    "MemberRef",
    "RoleHolder",
    "active_mandates",
    "add_role",
    "create_invite",
    "grant_role",
    "list_invites",
    "list_roles",
    "mandate_view",
    "parse_role",
    "resolve_member",
    "revoke_mandate",
    "revoke_role",
    "unverify_official",
    "validate_mandate_title",
    "verify_official",
]

MANDATE_TITLE_MAX = 200
INVITE_MAX_DAYS = 365

#: A member as an operator designates them: an id, or "#12", "12", "telegram:123".
MemberRef = int | str


@dataclass(frozen=True)
class MandateView:
    id: int
    member_id: int
    member_name: str
    area_id: int
    area_code: str
    area_name: str
    title: str
    verified_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class RoleHolder:
    """A member, their roles and their mandates (active ones first)."""

    member_id: int
    display_name: str
    roles: tuple[str, ...]
    mandates: tuple[MandateView, ...]


@dataclass(frozen=True)
class InviteView:
    id: int
    code: str
    area_id: int
    area_name: str
    title: str
    created_at: datetime
    expires_at: datetime
    redeemed_by: int | None
    redeemed_by_name: str | None
    redeemed_at: datetime | None
    #: "open", "used" or "expired" at the moment it was read.
    state: str


def parse_role(value: str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError as exc:
        choices = ", ".join(role.value for role in Role)
        raise InvalidInput("error.admin_unknown_role", name=str(value), choices=choices) from exc


def validate_mandate_title(title: str) -> str:
    return clean_text(title, field="title", max_length=MANDATE_TITLE_MAX)


def resolve_member(uow: UnitOfWork, member: MemberRef) -> Member:
    """Inside an open unit of work: the member an id, a reference or a name
    designates (a name only when one member alone bears it)."""
    if isinstance(member, int):
        return get_member(uow, member)
    try:
        return find_member(uow, member)
    except NotFound:
        named = named_in(uow, member)
        if len(named) == 1:
            return get_member(uow, named[0][0])
        if named:
            names = ", ".join(f"{name} (#{member_id})" for member_id, name in named[:5])
            raise InvalidInput("error.param.member_ambiguous", name=member[:100], names=names) from None
        raise


def add_role(uow: UnitOfWork, member_id: int, role: Role) -> bool:
    """Inside an open unit of work: give ``role`` unless already held; True
    when added. A concurrent grant of the same role is absorbed by the unique
    (member, role) constraint inside a savepoint, not turned into an error."""
    if role in member_roles(uow, member_id):
        return False
    try:
        with uow.session.begin_nested():
            uow.session.execute(insert(tables.member_roles).values(member_id=member_id, role=role))
    except IntegrityError:
        return False
    return True


def _remove_role(uow: UnitOfWork, member_id: int, role: Role) -> bool:
    r = tables.member_roles.c
    result = uow.session.execute(delete(tables.member_roles).where(r.member_id == member_id, r.role == role))
    return bool(getattr(result, "rowcount", 0))


def active_mandates(uow: UnitOfWork, member_id: int) -> list[tuple[Mandate, Area]]:
    """Inside an open unit of work: the member's active mandates with their
    areas, the most local first (a mayor speaks as mayor before anything else)."""
    m = tables.mandates.c
    mandates = uow.session.scalars(
        select(Mandate).where(m.member_id == member_id, m.revoked_at.is_(None)).order_by(m.id)
    ).all()
    pairs = [(mandate, get_area(uow, mandate.area_id)) for mandate in mandates]
    return sorted(pairs, key=lambda pair: -len(pair[1].ancestor_ids))


def mandate_view(uow: UnitOfWork, mandate: Mandate) -> MandateView:
    """Inside an open unit of work."""
    assert mandate.id is not None
    area = get_area(uow, mandate.area_id)
    member = get_member(uow, mandate.member_id)
    assert area.id is not None
    return MandateView(
        id=mandate.id,
        member_id=mandate.member_id,
        member_name=member.display_name,
        area_id=area.id,
        area_code=area.code,
        area_name=area.name,
        title=mandate.title,
        verified_at=mandate.verified_at,
        revoked_at=mandate.revoked_at,
    )


def _holder(uow: UnitOfWork, member: Member) -> RoleHolder:
    assert member.id is not None
    m = tables.mandates.c
    mandates = uow.session.scalars(
        select(Mandate).where(m.member_id == member.id).order_by(m.revoked_at.is_not(None), m.id)
    ).all()
    return RoleHolder(
        member_id=member.id,
        display_name=member.display_name,
        roles=tuple(sorted(member_roles(uow, member.id))),
        mandates=tuple(mandate_view(uow, mandate) for mandate in mandates),
    )


def _manual_role(role: str | Role) -> Role:
    parsed = parse_role(role)
    if parsed is Role.OFFICIAL:
        raise InvalidInput("error.admin_official_by_mandate")
    return parsed


def _assignable(uow: UnitOfWork, member: MemberRef) -> Member:
    """Inside an open unit of work: the member a role or a mandate is given
    to. A former member (who used /forget) has no account left to act with,
    and a role or a mandate would put a nameless person back on the record."""
    target = resolve_member(uow, member)
    if is_forgotten(target.display_name):
        raise InvalidState("error.admin_former_member", id=target.id)
    return target


def grant_role(uow: UnitOfWork, member: MemberRef, role: str | Role) -> RoleHolder:
    """Make a member a moderator or an administrator."""
    wanted = _manual_role(role)
    with uow:
        target = _assignable(uow, member)
        assert target.id is not None
        if not add_role(uow, target.id, wanted):
            raise Conflict("error.admin_role_held", member=target.display_name, role=wanted.value)
        uow.commit()
        return _holder(uow, target)


def revoke_role(uow: UnitOfWork, member: MemberRef, role: str | Role) -> RoleHolder:
    """Take a moderator's or an administrator's role back."""
    wanted = _manual_role(role)
    with uow:
        target = resolve_member(uow, member)
        assert target.id is not None
        if not _remove_role(uow, target.id, wanted):
            raise NotFound("error.admin_role_not_held", member=target.display_name, role=wanted.value)
        uow.commit()
        return _holder(uow, target)


def list_roles(uow: UnitOfWork, member: MemberRef | None = None) -> list[RoleHolder]:
    """One member's roles and mandates, or those of everyone who has any."""
    with uow:
        if member is not None:
            return [_holder(uow, resolve_member(uow, member))]
        r, m, members = tables.member_roles.c, tables.mandates.c, tables.members.c
        holders = uow.session.scalars(
            select(Member)
            .where(or_(members.id.in_(select(r.member_id)), members.id.in_(select(m.member_id))))
            .order_by(members.id)
        ).all()
        return [_holder(uow, holder) for holder in holders]


def verify_official(uow: UnitOfWork, member: MemberRef, area: str, title: str) -> MandateView:
    """Record a verified mandate ("Maire de Lyon" over Lyon); the member
    becomes an official."""
    clean_title = validate_mandate_title(title)
    with uow:
        target = _assignable(uow, member)
        found = find_area(uow, area)
        assert target.id is not None and found.id is not None
        m = tables.mandates.c
        existing = uow.session.scalar(
            select(m.id).where(m.member_id == target.id, m.area_id == found.id, m.revoked_at.is_(None))
        )
        if existing is not None:
            raise Conflict(
                "error.admin_mandate_exists", member=target.display_name, area=found.name, id=existing
            )
        mandate = Mandate(member_id=target.id, area_id=found.id, title=clean_title, verified_at=uow.now())
        uow.session.add(mandate)
        uow.session.flush()
        add_role(uow, target.id, Role.OFFICIAL)
        uow.commit()
        return mandate_view(uow, mandate)


def revoke_mandate(uow: UnitOfWork, mandate_id: int) -> MandateView:
    """End a mandate. Its past responses stay public; the member stops being
    an official when no active mandate remains."""
    with uow:
        mandate = uow.session.get(Mandate, mandate_id)
        if mandate is None:
            raise NotFound("error.admin_mandate_not_found", id=mandate_id)
        if not mandate.active:
            raise InvalidState("error.admin_mandate_revoked", id=mandate_id)
        return _end_mandate(uow, mandate)


def unverify_official(uow: UnitOfWork, member: MemberRef, area: str | None = None) -> MandateView:
    """End a member's mandate, designated as ``verify_official`` designates it:
    the member, and the area when they hold more than one."""
    with uow:
        target = resolve_member(uow, member)
        assert target.id is not None
        held = active_mandates(uow, target.id)
        if area is not None:
            found = find_area(uow, area)
            held = [(mandate, over) for mandate, over in held if mandate.area_id == found.id]
            if not held:
                raise NotFound("error.admin_no_mandate_over", member=target.display_name, area=found.name)
        if not held:
            raise InvalidState("error.admin_no_mandate", member=target.display_name)
        if len(held) > 1:
            areas = ", ".join(over.name for _, over in held)
            raise InvalidInput("error.admin_mandate_which", member=target.display_name, areas=areas)
        return _end_mandate(uow, held[0][0])


def _end_mandate(uow: UnitOfWork, mandate: Mandate) -> MandateView:
    """Inside an open unit of work: revoke and commit; the official role goes
    with the last mandate."""
    mandate.revoked_at = uow.now()
    uow.session.flush()
    if not active_mandates(uow, mandate.member_id):
        _remove_role(uow, mandate.member_id, Role.OFFICIAL)
    uow.commit()
    return mandate_view(uow, mandate)


def _invite_view(uow: UnitOfWork, invite: InviteCode, now: datetime) -> InviteView:
    assert invite.id is not None
    area = get_area(uow, invite.area_id)
    redeemer = get_member(uow, invite.redeemed_by) if invite.redeemed_by is not None else None
    if invite.redeemed_by is not None:
        state = "used"
    elif now >= invite.expires_at:
        state = "expired"
    else:
        state = "open"
    return InviteView(
        id=invite.id,
        code=invite.code,
        area_id=invite.area_id,
        area_name=area.name,
        title=invite.title,
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        redeemed_by=invite.redeemed_by,
        redeemed_by_name=redeemer.display_name if redeemer else None,
        redeemed_at=invite.redeemed_at,
        state=state,
    )


def create_invite(uow: UnitOfWork, area: str, title: str, days_valid: int = 30) -> InviteView:
    """A one-time code that makes whoever redeems it (/claim CODE) the
    official ``title`` of ``area``."""
    if not 1 <= days_valid <= INVITE_MAX_DAYS:
        raise InvalidInput("error.admin_invite_days", max=INVITE_MAX_DAYS)
    clean_title = validate_mandate_title(title)
    with uow:
        found = find_area(uow, area)
        assert found.id is not None
        now = uow.now()
        c = tables.invite_codes.c
        code = new_code()
        # 32^10 codes: a collision is all but impossible, but costs one look-up to rule out.
        while uow.session.scalar(select(func.count()).where(c.code == code)):
            code = new_code()
        invite = InviteCode(
            code=code,
            area_id=found.id,
            title=clean_title,
            created_at=now,
            expires_at=now + timedelta(days=days_valid),
        )
        uow.session.add(invite)
        uow.session.flush()
        uow.commit()
        return _invite_view(uow, invite, now)


def list_invites(uow: UnitOfWork, *, open_only: bool = False) -> list[InviteView]:
    """Invite codes, newest first; ``open_only`` keeps those still redeemable."""
    with uow:
        now = uow.now()
        c = tables.invite_codes.c
        stmt = select(InviteCode).order_by(c.created_at.desc(), c.id.desc())
        if open_only:
            stmt = stmt.where(c.redeemed_by.is_(None), c.expires_at > now)
        return [_invite_view(uow, invite, now) for invite in uow.session.scalars(stmt)]
