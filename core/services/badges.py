"""Badges earned as things happen, in the transaction of the act that earns
them (the rules: core.domain.badges).

Each measure of a member is a kept row (``badge_progress``) moved by the
fact it counts: a points line written or taken back (core.services.reputation
calls ``counted`` and ``taken``), a counter-proposal overtaking the
initiative it answered (``counter_supported``). When a measure moving up
reaches a threshold, the level is inserted unless the member holds it
(the unique key), and only then is ``BadgeEarned`` emitted: a level is
announced once. ``rescore`` rebuilds the measures from the facts and adds
the levels they reach (``possibles admin rescore``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from core.domain.badges import MEASURE_OF_POINTS, BadgeRule, EarnedBadge, Measure, counter_ref, highest_levels
from core.domain.events import BadgeEarned
from core.domain.reputation import PointReason
from core.services import counts
from core.storage import tables
from core.storage.ledger import insert_ignoring_duplicates
from core.storage.uow import UnitOfWork

__all__ = [
    "BadgeStanding",
    "counted",
    "counter_supported",
    "earned_by",
    "recompute",
    "rescore",
    "standings",
    "taken",
]


def _dialect(uow: UnitOfWork) -> str:
    return "postgresql" if uow.session.get_bind().dialect.name == "postgresql" else "sqlite"


def _insert(uow: UnitOfWork, table: Any) -> Any:
    return (postgresql if _dialect(uow) == "postgresql" else sqlite).insert(table)


@cache
def _move_statement(dialect: str) -> Any:
    # Built once per database kind (they run on every join): building an
    # upsert costs more than running it.
    bp = tables.badge_progress.c
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(tables.badge_progress)
    return stmt.on_conflict_do_update(
        index_elements=["member_id", "measure"], set_={"value": bp.value + stmt.excluded.value}
    )


@cache
def _up_statement(dialect: str) -> Any:
    return _move_statement(dialect).returning(tables.badge_progress.c.value)


@cache
def _award_statement(dialect: str) -> Any:
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(tables.badges)
    return stmt.on_conflict_do_nothing(index_elements=["member_id", "badge", "level"]).returning(
        tables.badges.c.id
    )


def _move(uow: UnitOfWork, moves: dict[tuple[int, Measure], int]) -> None:
    """Add to measures (one statement, executed for every row)."""
    if not moves:
        return
    # Sorted: two transactions moving the same rows lock them in one order.
    values = [{"member_id": m, "measure": k.value, "value": n} for (m, k), n in sorted(moves.items())]
    uow.session.execute(_move_statement(_dialect(uow)), values)


def _award(uow: UnitOfWork, member_id: int, rule: BadgeRule, level: int) -> None:
    row = uow.session.execute(
        _award_statement(_dialect(uow)),
        {"member_id": member_id, "badge": rule.key, "level": level, "earned_at": uow.now()},
    ).first()
    if row is not None:
        uow.emit(BadgeEarned(member_id=member_id, badge=rule.key, level=level))


def _went_up(uow: UnitOfWork, member_id: int, measure: Measure) -> None:
    value = int(
        uow.session.execute(
            _up_statement(_dialect(uow)),
            {"member_id": member_id, "measure": measure.value, "value": 1},
        ).scalar_one()
    )
    for rule in uow.badges.counting(measure):
        level = rule.level_reached_by(value)
        if level is not None:
            _award(uow, member_id, rule, level)


def counted(uow: UnitOfWork, member_id: int, reason: PointReason) -> None:
    """Inside an open unit of work: a points line of ``reason`` was written
    for the member; the measure it counts goes up (a level may be earned)."""
    measure = MEASURE_OF_POINTS.get(reason)
    if measure is not None:
        _went_up(uow, member_id, measure)


def taken(uow: UnitOfWork, lines: Iterable[tuple[int, PointReason]]) -> None:
    """Inside an open unit of work: these points lines (member, reason) were
    deleted; what they counted goes down. Levels earned stay earned."""
    moves: Counter[tuple[int, Measure]] = Counter()
    for member_id, reason in lines:
        measure = MEASURE_OF_POINTS.get(PointReason(reason))
        if measure is not None:
            moves[(member_id, measure)] -= 1
    _move(uow, dict(moves))


def counter_supported(
    uow: UnitOfWork, counter_id: int, author_id: int, counter_to_id: int, supporters: int
) -> None:
    """Inside an open unit of work: the counter-proposal ``counter_id`` now has
    ``supporters``; the first time it has more than the initiative it
    answers, that counts for its author (once per counter-proposal)."""
    if supporters <= counts.counts_of(uow, counter_to_id).supporters:
        return
    f = tables.badge_facts.c
    stmt = (
        _insert(uow, tables.badge_facts)
        .values(
            member_id=author_id,
            measure=Measure.COUNTERS_AHEAD.value,
            ref=counter_ref(counter_id),
            at=uow.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id", "measure", "ref"])
        .returning(f.id)
    )
    if uow.session.execute(stmt).first() is not None:
        _went_up(uow, author_id, Measure.COUNTERS_AHEAD)


def earned_by(uow: UnitOfWork, member_id: int) -> tuple[EarnedBadge, ...]:
    """Inside an open unit of work: the member's highest level of each badge."""
    b = tables.badges.c
    rows = uow.session.execute(
        select(b.badge, func.max(b.level)).where(b.member_id == member_id).group_by(b.badge)
    ).all()
    return highest_levels(((str(r[0]), int(r[1])) for r in rows), uow.badges)


