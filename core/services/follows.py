"""Following an initiative, an area or a topic (digests and feeds read them).

Following changes nothing anyone else sees, so it is idempotent and open to
suspended members too (they may read). Joining an initiative already follows
it (core.services.supports).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from core.config import Settings
from core.domain.initiatives import Initiative, Visibility
from core.domain.supports import FollowTarget
from core.errors import InvalidInput
from core.services.areas import get_area
from core.services.initiatives import ensure_readable, get_initiative, validate_topic
from core.services.members import get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork
from core.storage.upserts import insert_unless_there

__all__ = ["FollowItem", "FollowResult", "follow", "list_follows", "unfollow"]


@dataclass(frozen=True)
class FollowResult:
    """``changed`` is False when the member already followed (or did not
    follow) the target: nothing was done, and the answer says so."""

    target_type: FollowTarget
    key: str
    label: str
    changed: bool
    #: For an initiative: whether the member may still see it (its card can
    #: be shown in answer). Unfollowing a hidden one succeeds all the same.
    readable: bool = True


@dataclass(frozen=True)
class FollowItem:
    """One line of "what I follow"; ``label`` is None for an initiative no
    longer visible (hidden or removed), which can still be unfollowed."""

    target_type: str
    key: str
    label: str | None


def _target(target_type: str) -> FollowTarget:
    try:
        return FollowTarget(target_type)
    except ValueError as exc:
        raise InvalidInput("error.follows_target") from exc


def _resolve(
    uow: UnitOfWork, member_id: int, target: FollowTarget, key: str, settings: Settings
) -> tuple[str, str]:
    """(stored key, label) of a target a member may follow; NotFound/InvalidInput otherwise."""
    if target is FollowTarget.TOPIC:
        topic = validate_topic(key, settings)
        return topic, topic
    if not key.isdigit():
        raise InvalidInput("error.id_expected", field="id")
    if target is FollowTarget.AREA:
        area = get_area(uow, int(key))
        return str(area.id), area.name
    initiative = get_initiative(uow, int(key))
    ensure_readable(uow, initiative, member_id)
    return str(initiative.id), initiative.title


def add_follow(uow: UnitOfWork, member_id: int, target: FollowTarget, key: str) -> bool:
    """Inside an open unit of work: the member follows ``key`` of ``target``;
    False when they did already. One statement: the unique (member, target)
    leaves an existing follow be, a double press racing this one included."""
    return insert_unless_there(
        uow,
        tables.follows,
        {"member_id": member_id, "target_type": target, "target_key": key, "created_at": uow.now()},
        ("member_id", "target_type", "target_key"),
    )


def follow(uow: UnitOfWork, member_id: int, target_type: str, key: str, settings: Settings) -> FollowResult:
    """Follow an initiative (its id), an area (its id) or a topic (its key)."""
    target = _target(target_type)
    with uow:
        get_member(uow, member_id)
        stored, label = _resolve(uow, member_id, target, key.strip(), settings)
        if not add_follow(uow, member_id, target, stored):
            return FollowResult(target, stored, label, changed=False)
        uow.commit()
        return FollowResult(target, stored, label, changed=True)


def unfollow(uow: UnitOfWork, member_id: int, target_type: str, key: str, settings: Settings) -> FollowResult:
    """Stop following. Works even when the initiative is no longer visible."""
    target = _target(target_type)
    key = key.strip()
    with uow:
        get_member(uow, member_id)
        stored, label = key, key
        readable = True
        if target is FollowTarget.TOPIC:
            stored = label = validate_topic(key, settings)
        elif not key.isdigit():
            raise InvalidInput("error.id_expected", field="id")
        else:
            stored = str(int(key))
            label = _labels(uow, [FollowItem(target.value, stored, None)])[0].label or f"#{stored}"
            if target is FollowTarget.INITIATIVE:
                readable = _readable(uow, member_id, int(stored))
        f = tables.follows.c
        result = uow.session.execute(
            delete(tables.follows).where(
                f.member_id == member_id, f.target_type == target, f.target_key == stored
            )
        )
        changed = bool(getattr(result, "rowcount", 0))
        uow.commit()
        return FollowResult(target, stored, label, changed=changed, readable=readable)


def _readable(uow: UnitOfWork, member_id: int, initiative_id: int) -> bool:
    initiative = uow.session.get(Initiative, initiative_id)
    return initiative is not None and initiative.readable_by(member_id, member_roles(uow, member_id))


def _labels(uow: UnitOfWork, items: list[FollowItem]) -> list[FollowItem]:
    """Names of the followed initiatives and areas, one query per kind."""
    i, a = tables.initiatives.c, tables.areas.c
    initiative_ids = [int(x.key) for x in items if x.target_type == FollowTarget.INITIATIVE]
    area_ids = [int(x.key) for x in items if x.target_type == FollowTarget.AREA]
    titles: dict[str, str] = {}
    if initiative_ids:
        rows = uow.session.execute(
            select(i.id, i.title).where(i.id.in_(initiative_ids), i.visibility == Visibility.VISIBLE)
        )
        titles.update({f"i{r[0]}": str(r[1]) for r in rows})
    if area_ids:
        rows = uow.session.execute(select(a.id, a.name).where(a.id.in_(area_ids)))
        titles.update({f"a{r[0]}": str(r[1]) for r in rows})
    labelled = []
    for item in items:
        if item.target_type == FollowTarget.TOPIC:
            label: str | None = item.key
        else:
            label = titles.get(f"{item.target_type[0]}{item.key}")
        labelled.append(FollowItem(item.target_type, item.key, label))
    return labelled


def list_follows(uow: UnitOfWork, member_id: int) -> list[FollowItem]:
    """What the member follows: initiatives, then areas, then topics, oldest first."""
    f = tables.follows.c
    order: dict[str, int] = {FollowTarget.INITIATIVE: 0, FollowTarget.AREA: 1, FollowTarget.TOPIC: 2}
    with uow:
        rows = uow.session.execute(
            select(f.target_type, f.target_key).where(f.member_id == member_id).order_by(f.created_at, f.id)
        ).all()
        items = [FollowItem(str(r[0]), str(r[1]), None) for r in rows if str(r[0]) in order]
        items.sort(key=lambda x: order[x.target_type])
        return _labels(uow, items)
