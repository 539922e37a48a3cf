"""Initiatives: propose, counter-propose, withdraw, progress; their read view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, exists, func, literal, select

from core.config import Settings
from core.domain.areas import Area, goal_for_level
from core.domain.events import (
    CounterProposed,
    InitiativeProposed,
    InitiativeStatusChanged,
)
from core.domain.initiatives import (
    Initiative,
    Status,
    Visibility,
    initiative_description,
    initiative_title,
)
from core.domain.limits import Limited, ensure_within_limit
from core.domain.moderation import TargetType
from core.domain.reputation import PointReason, achievement_earns, initiative_ref
from core.domain.supports import Follow, FollowTarget, Support, SupportKind
from core.domain.text import fold, similarity
from core.errors import Forbidden, InvalidInput, NotFound
from core.services import counts, flows, reputation, screening
from core.services.admin import active_mandates
from core.services.areas import get_area
from core.services.limits import count_recent
from core.services.members import get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "InitiativeView",
    "Proposal",
    "SimilarInitiative",
    "check_may_propose",
    "check_withdrawable",
    "count_all",
    "count_by_status",
    "ensure_readable",
    "expire_due",
    "get_initiative",
    "initiative_view",
    "other_supporters",
    "progress",
    "propose",
    "similar_open",
    "validate_description",
    "validate_title",
    "validate_topic",
    "withdraw_initiative",
]


def validate_title(title: str) -> str:
    return initiative_title(title)


def validate_description(text: str) -> str:
    return initiative_description(text)


def validate_topic(topic: str, settings: Settings) -> str:
    key = fold(topic).replace(" ", "_")
    if key not in settings.topics:
        raise InvalidInput("error.topic", choices=", ".join(settings.topics))
    return key


@dataclass(frozen=True)
class Proposal:
    """What a person proposes; validated again by ``propose``."""

    title: str
    description: str
    area_id: int
    topic: str
    counter_to_id: int | None = None


@dataclass(frozen=True)
class SimilarInitiative:
    id: int
    title: str
    score: float


def get_initiative(uow: UnitOfWork, initiative_id: int, *, for_update: bool = False) -> Initiative:
    """Inside an open unit of work. A removed initiative answers with its tombstone.

    ``for_update`` locks the row on PostgreSQL (SELECT ... FOR UPDATE). On
    SQLite a writing transaction holds the database's write lock, which does
    the same, and the initiative already read in this transaction is taken
    from the session without another statement."""
    initiative: Initiative | None
    if for_update and not uow.database.is_sqlite:
        initiative = uow.session.scalars(
            select(Initiative).where(tables.initiatives.c.id == initiative_id).with_for_update()
        ).one_or_none()
    else:
        initiative = uow.session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound("error.initiative_not_found", id=initiative_id)
    if initiative.visibility == Visibility.REMOVED:
        # A tombstone: people learn it was removed, not that it never existed.
        raise NotFound("error.initiative_removed", id=initiative_id)
    return initiative


def ensure_readable(uow: UnitOfWork, initiative: Initiative, viewer_id: int | None) -> None:
    """Inside an open unit of work: ``Initiative.readable_by`` for this viewer
    (their roles are read only when the initiative is not visible), or NotFound."""
    if initiative.readable_by(viewer_id, ()):
        return
    roles = member_roles(uow, viewer_id) if viewer_id is not None else frozenset()
    initiative.ensure_readable_by(viewer_id, roles)


def similar_open(uow: UnitOfWork, title: str, area_id: int, threshold: float) -> list[SimilarInitiative]:
    """Open initiatives in the same area whose title is very close (duplicate guard)."""
    i = tables.initiatives.c
    with uow:
        rows = uow.session.execute(
            select(i.id, i.title)
            .where(
                i.area_id == area_id,
                i.visibility == Visibility.VISIBLE,
                i.status.in_([s for s in Status if s.accepts_support]),
            )
            .order_by(i.created_at.desc())
            .limit(2000)
        ).all()
    found = [SimilarInitiative(id, t, similarity(title, t)) for id, t in rows]
    return sorted((f for f in found if f.score >= threshold), key=lambda f: -f.score)[:5]


def _ensure_may_propose(
    uow: UnitOfWork, member_id: int, settings: Settings, counter_to_id: int | None
) -> Initiative | None:
    """Inside an open unit of work: the rules a proposal must pass (not
    suspended, within the daily limit, a counter-proposal to an initiative
    that takes one). Returns the initiative countered, if any."""
    now = uow.now()
    member = get_member(uow, member_id)
    member.ensure_may_act(now)
    done = count_recent(uow, tables.initiatives, "author_id", member_id, now - timedelta(days=1))
    ensure_within_limit(Limited.PROPOSALS, done, settings.limits.proposals_per_day)
    if counter_to_id is None:
        return None
    counter_to = get_initiative(uow, counter_to_id)
    if counter_to.visibility != Visibility.VISIBLE:
        raise NotFound("error.initiative_not_found", id=counter_to_id)
    counter_to.ensure_counterable_by(member_id)
    return counter_to


def check_may_propose(
    uow: UnitOfWork, member_id: int, settings: Settings, counter_to_id: int | None = None
) -> None:
    """Before the propose flow asks anything: refuse at once what ``propose``
    would refuse at the end (a suspension, the daily limit, an initiative
    that takes no counter-proposal)."""
    with uow:
        _ensure_may_propose(uow, member_id, settings, counter_to_id)


def check_withdrawable(uow: UnitOfWork, member_id: int, initiative_id: int) -> None:
    """Before asking the author to confirm: refuse at once what
    ``withdraw_initiative`` would refuse."""
    with uow:
        _withdrawable(uow, member_id, initiative_id)


def _withdrawable(
    uow: UnitOfWork, member_id: int, initiative_id: int, *, for_update: bool = False
) -> Initiative:
    member = get_member(uow, member_id)
    member.ensure_may_act(uow.now())
    initiative = get_initiative(uow, initiative_id, for_update=for_update)
    initiative.ensure_withdrawable_by(member_id)
    return initiative


def propose(
    uow: UnitOfWork, member_id: int, proposal: Proposal, settings: Settings, *, from_flow: str | None = None
) -> int:
    """Publish an initiative at once (no moderation before publication).

    The author volunteers for it and follows it. With ``from_flow`` (the step
    of the propose flow it comes from), the flow closes in the same
    transaction, so a confirm pressed twice publishes once.
    """
    title = validate_title(proposal.title)
    description = validate_description(proposal.description)
    topic = validate_topic(proposal.topic, settings)
    with uow:
        now = uow.now()
        counter_to = _ensure_may_propose(uow, member_id, settings, proposal.counter_to_id)
        area = get_area(uow, proposal.area_id)
        if from_flow is not None:
            flows.finish(uow, member_id, "propose", from_flow)
        initiative = Initiative(
            author_id=member_id,
            title=title,
            description=description,
            area_id=area.id,  # type: ignore[arg-type]
            topic=topic,
            goal=goal_for_level(area.level, settings.goals.model_dump()),
            created_at=now,
            expires_at=now + timedelta(days=settings.initiative_open_days),
            status_changed_at=now,
            counter_to_id=counter_to.id if counter_to else None,
            search_key=fold(f"{title} {description}"),
        )
        uow.session.add(initiative)
        uow.session.flush()
        assert initiative.id is not None and area.id is not None
        uow.session.add(
            Support(
                initiative_id=initiative.id,
                member_id=member_id,
                kind=SupportKind.VOLUNTEER,
                created_at=now,
            )
        )
        counts.added(uow, initiative.id, now, SupportKind.VOLUNTEER)
        uow.session.add(
            Follow(
                member_id=member_id,
                target_type=FollowTarget.INITIATIVE,
                target_key=str(initiative.id),
                created_at=now,
            )
        )
        reputation.award(uow, member_id, area.id, PointReason.PROPOSED, initiative_ref(initiative.id))
        uow.emit(
            InitiativeProposed(initiative_id=initiative.id, author_id=member_id, area_id=area.id, topic=topic)
        )
        if counter_to is not None:
            assert counter_to.id is not None
            uow.emit(
                CounterProposed(initiative_id=initiative.id, counter_to_id=counter_to.id, author_id=member_id)
            )
        initiative.flagged = screening.screen(uow, TargetType.INITIATIVE, initiative.id, title, description)
        uow.commit()
        return initiative.id


@dataclass(frozen=True)
class InitiativeView:
    """Everything a card of an initiative shows."""

    id: int
    title: str
    description: str
    area_id: int
    area_name: str
    area_level: str
    topic: str
    status: Status
    visibility: Visibility
    goal: int
    supporters: int
    volunteers: int
    author_id: int
    author_name: str
    created_at: datetime
    expires_at: datetime
    awaiting_response_days: int | None
    counter_to: tuple[int, str] | None
    counters: tuple[tuple[int, str], ...]
    responses: int
    viewer_support: SupportKind | None
    viewer_follows: bool
    viewer_is_author: bool
    #: The viewer holds a mandate over the initiative's area (may respond).
    viewer_is_official_here: bool = False
    #: The viewer is its author and may still edit it (nobody else joined).
    viewer_may_edit: bool = False


def other_supporters(uow: UnitOfWork, initiative: Initiative) -> int:
    """Inside an open unit of work: who joined it, its author aside."""
    s = tables.supports.c
    found = uow.session.scalar(
        select(func.count()).where(s.initiative_id == initiative.id, s.member_id != initiative.author_id)
    )
    return int(found or 0)


def initiative_view(uow: UnitOfWork, initiative_id: int, viewer_id: int | None = None) -> InitiativeView:
    """The card's content. A hidden initiative is shown to its author and to
    moderators only; removed ones are not found.

    One statement reads the initiative with its area, author's name, counts,
    the initiative it answers, its responses and what the viewer did; the
    counter-proposals, the viewer's mandates and the other supporters are read
    only when there are some (or when they matter), so a card costs one or
    two statements at any size."""
    i = tables.initiatives.c
    with uow:
        row = uow.session.execute(
            _card_statement(viewer_id is not None),
            {"initiative_id": initiative_id, "viewer_id": viewer_id, "key": str(initiative_id)},
        ).first()
        if row is None:
            raise NotFound("error.initiative_not_found", id=initiative_id)
        (initiative, area, author_name, supporters, volunteers, target_id, target_title, responses,
         has_counters, viewer_support, viewer_follows, viewer_has_mandate) = row  # fmt: skip
        if initiative.visibility == Visibility.REMOVED:
            raise NotFound("error.initiative_removed", id=initiative_id)
        ensure_readable(uow, initiative, viewer_id)
        counters: tuple[tuple[int, str], ...] = ()
        if has_counters:
            counters = tuple(
                (int(c[0]), str(c[1]))
                for c in uow.session.execute(
                    select(i.id, i.title)
                    .where(i.counter_to_id == initiative_id, i.visibility == Visibility.VISIBLE)
                    .order_by(i.id)
                    .limit(10)
                )
            )
        assert initiative.id is not None
        return InitiativeView(
            id=initiative.id,
            title=initiative.title,
            description=initiative.description,
            area_id=initiative.area_id,
            area_name=area.name,
            area_level=area.level,
            topic=initiative.topic,
            status=initiative.status,
            visibility=initiative.visibility,
            goal=initiative.goal,
            supporters=int(supporters or 0),
            volunteers=int(volunteers or 0),
            author_id=initiative.author_id,
            author_name=author_name,
            created_at=initiative.created_at,
            expires_at=initiative.expires_at,
            awaiting_response_days=initiative.awaiting_response_days(uow.now()),
            counter_to=(int(target_id), str(target_title)) if target_id is not None else None,
            counters=counters,
            responses=int(responses or 0),
            viewer_support=viewer_support,
            viewer_follows=bool(viewer_follows),
            viewer_is_author=viewer_id == initiative.author_id,
            viewer_is_official_here=viewer_id is not None
            and bool(viewer_has_mandate)
            and _official_over(uow, viewer_id, area),
            viewer_may_edit=viewer_id == initiative.author_id
            and initiative.editable(other_supporters(uow, initiative)),
        )


@cache
def _card_statement(with_viewer: bool) -> Select[Any]:
    """initiative_view's statement, built once (at first use: the domain is
    mapped at run time); building it costs more than running it. Parameters:
    initiative_id, and viewer_id and key (the initiative's id as a follow key)."""
    i, r, k, m = tables.initiatives.c, tables.responses.c, tables.initiative_counts.c, tables.members.c
    counters = tables.initiatives.alias("counters")
    target = tables.initiatives.alias("counter_target")
    initiative_id: BindParameter[Any] = bindparam("initiative_id")
    viewer: tuple[Any, ...] = (literal(None), literal(False), literal(False))
    if with_viewer:
        # What the viewer did: their support's kind, whether they follow it,
        # whether they hold any active mandate (only then are those read).
        s, f, md = tables.supports.c, tables.follows.c, tables.mandates.c
        viewer_id: BindParameter[Any] = bindparam("viewer_id")
        viewer = (
            select(s.kind)
            .where(s.initiative_id == initiative_id, s.member_id == viewer_id)
            .scalar_subquery(),
            exists().where(
                f.member_id == viewer_id,
                f.target_type == FollowTarget.INITIATIVE,
                f.target_key == bindparam("key"),
            ),
            exists().where(md.member_id == viewer_id, md.revoked_at.is_(None)),
        )
    return (
        select(
            Initiative,
            Area,
            m.display_name,
            k.supporters,
            k.volunteers,
            target.c.id,
            target.c.title,
            select(func.count())
            .where(r.initiative_id == i.id, r.visibility == Visibility.VISIBLE)
            .scalar_subquery(),
            exists().where(counters.c.counter_to_id == i.id, counters.c.visibility == Visibility.VISIBLE),
            *viewer,
        )
        .join(Area, tables.areas.c.id == i.area_id)
        .join(tables.members, m.id == i.author_id)
        .outerjoin(tables.initiative_counts, k.initiative_id == i.id)
        .outerjoin(target, and_(target.c.id == i.counter_to_id, target.c.visibility == Visibility.VISIBLE))
        .where(i.id == initiative_id)
    )


def withdraw_initiative(uow: UnitOfWork, member_id: int, initiative_id: int) -> None:
    """The author withdraws their initiative."""
    with uow:
        initiative = _withdrawable(uow, member_id, initiative_id, for_update=True)
        old, new = initiative.withdraw(member_id, uow.now())
        uow.emit(InitiativeStatusChanged(initiative_id=initiative_id, old=Status(old), new=Status(new)))
        uow.commit()


def _official_over(uow: UnitOfWork, member_id: int, area: Area) -> bool:
    return any(
        mandate.covers(mandate_area, area) for mandate, mandate_area in active_mandates(uow, member_id)
    )


def _answered(uow: UnitOfWork, initiative_id: int) -> bool:
    """Inside an open unit of work: an official's response stands on the initiative."""
    r = tables.responses.c
    found = uow.session.scalar(
        select(r.id).where(r.initiative_id == initiative_id, r.visibility == Visibility.VISIBLE).limit(1)
    )
    return found is not None


def progress(uow: UnitOfWork, member_id: int, initiative_id: int, new_status: str) -> tuple[str, str]:
    """The author, or an official whose mandate covers the area, marks the
    initiative in action or achieved (never while it is hidden). Achieving
    earns its author points only for an initiative that reached its goal or
    was answered by an official."""
    try:
        target = Status(new_status)
    except ValueError as exc:
        raise InvalidInput("error.progress_status") from exc
    with uow:
        now = uow.now()
        member = get_member(uow, member_id)
        member.ensure_may_act(now)
        initiative = get_initiative(uow, initiative_id, for_update=True)
        area = get_area(uow, initiative.area_id)
        if member_id != initiative.author_id and not _official_over(uow, member_id, area):
            raise Forbidden("error.not_author_or_official")
        initiative.ensure_visible()  # before anything is written: a refusal changes nothing
        old, new = initiative.progress(target, now)
        if target is Status.ACHIEVED and achievement_earns(
            goal_reached=initiative.goal_reached_at is not None,
            answered=_answered(uow, initiative_id),
        ):
            reputation.award(
                uow,
                initiative.author_id,
                initiative.area_id,
                PointReason.ACHIEVED,
                initiative_ref(initiative_id),
            )
        uow.emit(InitiativeStatusChanged(initiative_id=initiative_id, old=Status(old), new=Status(new)))
        uow.commit()
        return old, new


def expire_due(uow: UnitOfWork, batch: int = 500) -> int:
    """Expire open initiatives past their end date (run by the scheduler, and
    at start-up). Returns how many expired."""
    i = tables.initiatives.c
    expired = 0
    with uow:
        now = uow.now()
        due = uow.session.scalars(
            select(Initiative)
            .where(i.status == Status.OPEN, i.expires_at <= now)
            .order_by(i.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for initiative in due:
            moved = initiative.expire_if_due(now)
            if moved is not None:
                assert initiative.id is not None
                uow.emit(
                    InitiativeStatusChanged(
                        initiative_id=initiative.id, old=Status(moved[0]), new=Status(moved[1])
                    )
                )
                expired += 1
        uow.commit()
    return expired


def count_all(uow: UnitOfWork) -> int:
    """Inside an open unit of work: how many initiatives exist at all."""
    return int(uow.session.scalar(select(func.count()).select_from(tables.initiatives)) or 0)


def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    """Inside an open unit of work: initiatives per status."""
    i = tables.initiatives.c
    return {str(s): int(n) for s, n in uow.session.execute(select(i.status, func.count()).group_by(i.status))}
