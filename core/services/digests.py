"""Digests: per member, daily or weekly, at the member's time, never empty.

A digest gathers, for what the member joined or follows, what happened in its
period: new supporters (counts, never names), news posts, official
responses, status changes, counter-proposals; then new initiatives in the
home area and in followed areas and topics; then the week's trending
initiative. A member with nothing to hear of gets no digest at all.

Building is set-based: members who share a time zone, a digest time and a
frequency share a period, so the facts of that period are read once, and
the members are walked in id ranges with a handful of queries per range.
Each range is one transaction that writes the digest rows (one per member
and period, unique) and their deliveries; a tick that runs twice, or two
ticks at once, build each digest once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from core.config import Settings
from core.domain.deliveries import DeliveryDraft, DeliveryKind, DigestPeriod, delivery_key, digest_period
from core.domain.initiatives import Status, Visibility
from core.domain.supports import FollowTarget
from core.services.audiences import identities
from core.services.deliveries import insert_drafts
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "DIGEST_NEW_MAX",
    "DIGEST_WATCHED_MAX",
    "DigestEntry",
    "DigestRun",
    "DigestView",
    "build_due",
    "digest_view",
]

#: Initiatives with news shown in one digest, and new initiatives listed:
#: one message stays readable (the rest is counted).
DIGEST_WATCHED_MAX = 10
DIGEST_NEW_MAX = 5
TRENDING_DAYS = 7

_LIVE = [s.value for s in Status if not s.is_final] + [Status.ACHIEVED.value]


@dataclass(frozen=True)
class DigestRun:
    """What one tick built."""

    digests: int = 0
    deliveries: int = 0
    groups: int = 0


@dataclass
class _Facts:
    """What happened in one period, for every member sharing it."""

    #: initiative -> [new supporters, posts, responses, counter-proposals, new status or ""]
    news: dict[int, list[Any]] = field(default_factory=dict)
    #: new initiatives: id -> (author, topic, area ids from the root down)
    new: dict[int, tuple[int, str, tuple[int, ...]]] = field(default_factory=dict)
    #: area id -> new initiatives in it or below it, newest first
    new_by_area: dict[int, list[int]] = field(default_factory=dict)
    new_by_topic: dict[str, list[int]] = field(default_factory=dict)
    trending: tuple[int, int] | None = None


def _facts(uow: UnitOfWork, period: DigestPeriod) -> _Facts:
    i, s, p, r, a = (
        tables.initiatives.c,
        tables.supports.c,
        tables.posts.c,
        tables.responses.c,
        tables.areas.c,
    )
    since, until = period.since, period.due
    facts = _Facts()
    # News of any visible initiative, whatever its status: its people hear it
    # was achieved, withdrawn or expired too.
    visible = {
        int(x) for x in uow.session.scalars(select(i.id).where(i.visibility == Visibility.VISIBLE.value))
    }

    def bump(initiative_id: int, slot: int, amount: int = 1) -> None:
        if initiative_id in visible:
            entry = facts.news.setdefault(initiative_id, [0, 0, 0, 0, ""])
            entry[slot] += amount

    in_window = and_(s.created_at >= since, s.created_at < until)
    for initiative_id, n in uow.session.execute(
        select(s.initiative_id, func.count()).where(in_window).group_by(s.initiative_id)
    ):
        bump(int(initiative_id), 0, int(n))
    for initiative_id, n in uow.session.execute(
        select(p.initiative_id, func.count())
        .where(p.created_at >= since, p.created_at < until, p.visibility == Visibility.VISIBLE.value)
        .group_by(p.initiative_id)
    ):
        bump(int(initiative_id), 1, int(n))
    for initiative_id, n in uow.session.execute(
        select(r.initiative_id, func.count())
        .where(r.created_at >= since, r.created_at < until, r.visibility == Visibility.VISIBLE.value)
        .group_by(r.initiative_id)
    ):
        bump(int(initiative_id), 2, int(n))
    new_rows = uow.session.execute(
        select(i.id, i.author_id, i.topic, i.counter_to_id, a.path)
        .join(tables.areas, a.id == i.area_id)
        .where(
            i.created_at >= since,
            i.created_at < until,
            i.visibility == Visibility.VISIBLE.value,
            i.status.in_(_LIVE),
        )
        .order_by(i.created_at.desc(), i.id.desc())
    ).all()
    for row in new_rows:
        initiative_id = int(row.id)
        if row.counter_to_id is not None:
            bump(int(row.counter_to_id), 3)
        ancestry = tuple(int(x) for x in str(row.path).strip("/").split("/") if x)
        facts.new[initiative_id] = (int(row.author_id), str(row.topic), ancestry)
        for area_id in ancestry:
            facts.new_by_area.setdefault(area_id, []).append(initiative_id)
        facts.new_by_topic.setdefault(str(row.topic), []).append(initiative_id)
    for initiative_id, status in uow.session.execute(
        select(i.id, i.status).where(
            i.status_changed_at >= since,
            i.status_changed_at < until,
            i.status != Status.OPEN.value,
            i.visibility == Visibility.VISIBLE.value,
        )
    ):
        if int(initiative_id) in visible:
            facts.news.setdefault(int(initiative_id), [0, 0, 0, 0, ""])[4] = str(status)
    trending = uow.session.execute(
        select(s.initiative_id, func.count().label("gained"))
        .join(tables.initiatives, i.id == s.initiative_id)
        .where(
            s.created_at >= until - timedelta(days=TRENDING_DAYS),
            s.created_at < until,
            i.visibility == Visibility.VISIBLE.value,
            i.status.in_(_LIVE),
        )
        .group_by(s.initiative_id)
        .order_by(func.count().desc(), s.initiative_id.desc())
        .limit(1)
    ).first()
    if trending is not None:
        facts.trending = (int(trending[0]), int(trending[1]))
    return facts


def _weight(entry: list[Any]) -> tuple[int, ...]:
    supporters, posts, responses, counters, status = entry
    return (-responses, -int(bool(status)), -posts, -counters, -supporters)


def _items(
    member_id: int,
    home_area_id: int | None,
    watched: set[int],
    own_supports: set[int],
    areas: set[int],
    topics: set[str],
    facts: _Facts,
) -> dict[str, Any] | None:
    """One member's digest as compact JSON, or None when there is nothing to say."""
    news: list[list[Any]] = []
    for initiative_id in watched:
        entry = facts.news.get(initiative_id)
        if entry is None:
            continue
        supporters = entry[0] - (1 if initiative_id in own_supports else 0)
        item = [initiative_id, supporters, entry[1], entry[2], entry[3], entry[4]]
        if any(item[1:5]) or item[5]:
            news.append(item)
    news.sort(key=lambda x: (*_weight(x[1:]), x[0]))
    candidates: list[int] = []
    for area_id in ([home_area_id] if home_area_id is not None else []) + sorted(areas):
        candidates.extend(facts.new_by_area.get(area_id, ()))
    for topic in sorted(topics):
        candidates.extend(facts.new_by_topic.get(topic, ()))
    fresh = [
        x
        for x in dict.fromkeys(sorted(candidates, reverse=True))
        if x not in watched and facts.new[x][0] != member_id
    ]
    if not news and not fresh:
        return None
    items: dict[str, Any] = {
        "w": news[:DIGEST_WATCHED_MAX],
        "wn": len(news),
        "n": fresh[:DIGEST_NEW_MAX],
        "nn": len(fresh),
    }
    if facts.trending is not None and facts.trending[0] not in watched:
        items["t"] = list(facts.trending)
    return items


