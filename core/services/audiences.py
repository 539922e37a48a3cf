"""Audiences: who must hear of something, and where to reach them.

Read models for notifications, each working inside an already open unit of
work: the people of an initiative (supporters and followers), its author,
moderators and their chats, officials whose active mandate covers an area,
followers of an area or topic; and each member's reachable identities with
their language, time zone and quiet hours. Identities marked unreachable
(the member blocked the bot) are left out until the member writes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, union

from core.config import Settings
from core.domain.areas import path_ids
from core.domain.chats import ChatPurpose, chat_in_force
from core.domain.members import Role, roles_granting
from core.domain.supports import FollowTarget
from core.services.areas import get_area
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "Recipient",
    "area_followers",
    "identities",
    "initiative_area",
    "initiative_author",
    "initiative_channels",
    "initiative_people",
    "items_decided_by",
    "moderator_chats",
    "moderator_recipients",
    "moderators",
    "officials_over",
    "open_item",
    "topic_followers",
]

#: Platforms whose moderators' chat can be configured in the settings (the
#: others are set with /modchat, stored in platform_chats).
MODERATORS = ChatPurpose.MODERATORS.value
#: The initiatives' channels are set with /forumchat only.
INITIATIVES = ChatPurpose.INITIATIVES.value


@dataclass(frozen=True)
class Recipient:
    """One chat to deliver to: a member's identity, or a group."""

    member_id: int | None
    platform: str
    address: str
    language: str
    time_zone: str
    quiet_start: str = "00:00"
    quiet_end: str = "00:00"
    is_group: bool = False


def initiative_people(uow: UnitOfWork, initiative_id: int) -> set[int]:
    """Members who joined (support or volunteer) or follow the initiative."""
    s, f = tables.supports.c, tables.follows.c
    stmt = union(
        select(s.member_id).where(s.initiative_id == initiative_id),
        select(f.member_id).where(
            f.target_type == FollowTarget.INITIATIVE.value, f.target_key == str(initiative_id)
        ),
    )
    return {int(m) for m in uow.session.scalars(stmt)}


def initiative_author(uow: UnitOfWork, initiative_id: int) -> int | None:
    i = tables.initiatives.c
    found = uow.session.scalar(select(i.author_id).where(i.id == initiative_id))
    return int(found) if found is not None else None


def initiative_area(uow: UnitOfWork, initiative_id: int) -> int | None:
    i = tables.initiatives.c
    found = uow.session.scalar(select(i.area_id).where(i.id == initiative_id))
    return int(found) if found is not None else None


def moderators(uow: UnitOfWork) -> set[int]:
    """Members holding the moderator or admin role."""
    r = tables.member_roles.c
    rows = uow.session.scalars(select(r.member_id).where(r.role.in_(roles_granting(Role.MODERATOR))))
    return {int(m) for m in rows}


def _area_and_above(uow: UnitOfWork, area_id: int) -> list[int]:
    a = tables.areas.c
    path = uow.session.scalar(select(a.path).where(a.id == area_id))
    if path is None:
        return []
    return path_ids(str(path)) or [area_id]


def officials_over(uow: UnitOfWork, area_id: int) -> set[int]:
    """Officials with an active mandate over the area or an area above it."""
    m = tables.mandates.c
    above = _area_and_above(uow, area_id)
    rows = uow.session.scalars(select(m.member_id).where(m.area_id.in_(above), m.revoked_at.is_(None)))
    return {int(x) for x in rows}


def area_followers(uow: UnitOfWork, area_id: int) -> set[int]:
    """Members following the area or one that contains it."""
    f = tables.follows.c
    keys = [str(a) for a in _area_and_above(uow, area_id)]
    rows = uow.session.scalars(
        select(f.member_id).where(f.target_type == FollowTarget.AREA.value, f.target_key.in_(keys))
    )
    return {int(x) for x in rows}


def topic_followers(uow: UnitOfWork, topic: str) -> set[int]:
    f = tables.follows.c
    rows = uow.session.scalars(
        select(f.member_id).where(f.target_type == FollowTarget.TOPIC.value, f.target_key == topic)
    )
    return {int(x) for x in rows}


