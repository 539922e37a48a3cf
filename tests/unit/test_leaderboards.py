"""Leaderboards kept as points are earned equal a rescore from the ledger;
the top and a member's rank come from them."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.reputation import PointReason
from core.services import leaderboards, reputation, standing
from core.services.areas import find_area
from core.services.leaderboards import Period, period_start
from core.storage import tables
from tests.support import Clock, People, is_error, propose

NAMES = ("alice", "bob", "carol", "dan", "erin", "frank", "gina")


def _rows(runtime: Runtime) -> set[tuple[object, ...]]:
    lp = tables.leaderboard_points.c
    with runtime.uow() as uow:
        return {
            tuple(r)
            for r in uow.session.execute(
                select(lp.area_id, lp.period, lp.start, lp.member_id, lp.points, lp.listed)
            )
            if r.points != 0  # a row whose points were all taken back ranks nobody
        }


def test_rescore_produces_exactly_the_kept_rows(runtime: Runtime, people: People, clock: Clock) -> None:
    rng = random.Random(3)
    ideas = [
        propose(people, "alice"),
        propose(people, "bob", title="Bike lanes downtown", area="Saint-Étienne"),
        propose(people, "carol", title="A bench by the river", area="Lyon"),
    ]
    people["dan"].say("/me")
    people["dan"].press("Hide me")
    for step in range(80):
        who, idea = people[rng.choice(NAMES)], rng.choice(ideas)
        verb = rng.choice(("/join", "/volunteer", "/withdraw"))
        who.say(f"{verb} {idea}")
        if step % 9 == 0:
            clock.advance(days=rng.randrange(1, 12))  # across weeks and months
    # An overturned decision voids the points it gave and took.
    erin, alice = people["erin"].member_id, people["alice"].member_id
    with runtime.uow() as uow:
        lyon = find_area(uow, "69123").id
        assert lyon is not None
        reputation.award(uow, erin, lyon, PointReason.REPORT_UPHELD, "d999")
        reputation.award(uow, alice, lyon, PointReason.CONTENT_REMOVED, "d999")
        uow.commit()
    clock.advance(days=40)
    with runtime.uow() as uow:
        reputation.void(uow, "d999")
        uow.commit()
    kept = _rows(runtime)
    assert {r[1] for r in kept} == {"week", "month", "all"} and len({r[2] for r in kept}) > 3
    assert leaderboards.rescore(runtime.uow()) == len(kept)
    assert _rows(runtime) == kept


def test_an_area_board_counts_its_sub_areas_and_the_national_one_everything(
    runtime: Runtime, people: People
) -> None:
    propose(people, "alice", area="Lyon")
    propose(people, "bob", title="Bike lanes downtown", area="Saint-Étienne")
    people["carol"].say("/join 1")
    with runtime.uow() as uow:
        region, lyon = find_area(uow, "R84").id, find_area(uow, "69123").id
    assert [(e.name, e.points) for e in standing.leaderboard(runtime.uow(), Period.WEEK, region).entries] == [
        ("alice", 6),
        ("bob", 5),
    ]
    assert [e.name for e in standing.leaderboard(runtime.uow(), Period.MONTH, lyon).entries] == ["alice"]
    assert [e.name for e in standing.leaderboard(runtime.uow(), Period.ALL).entries] == ["alice", "bob"]


def test_opted_out_members_keep_earning_unlisted_and_see_their_rank(runtime: Runtime, people: People) -> None:
    first = propose(people, "alice")
    propose(people, "bob", title="Bike lanes downtown")
    people["carol"].say(f"/join {first}")
    people["alice"].say("/me")
    people["alice"].press("Hide me")
    people["dan"].say(f"/volunteer {first}")  # alice earns a point while hidden
    board = standing.leaderboard(runtime.uow(), Period.ALL, viewer_id=people["alice"].member_id)
    assert [e.name for e in board.entries] == ["bob", "dan"]
    assert board.viewer is not None and (board.viewer.rank, board.viewer.points) == (1, 7)
    ranked = standing.leaderboard(runtime.uow(), Period.ALL, viewer_id=people["dan"].member_id).viewer
    assert ranked is not None and (ranked.rank, ranked.points) == (2, 3)
    people["alice"].say("/me")
    reply = people["alice"].press("Show me")
    assert not is_error(reply)
    assert [e.name for e in standing.leaderboard(runtime.uow(), Period.ALL).entries] == [
        "alice",
        "bob",
        "dan",
    ]


def test_periods_begin_at_midnight_in_the_deployment_time_zone() -> None:
    # Sunday 23:30 UTC is already Monday in Paris: a new week and, on the
    # last day of the month, a new month.
    at = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert period_start(Period.WEEK, at, "Europe/Paris").isoformat() == "2026-11-30"
    assert period_start(Period.WEEK, at, "UTC").isoformat() == "2026-11-23"
    month_end = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert period_start(Period.MONTH, month_end, "Europe/Paris").isoformat() == "2026-12-01"
    assert period_start(Period.MONTH, month_end, "UTC").isoformat() == "2026-11-01"