def _group_members(
    uow: UnitOfWork, zone: str, clock: str, frequency: str, period: DigestPeriod
) -> list[tuple[int, int | None]]:
    """Members of a group still without this period's digest, by id."""
    m, d = tables.members.c, tables.digests.c
    rows = uow.session.execute(
        select(m.id, m.home_area_id)
        .where(
            m.time_zone == zone,
            m.digest_time == clock,
            m.digest_frequency == frequency,
            m.created_at < period.due,
            ~exists().where(d.member_id == m.id, d.period == period.key),
        )
        .order_by(m.id)
    ).all()
    return [(int(r[0]), r[1]) for r in rows]


def _build_range(
    uow: UnitOfWork,
    members: list[tuple[int, int | None]],
    period: DigestPeriod,
    facts: _Facts,
) -> tuple[int, int]:
    """One transaction: the digests and deliveries of a range of members."""
    s, f = tables.supports.c, tables.follows.c
    low, high = members[0][0], members[-1][0]
    with uow:
        now = uow.now()
        watched: dict[int, set[int]] = defaultdict(set)
        own: dict[int, set[int]] = defaultdict(set)
        for member_id, initiative_id, created_at in uow.session.execute(
            select(s.member_id, s.initiative_id, s.created_at).where(s.member_id.between(low, high))
        ):
            if initiative_id in facts.news:
                watched[member_id].add(initiative_id)
                if period.since <= created_at < period.due:
                    own[member_id].add(initiative_id)
        areas: dict[int, set[int]] = defaultdict(set)
        topics: dict[int, set[str]] = defaultdict(set)
        for member_id, target_type, key in uow.session.execute(
            select(f.member_id, f.target_type, f.target_key).where(f.member_id.between(low, high))
        ):
            if target_type == FollowTarget.INITIATIVE.value:
                if key.isdigit() and int(key) in facts.news:
                    watched[member_id].add(int(key))
            elif target_type == FollowTarget.AREA.value:
                if key.isdigit():
                    areas[member_id].add(int(key))
            elif target_type == FollowTarget.TOPIC.value:
                topics[member_id].add(key)
        rows: list[dict[str, Any]] = []
        for member_id, home_area_id in members:
            items = _items(
                member_id,
                home_area_id,
                watched.get(member_id, set()),
                own.get(member_id, set()),
                areas.get(member_id, set()),
                topics.get(member_id, set()),
                facts,
            )
            if items is not None:
                rows.append({"member_id": member_id, "period": period.key, "built_at": now, "items": items})
        built = _insert_digests(uow, rows)
        drafts = [
            DeliveryDraft(
                key=delivery_key(
                    DeliveryKind.DIGEST.value, f"m{r.member_id}:{period.key}", r.platform, r.address
                ),
                platform=r.platform,
                address=r.address,
                kind=DeliveryKind.DIGEST.value,
                topic="digest",
                payload={"member_id": r.member_id, "period": period.key},
                language=r.language,
                not_before=now,
                member_id=r.member_id,
            )
            for r in identities(uow, built)
        ]
        insert_drafts(uow, drafts)
        uow.commit()
        return len(built), len(drafts)


