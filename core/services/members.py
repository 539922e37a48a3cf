"""Members: first contact, profile, roles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.domain.members import (
    Identity,
    LinkedIdentity,
    Member,
    Role,
    has_role,
    language_from_code,
    time_of_day,
)
from core.domain.text import clean_input, clean_text, id_in_range, language_tag, typed_number
from core.errors import InvalidInput, NotFound
from core.services.areas import AreaView, area_views, get_area
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "DIGEST_FREQUENCIES",
    "MemberView",
    "enter",
    "find_member",
    "get_member",
    "member_roles",
    "member_view",
    "set_digest",
    "set_home_area",
    "set_language",
    "set_time_zone",
]


@dataclass(frozen=True)
class MemberView:
    """What a front end and a handler need to know of the member speaking."""

    id: int
    display_name: str
    language: str
    time_zone: str
    roles: frozenset[str]
    home_area_id: int | None
    suspended: bool

    def has_role(self, role: Role) -> bool:
        return has_role(self.roles, role)


def member_roles(uow: UnitOfWork, member_id: int) -> frozenset[str]:
    rows = uow.session.scalars(
        select(tables.member_roles.c.role).where(tables.member_roles.c.member_id == member_id)
    )
    return frozenset(rows)


def get_member(uow: UnitOfWork, member_id: int) -> Member:
    member = uow.session.get(Member, member_id)
    if member is None:
        raise NotFound("error.member_not_found", id=member_id)
    return member


def member_view(uow: UnitOfWork, member: Member) -> MemberView:
    assert member.id is not None
    return MemberView(
        id=member.id,
        display_name=member.display_name,
        language=member.language,
        time_zone=member.time_zone,
        roles=member_roles(uow, member.id),
        home_area_id=member.home_area_id,
        suspended=member.is_suspended(uow.now()),
    )


def _display_name(name: str, identity: Identity) -> str:
    try:
        return clean_text(name, field="name", max_length=100)
    except InvalidInput:
        return f"{identity.platform}-{identity.external_id}"[:100]


#: The longest platform name and external id the identities table stores.
PLATFORM_MAX = 20
EXTERNAL_ID_MAX = 64


def _check_identity(identity: Identity) -> None:
    """Refuse an identity that cannot be stored as it is: it is never
    altered, since a trimmed id could be someone else's."""
    for value, limit in ((identity.platform, PLATFORM_MAX), (identity.external_id, EXTERNAL_ID_MAX)):
        if len(value) > limit or clean_input(value) != value:
            raise InvalidInput("error.identity")


def enter(
    uow: UnitOfWork,
    identity: Identity,
    display_name: str,
    language_code: str | None,
    settings: Settings,
) -> MemberView:
    """Find the member behind ``identity``, creating them on first contact.

    One statement reads the member, their identity and their roles; nothing
    is written unless something changed (first contact, a new language code,
    a member marked unreachable who writes again). Inside a command's unit of
    work it joins its transaction, so it costs no transaction of its own.

    The language comes first from the platform's language code, until the
    member picks one with /lang. Safe when two first messages race: the
    unique (platform, external_id) decides, the loser reads the winner's row.
    InvalidInput when the platform's identity cannot be stored; a language
    code that does not look like one is ignored.
    """
    _check_identity(identity)
    language_code = language_tag(language_code)
    with uow:
        found = _entered(uow, identity)
        if found is None:
            found = _first_contact(uow, identity, display_name, language_code, settings)
        changes: dict[str, object] = {}
        if found.unreachable:
            changes["unreachable"] = False  # they wrote again
        if language_code and found.language_code != language_code:
            changes["language_code"] = language_code
        if changes:
            uow.session.execute(
                update(tables.identities).where(tables.identities.c.id == found.identity_id).values(changes)
            )
            uow.commit()
        member = found.member
        assert member.id is not None
        return MemberView(
            id=member.id,
            display_name=member.display_name,
            language=member.language,
            time_zone=member.time_zone,
            roles=found.roles,
            home_area_id=member.home_area_id,
            suspended=member.is_suspended(uow.now()),
        )


@dataclass(frozen=True)
class _Entered:
    member: Member
    identity_id: int
    language_code: str | None
    unreachable: bool
    roles: frozenset[str]


@cache
def _entered_statement() -> Select[Any]:
    # Built once (at first use: the domain is mapped at run time): building
    # a statement costs more than running this one.
    i, r = tables.identities.c, tables.member_roles.c
    return (
        select(Member, i.id, i.language_code, i.unreachable, r.role)
        .join(tables.identities, i.member_id == tables.members.c.id)
        .outerjoin(tables.member_roles, r.member_id == tables.members.c.id)
        .where(i.platform == bindparam("platform"), i.external_id == bindparam("external_id"))
    )


