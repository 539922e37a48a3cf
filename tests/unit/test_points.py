"""Points cannot be farmed: an act earns its points once per (member,
initiative, reason), undoing it takes them back, and an achievement counts
only for an initiative that moved something (its goal, or an official's answer)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from core.bootstrap import Runtime
from core.config import GoalSettings, Settings
from core.domain.reputation import PointReason, initiative_ref
from core.services import reputation
from core.storage import tables
from tests.support import People, Person, is_error, propose, text_of


@pytest.fixture
def settings() -> Settings:
    return Settings(goals=GoalSettings(commune=3))


def total(runtime: Runtime, person: Person) -> int:
    p, member_id = tables.points.c, person.member_id
    with runtime.uow() as uow:
        points = uow.session.scalar(
            select(func.coalesce(func.sum(p.points), 0)).where(p.member_id == member_id)
        )
    return int(points)


def test_volunteer_and_withdraw_cycles_earn_nothing_more(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice, bob = people["alice"], people["bob"]
    assert total(runtime, alice) == 5  # proposed
    for _ in range(10):
        assert not is_error(bob.say(f"/volunteer {initiative_id}"))
        assert total(runtime, bob) == 3 and total(runtime, alice) == 6
        assert not is_error(bob.say(f"/withdraw {initiative_id}"))
        assert total(runtime, bob) == 0 and total(runtime, alice) == 5
    bob.say(f"/volunteer {initiative_id}")
    assert (total(runtime, bob), total(runtime, alice)) == (3, 6)


def test_join_and_withdraw_cycles_give_the_author_nothing_more(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice, bob = people["alice"], people["bob"]
    for _ in range(5):
        assert not is_error(bob.say(f"/join {initiative_id}"))
        assert not is_error(bob.say(f"/withdraw {initiative_id}"))
    assert total(runtime, alice) == 5
    bob.say(f"/join {initiative_id}")
    # A supporter who joins after signing, then volunteers: still one point for the author.
    bob.say(f"/volunteer {initiative_id}")
    assert total(runtime, alice) == 6 and total(runtime, bob) == 3


def test_an_author_alone_cannot_mint_achievement_points(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    assert not is_error(alice.say(f"/progress {initiative_id} in_action"))
    assert not is_error(alice.say(f"/progress {initiative_id} achieved"))
    assert "achieved" in text_of(alice.say(f"/show {initiative_id}")).lower()
    assert total(runtime, alice) == 5
    top = text_of(people["eve"].say("/top"))
    assert "55" not in top


def test_an_initiative_that_reached_its_goal_earns_its_achievement_once(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    for who in ("bob", "carol"):
        people[who].say(f"/join {initiative_id}")
    # 5 proposed + 2 supporters + 20 goal reached
    assert total(runtime, alice) == 27
    alice.say(f"/progress {initiative_id} in_action")
    alice.say(f"/progress {initiative_id} achieved")
    assert total(runtime, alice) == 77
    assert is_error(alice.say(f"/progress {initiative_id} achieved"))
    assert total(runtime, alice) == 77


def test_the_database_keeps_one_line_per_member_reason_and_ref(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    alice_id = alice.member_id
    with runtime.uow() as uow:
        area_id = int(uow.session.scalar(select(tables.initiatives.c.area_id)))
        # Awarding again what is held already adds nothing...
        assert not reputation.award(
            uow, alice_id, area_id, PointReason.PROPOSED, initiative_ref(initiative_id)
        )
        uow.commit()
    assert total(runtime, alice) == 5
    # ...and a line written behind the service's back is refused by the unique key.
    with runtime.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(
            insert(tables.points).values(
                member_id=alice_id,
                area_id=area_id,
                reason=PointReason.PROPOSED.value,
                points=5,
                created_at=runtime.clock(),
                ref=initiative_ref(initiative_id),
            )
        )
        uow.session.flush()