@dataclass(frozen=True)
class BadgeStanding:
    """Where a member stands on one badge: the level held (0: none yet) and
    what its measure counts now."""

    badge: str
    level: int
    value: int


def standings(uow: UnitOfWork, member_id: int) -> tuple[BadgeStanding, ...]:
    """Every configured badge, in order, with the member's level and measure
    (two statements)."""
    with uow:
        held = {e.badge: e.level for e in earned_by(uow, member_id)}
        bp = tables.badge_progress.c
        values = {
            str(measure): int(value)
            for measure, value in uow.session.execute(
                select(bp.measure, bp.value).where(bp.member_id == member_id)
            )
        }
    return tuple(
        BadgeStanding(rule.key, held.get(rule.key, 0), max(0, values.get(rule.measure.value, 0)))
        for rule in uow.badges.rules
    )


def _overtaking(uow: UnitOfWork, member_ids: list[int] | None) -> None:
    """Counter-proposals ahead of what they answer now and not yet counted
    (supports loaded in bulk): their facts are written."""
    i, c = tables.initiatives.c, tables.initiative_counts.c
    original = tables.initiative_counts.alias("original")
    stmt = (
        select(i.id, i.author_id)
        .join(tables.initiative_counts, c.initiative_id == i.id)
        .outerjoin(original, original.c.initiative_id == i.counter_to_id)
        .where(i.counter_to_id.is_not(None), c.supporters > func.coalesce(original.c.supporters, 0))
    )
    if member_ids is not None:
        stmt = stmt.where(i.author_id.in_(member_ids))
    now = uow.now()
    rows = [
        {"member_id": int(a), "measure": Measure.COUNTERS_AHEAD.value, "ref": counter_ref(int(n)), "at": now}
        for n, a in uow.session.execute(stmt)
    ]
    insert_ignoring_duplicates(uow, tables.badge_facts, rows, ["member_id", "measure", "ref"])


def recompute(uow: UnitOfWork, member_ids: list[int] | None = None) -> int:
    """Inside an open unit of work: rebuild the measures of these members
    (all when None) from the points ledger and the facts, and add the levels
    they reach without announcing them; no level is taken away. Returns how
    many levels were added. (Merging two members calls it for the one kept.)"""
    p, f, bp = tables.points.c, tables.badge_facts.c, tables.badge_progress.c
    _overtaking(uow, member_ids)
    wipe = delete(tables.badge_progress)
    lines = select(p.member_id, p.reason, func.count()).group_by(p.member_id, p.reason)
    facts = select(f.member_id, f.measure, func.count()).group_by(f.member_id, f.measure)
    if member_ids is not None:
        wipe = wipe.where(bp.member_id.in_(member_ids))
        lines = lines.where(p.member_id.in_(member_ids))
        facts = facts.where(f.member_id.in_(member_ids))
    uow.session.execute(wipe)
    values: Counter[tuple[int, Measure]] = Counter()
    for member_id, reason, n in uow.session.execute(lines):
        measure = MEASURE_OF_POINTS.get(PointReason(reason))
        if measure is not None:
            values[(int(member_id), measure)] += int(n)
    for member_id, measure, n in uow.session.execute(facts):
        values[(int(member_id), Measure(measure))] += int(n)
    rows = [{"member_id": m, "measure": k.value, "value": n} for (m, k), n in sorted(values.items())]
    insert_ignoring_duplicates(uow, tables.badge_progress, rows, ["member_id", "measure"])
    b = tables.badges.c
    before = _count(uow, member_ids)
    now = uow.now()
    levels = [
        {"member_id": m, "badge": rule.key, "level": level, "earned_at": now}
        for (m, measure), n in sorted(values.items())
        for rule in uow.badges.counting(measure)
        for level in range(1, rule.levels_at(n) + 1)
    ]
    insert_ignoring_duplicates(uow, tables.badges, levels, [b.member_id.name, b.badge.name, b.level.name])
    return _count(uow, member_ids) - before


def _count(uow: UnitOfWork, member_ids: list[int] | None) -> int:
    b = tables.badges.c
    stmt = select(func.count()).select_from(tables.badges)
    if member_ids is not None:
        stmt = stmt.where(b.member_id.in_(member_ids))
    return int(uow.session.scalar(stmt) or 0)


def rescore(uow: UnitOfWork) -> int:
    """Rebuild every measure and add the levels reached (run after the
    supporter counts are recounted: counter-proposals compare them)."""
    with uow:
        added = recompute(uow)
        uow.commit()
    return added