def identities(uow: UnitOfWork, member_ids: Iterable[int]) -> list[Recipient]:
    """Every reachable identity of these members, by member then platform."""
    wanted = sorted(set(member_ids))
    if not wanted:
        return []
    i, m = tables.identities.c, tables.members.c
    found: list[Recipient] = []
    for start in range(0, len(wanted), 500):
        rows = uow.session.execute(
            select(
                i.member_id, i.platform, i.external_id, m.language, m.time_zone, m.quiet_start, m.quiet_end
            )
            .join(tables.members, m.id == i.member_id)
            .where(i.member_id.in_(wanted[start : start + 500]), i.unreachable.is_(False))
            .order_by(i.member_id, i.platform, i.external_id)
        )
        found.extend(
            Recipient(
                member_id=int(r.member_id),
                platform=str(r.platform),
                address=str(r.external_id),
                language=str(r.language),
                time_zone=str(r.time_zone),
                quiet_start=str(r.quiet_start),
                quiet_end=str(r.quiet_end),
            )
            for r in rows
        )
    return found


def moderator_chats(uow: UnitOfWork, settings: Settings) -> dict[str, str]:
    """platform -> the moderators' chat: set with /modchat, else configured."""
    configured: dict[str, str] = {}
    if settings.telegram.moderators_chat_id is not None:
        configured["telegram"] = str(settings.telegram.moderators_chat_id)
    if settings.discord.moderators_channel_id is not None:
        configured["discord"] = str(settings.discord.moderators_channel_id)
    c = tables.platform_chats.c
    set_from_chat = {
        str(platform): str(address)
        for platform, address in uow.session.execute(
            select(c.platform, c.address).where(c.purpose == MODERATORS)
        )
    }
    chats = {p: chat_in_force(set_from_chat.get(p), configured.get(p)) for p in {*configured, *set_from_chat}}
    return {p: chat for p, chat in chats.items() if chat is not None}


def initiative_channels(uow: UnitOfWork, settings: Settings, area_id: int) -> list[Recipient]:
    """Where a new initiative of ``area_id`` gets a live card: each platform's
    initiatives' channel (set with /forumchat; a Discord forum makes each a
    post) that takes every initiative or those of an area containing it."""
    c = tables.platform_chats.c
    rows = uow.session.execute(
        select(c.platform, c.address, c.area_id).where(c.purpose == INITIATIVES).order_by(c.platform)
    ).all()
    if any(row.area_id is not None for row in rows):
        where = get_area(uow, area_id)
        rows = [r for r in rows if r.area_id is None or get_area(uow, int(r.area_id)).contains(where)]
    return [
        Recipient(
            member_id=None,
            platform=str(platform),
            address=str(address),
            language=settings.default_language,
            time_zone=settings.default_time_zone,
            is_group=True,
        )
        for platform, address, _ in rows
    ]


def moderator_recipients(uow: UnitOfWork, settings: Settings) -> list[Recipient]:
    """Where the review queue goes: each platform's moderators' chat; on a
    platform without one (the terminal chat), each moderator in person."""
    chats = moderator_chats(uow, settings)
    found = [
        Recipient(
            member_id=None,
            platform=platform,
            address=address,
            language=settings.default_language,
            time_zone=settings.default_time_zone,
            is_group=True,
        )
        for platform, address in sorted(chats.items())
    ]
    found.extend(r for r in identities(uow, moderators(uow)) if r.platform not in chats)
    return found


def items_decided_by(uow: UnitOfWork, decision_id: int) -> list[int]:
    """Review items a decision closed (the item decided, and the other open
    items on the same content it answered)."""
    r = tables.review_items.c
    return [int(x) for x in uow.session.scalars(select(r.id).where(r.decision_id == decision_id))]


def open_item(uow: UnitOfWork, target_type: str, target_id: int) -> int | None:
    """The open review item on a target (reports on a member open one at once)."""
    r = tables.review_items.c
    found = uow.session.scalar(
        select(r.id)
        .where(r.target_type == target_type, r.target_id == target_id, r.closed_at.is_(None))
        .order_by(r.id)
    )
    return int(found) if found is not None else None