def _entered(uow: UnitOfWork, identity: Identity) -> _Entered | None:
    """The member behind ``identity`` with their roles, in one statement (one
    row per role). The member is loaded as an entity: later services of the
    same command find it in the session without asking the database again."""
    rows = uow.session.execute(
        _entered_statement(), {"platform": identity.platform, "external_id": identity.external_id}
    ).all()
    if not rows:
        return None
    member, identity_id, code, unreachable, _role = rows[0]
    roles = frozenset(str(row[4]) for row in rows if row[4] is not None)
    return _Entered(member, identity_id, code, bool(unreachable), roles)


def _first_contact(
    uow: UnitOfWork, identity: Identity, display_name: str, language_code: str | None, settings: Settings
) -> _Entered:
    """Create the member behind ``identity``; when someone else just did (two
    first messages at once), theirs. The savepoint keeps the command's
    transaction usable after the unique constraint refused the second."""
    now = uow.now()
    member = Member(
        display_name=_display_name(display_name, identity),
        language=language_from_code(language_code, settings.default_language),
        time_zone=settings.default_time_zone,
        created_at=now,
        quiet_start=settings.notifications.quiet_start,
        quiet_end=settings.notifications.quiet_end,
    )
    linked = LinkedIdentity(
        member_id=0,
        platform=identity.platform,
        external_id=identity.external_id,
        created_at=now,
        language_code=language_code,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(member)
            uow.session.flush()
            assert member.id is not None
            linked.member_id = member.id
            uow.session.add(linked)
            uow.session.flush()
    except IntegrityError:
        winner = _entered(uow, identity)
        if winner is None:
            raise RuntimeError(f"could not register {identity}") from None
        return winner
    uow.commit()
    assert linked.id is not None
    return _Entered(member, linked.id, language_code, False, frozenset())


def find_member(uow: UnitOfWork, reference: str) -> Member:
    """A member by "#12", "12" or "platform:external_id" (admin tools, /report member)."""
    ref = reference.strip().lstrip("#")
    number = typed_number(ref)
    if number is not None:
        if not id_in_range(number):
            raise NotFound("error.member_not_found", id=reference[:40])
        return get_member(uow, number)
    platform, _, external = ref.partition(":")
    if external:
        linked = uow.session.scalars(
            select(LinkedIdentity).where(
                tables.identities.c.platform == platform,
                tables.identities.c.external_id == external,
            )
        ).one_or_none()
        if linked is not None:
            return get_member(uow, linked.member_id)
    raise NotFound("error.member_not_found", id=reference[:40])


def set_language(uow: UnitOfWork, member_id: int, language: str) -> str:
    with uow:
        member = get_member(uow, member_id)
        member.set_language(language.strip().lower())
        uow.commit()
        return member.language


def set_time_zone(uow: UnitOfWork, member_id: int, zone: str) -> str:
    try:
        ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("error.time_zone", zone=zone.strip()[:64]) from exc
    with uow:
        member = get_member(uow, member_id)
        member.time_zone = zone.strip()
        uow.commit()
        return member.time_zone


DIGEST_FREQUENCIES = ("daily", "weekly", "off")


def set_digest(
    uow: UnitOfWork, member_id: int, frequency: str | None = None, time: str | None = None
) -> tuple[str, str]:
    """Set how often (daily, weekly, off) and when (HH:MM, the member's
    time) digests come; None leaves a setting as it is. Accepts "9:30",
    "18h", "18h30". Returns the (frequency, time) now in force."""
    if frequency is not None:
        frequency = frequency.strip().lower()
        if frequency not in DIGEST_FREQUENCIES:
            raise InvalidInput("error.digest_frequency", choices="|".join(DIGEST_FREQUENCIES))
    if time is not None:
        clock = time_of_day(time)
        if clock is None:
            raise InvalidInput("error.digest_time", time=time.strip()[:10])
        time = clock
    with uow:
        member = get_member(uow, member_id)
        member.digest_frequency = frequency or member.digest_frequency
        member.digest_time = time or member.digest_time
        uow.commit()
        return member.digest_frequency, member.digest_time


def set_home_area(uow: UnitOfWork, member_id: int, area_id: int) -> AreaView:
    """Where the member lives: it decides what is "near me". Any existing
    area may be chosen (NotFound otherwise); a suspended member may still
    say where they live, since it changes nothing others see."""
    with uow:
        member = get_member(uow, member_id)
        area = get_area(uow, area_id)
        member.home_area_id = area.id
        view = area_views(uow, [area])[0]
        uow.commit()
        return view