def _insert_digests(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[int]:
    """Insert, skipping members whose digest exists (a racing tick); returns
    the members whose digest this transaction wrote."""
    if not rows:
        return []
    d = tables.digests
    dialect = uow.session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(d)
        .on_conflict_do_nothing(index_elements=["member_id", "period"])
        .returning(d.c.member_id)
    )
    built: list[int] = []
    for start in range(0, len(rows), 500):
        built.extend(int(x) for x in uow.session.scalars(stmt, rows[start : start + 500]))
    return built


def build_due(uow: UnitOfWork, settings: Settings, *, batch: int | None = None) -> DigestRun:
    """Build every digest due now and not built yet (the scheduler's tick).
    A member's latest period only: after downtime, the missed digest goes
    out once, not once per missed day."""
    size = batch or settings.notifications.digest_batch
    m = tables.members.c
    with uow:
        now = uow.now()
        groups = uow.session.execute(
            select(m.time_zone, m.digest_time, m.digest_frequency)
            .where(m.digest_frequency.in_(["daily", "weekly"]))
            .distinct()
        ).all()
    digests = deliveries = 0
    cache: dict[tuple[datetime, datetime], _Facts] = {}
    for zone, clock, frequency in groups:
        period = digest_period(str(frequency), str(clock), str(zone), now)
        if period is None:
            continue
        with uow:
            members = _group_members(uow, str(zone), str(clock), str(frequency), period)
            if not members:
                continue
            window = (period.since, period.due)
            if window not in cache:
                cache[window] = _facts(uow, period)
        facts = cache[window]
        for start in range(0, len(members), size):
            built, drafts = _build_range(uow, members[start : start + size], period, facts)
            digests += built
            deliveries += drafts
    return DigestRun(digests, deliveries, len(groups))


# --- reading one digest back, to render it ---------------------------------------


@dataclass(frozen=True)
class DigestEntry:
    initiative_id: int
    title: str
    supporters: int = 0
    posts: int = 0
    responses: int = 0
    counters: int = 0
    status: str = ""


@dataclass(frozen=True)
class DigestView:
    member_id: int
    period: str
    news: tuple[DigestEntry, ...]
    news_total: int
    new: tuple[DigestEntry, ...]
    new_total: int
    trending: DigestEntry | None


def digest_view(uow: UnitOfWork, member_id: int, period: str) -> DigestView | None:
    """A built digest with the current titles; initiatives hidden or removed
    since are left out, and None when nothing is left to say."""
    d, i = tables.digests.c, tables.initiatives.c
    with uow:
        items = uow.session.scalar(select(d["items"]).where(d.member_id == member_id, d.period == period))
        if items is None:
            return None
        ids = {int(x[0]) for x in items.get("w", [])} | {int(x) for x in items.get("n", [])}
        trending = items.get("t")
        if trending:
            ids.add(int(trending[0]))
        titles = {
            int(row.id): str(row.title)
            for row in uow.session.execute(
                select(i.id, i.title).where(i.id.in_(sorted(ids)), i.visibility == Visibility.VISIBLE.value)
            )
        }
    news = tuple(
        DigestEntry(int(x[0]), titles[int(x[0])], int(x[1]), int(x[2]), int(x[3]), int(x[4]), str(x[5]))
        for x in items.get("w", [])
        if int(x[0]) in titles
    )
    new = tuple(DigestEntry(int(x), titles[int(x)]) for x in items.get("n", []) if int(x) in titles)
    if not news and not new:
        return None
    shown_trending = None
    if trending and int(trending[0]) in titles:
        shown_trending = DigestEntry(int(trending[0]), titles[int(trending[0])], supporters=int(trending[1]))
    lost_news = len(items.get("w", [])) - len(news)
    lost_new = len(items.get("n", [])) - len(new)
    return DigestView(
        member_id=member_id,
        period=period,
        news=news,
        news_total=max(len(news), int(items.get("wn", 0)) - lost_news),
        new=new,
        new_total=max(len(new), int(items.get("nn", 0)) - lost_new),
        trending=shown_trending,
    )
