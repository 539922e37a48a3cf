"""Leaderboards and the participation ladder."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.services import standing
from core.services.areas import find_area
from core.services.standing import Period
from tests.support import Clock, People, propose, text_of


def test_points_rank_people_who_move_things_and_respect_opt_out(people: People, runtime: Runtime) -> None:
    first = propose(people, "alice")
    for name in ("bob", "carol"):
        people[name].say(f"/join {first}")
    people["dan"].say(f"/volunteer {first}")
    board = standing.leaderboard(runtime.uow(), Period.MONTH)
    ranked = [(e.name, e.points) for e in board.entries]
    # alice: proposed 5 + 3 supports received; dan: volunteered 3
    assert ranked == [("alice", 8), ("dan", 3)]
    reply = people["alice"].say("/top")
    assert "1. alice — 8 points" in text_of(reply)
    people["alice"].say("/me")
    people["alice"].press("Hide me")
    assert [e.name for e in standing.leaderboard(runtime.uow(), Period.ALL).entries] == ["dan"]


def test_area_boards_include_sub_areas_only(people: People, runtime: Runtime) -> None:
    propose(people, "alice", area="Lyon")
    propose(people, "bob", title="Bike lanes downtown", area="Saint-Étienne")
    with runtime.uow() as uow:
        rhone = find_area(uow, "69").id
        region = find_area(uow, "R84").id
    assert [e.name for e in standing.leaderboard(runtime.uow(), Period.ALL, rhone).entries] == ["alice"]
    assert {e.name for e in standing.leaderboard(runtime.uow(), Period.ALL, region).entries} == {
        "alice",
        "bob",
    }


def test_weekly_board_forgets_older_points(people: People, runtime: Runtime, clock: Clock) -> None:
    propose(people, "alice")
    clock.advance(days=8)
    assert standing.leaderboard(runtime.uow(), Period.WEEK).entries == ()
    assert len(standing.leaderboard(runtime.uow(), Period.ALL).entries) == 1


def test_ladder_rungs(people: People, runtime: Runtime, clock: Clock) -> None:
    initiative = propose(people, "alice")
    people["bob"].say(f"/join {initiative}")
    assert standing.standing(runtime.uow(), people["alice"].member_id).rung.value == "creator"
    assert standing.standing(runtime.uow(), people["bob"].member_id).rung.value == "joiner"
    clock.advance(days=91)
    assert (
        standing.standing(runtime.uow(), people["bob"].member_id).rung.value == "spectator"
    )  # still follows
    assert standing.standing(runtime.uow(), people["eve"].member_id).rung.value == "inactive"
