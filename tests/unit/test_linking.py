"""/link and /unlink: one person across platforms (core.services.linking)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from core.bootstrap import Runtime
from core.domain.members import Role
from core.domain.reputation import PointReason
from core.services import leaderboards, linking
from core.storage import tables
from core.storage.member_keys import member_keys
from tests.support import Clock, People, Person, is_error, text_of
from tests.unit.test_moderation import grant, publish

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


def other(people: People, name: str, platform: str = "tg") -> Person:
    """Someone's account on a second platform."""
    return Person(people.chat, name, platform=platform)


def code_of(person: Person) -> str:
    reply = person.say("/link")
    assert not is_error(reply), text_of(reply)
    found = CODE.search(text_of(reply))
    assert found, text_of(reply)
    return found[1]


def rows(runtime: Runtime, table: Any, *where: Any) -> list[Any]:
    with runtime.uow() as uow:
        return list(uow.session.execute(select(table).where(*where)).all())


def derived(runtime: Runtime) -> tuple[list[Any], list[Any], list[Any]]:
    """The kept counts and leaderboards, in a comparable form (rows down to
    zero stay where they were kept, and are not rebuilt: left out)."""
    return (
        sorted(r for r in rows(runtime, tables.initiative_counts) if r.supporters),
        sorted(r for r in rows(runtime, tables.support_days) if r.supports),
        sorted(r for r in rows(runtime, tables.leaderboard_points) if r.points),
    )


def assert_derived_right(runtime: Runtime) -> None:
    """The counts and leaderboards kept through the merge are those rebuilt
    from scratch from the supports and the points ledger."""
    kept = derived(runtime)
    leaderboards.rescore(runtime.uow())
    assert derived(runtime) == kept


def points_of(runtime: Runtime, member_id: int) -> list[tuple[str, str, int]]:
    p = tables.points.c
    return sorted(
        (str(r.reason), str(r.ref), int(r.points))
        for r in rows(runtime, tables.points, p.member_id == member_id)
    )


def test_every_member_column_has_a_linking_rule() -> None:
    """A table added with a member column fails here until linking says what it does with it."""
    found = {key.name for key in member_keys()}
    assert found, "no member column found in the schema"
    assert found == set(linking.MERGE), (
        f"without a rule: {sorted(found - set(linking.MERGE))}; stale: {sorted(set(linking.MERGE) - found)}"
    )
    assert found >= linking.TECHNICAL


def test_link_merges_overlapping_supports_points_and_roles(runtime: Runtime, people: People) -> None:
    alice, bob = people["alice"], people["bob"]
    bob_tg = other(people, "bob")
    initiative = publish(runtime, alice)
    second = publish(runtime, alice, title="Benches along the river banks")
    assert not is_error(bob.say(f"/join {initiative}"))
    assert not is_error(bob.say(f"/join {second}"))
    assert not is_error(bob_tg.say(f"/volunteer {initiative}"))  # the same initiative, from the other account
    grant(runtime, bob)
    grant(runtime, bob_tg)  # the same role on both
    bob_id, bob_tg_id = bob.member_id, bob_tg.member_id
    before = {r.initiative_id: (r.supporters, r.volunteers) for r in rows(runtime, tables.initiative_counts)}
    assert before[initiative] == (3, 2)  # alice, bob, bob on tg; alice and bob on tg volunteer

    reply = bob_tg.say(f"/link {code_of(bob)}")
    assert not is_error(reply), text_of(reply)
    assert "2 accounts" in text_of(reply)

    assert bob.member_id == bob_tg.member_id == bob_id  # the older member is kept
    s = tables.supports.c
    mine = rows(runtime, tables.supports, s.member_id == bob_id)
    assert sorted((r.initiative_id, r.kind) for r in mine) == [
        (initiative, "volunteer"),
        (second, "supporter"),
    ]
    after = {r.initiative_id: (r.supporters, r.volunteers) for r in rows(runtime, tables.initiative_counts)}
    assert after[initiative] == (2, 2)  # two supports of one initiative count once
    assert after[second] == before[second]
    # Alice keeps one point per supporter: one person now.
    assert points_of(runtime, alice.member_id) == sorted(
        [
            ("proposed", f"i{initiative}", 5),
            ("proposed", f"i{second}", 5),
            ("support_received", f"i{initiative}/m{bob_id}", 1),
            ("support_received", f"i{second}/m{bob_id}", 1),
        ]
    )
    assert points_of(runtime, bob_id) == [("volunteered", f"i{initiative}", 3)]
    assert rows(runtime, tables.points, tables.points.c.member_id == bob_tg_id) == []
    roles = rows(runtime, tables.member_roles, tables.member_roles.c.member_id == bob_id)
    assert [r.role for r in roles] == [Role.MODERATOR.value]
    assert rows(runtime, tables.members, tables.members.c.id == bob_tg_id) == []
    # Nothing anywhere still names the member who is gone.
    for key in member_keys():
        assert rows(runtime, key.table, key.column == bob_tg_id) == [], key.name
    assert_derived_right(runtime)
    # The history keeps who did what: the events name both, and the link.
    events = rows(runtime, tables.outbox)
    assert any(e.name == "support_added" and e.payload["member_id"] == bob_tg_id for e in events)
    linked = [e.payload for e in events if e.name == "members_linked"]
    assert linked == [{"member_id": bob_id, "absorbed_id": bob_tg_id}]
    # One person: withdrawing from either account withdraws the one support.
    assert not is_error(bob_tg.say(f"/withdraw {initiative}"))
    assert rows(runtime, tables.supports, s.member_id == bob_id, s.initiative_id == initiative) == []
    assert_derived_right(runtime)


def test_supporting_ones_own_initiative_from_the_other_account_counts_once(
    runtime: Runtime, people: People
) -> None:
    alice = people["alice"]
    initiative = publish(runtime, alice)
    alice_tg = other(people, "alice")
    assert not is_error(alice_tg.say(f"/join {initiative}"))
    assert not is_error(alice.say(f"/link {code_of(alice_tg)}"))
    counted = rows(runtime, tables.initiative_counts, tables.initiative_counts.c.initiative_id == initiative)
    assert (counted[0].supporters, counted[0].volunteers) == (1, 1)
    assert points_of(runtime, alice.member_id) == [("proposed", f"i{initiative}", 5)]
    assert_derived_right(runtime)


def test_the_member_with_a_history_is_kept(runtime: Runtime, people: People) -> None:
    newcomer = people["newcomer"]
    newcomer.say("/start")  # the older member, with no history
    veteran_tg = other(people, "veteran")
    publish(runtime, veteran_tg)
    veteran_id = veteran_tg.member_id
    assert not is_error(newcomer.say(f"/link {code_of(veteran_tg)}"))
    assert newcomer.member_id == veteran_id
    identity = rows(runtime, tables.identities, tables.identities.c.external_id == "newcomer")[0]
    assert identity.linked_at is not None and identity.brought_history is False


def test_a_code_works_once_and_only_for_ten_minutes(runtime: Runtime, people: People, clock: Clock) -> None:
    bob, carol, dave = people["bob"], other(people, "carol"), other(people, "dave")
    code = code_of(bob)
    assert not is_error(carol.say(f"/link {code}"))
    reply = dave.say(f"/link {code}")
    assert is_error(reply) and "wrong, used or expired" in text_of(reply)
    assert dave.member_id != bob.member_id

    late = code_of(people["erin"])
    clock.advance(minutes=10, seconds=1)
    reply = other(people, "erin").say(f"/link {late}")
    assert is_error(reply) and "expired" in text_of(reply)
    # A new code replaces the former one.
    first = code_of(people["erin"])
    second = code_of(people["erin"])
    assert is_error(other(people, "erin").say(f"/link {first}"))
    assert not is_error(other(people, "erin").say(f"/link {second.lower().replace('-', ' ')}"))


def test_five_wrong_codes_lock_link_for_an_hour(runtime: Runtime, people: People, clock: Clock) -> None:
    mallory = other(people, "mallory")
    # Not a code at all: said so, and not counted as a try.
    reply = mallory.say("/link hello")
    assert is_error(reply) and "8 letters and digits" in text_of(reply)
    assert rows(runtime, tables.link_failures) == []
    answers = [text_of(mallory.say("/link AAAA-AAAA")) for _ in range(5)]
    assert "4 more tries" in answers[0] and "1 more try" in answers[3]
    assert "locked for 60 more minutes" in answers[4]
    good = code_of(people["bob"])
    reply = mallory.say(f"/link {good}")
    assert is_error(reply) and "locked" in text_of(reply)
    assert mallory.member_id != people["bob"].member_id
    clock.advance(minutes=30)
    assert "locked for 30 more minutes" in text_of(mallory.say(f"/link {good}"))
    clock.advance(minutes=30, seconds=1)
    reply = mallory.say(f"/link {code_of(people['bob'])}")  # the first one expired meanwhile
    assert not is_error(reply), text_of(reply)
    assert mallory.member_id == people["bob"].member_id


def test_own_code_is_refused_and_not_counted(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    reply = bob.say(f"/link {code_of(bob)}")
    assert is_error(reply) and "your own" in text_of(reply)
    assert rows(runtime, tables.link_failures) == []


def test_a_used_code_typed_again_after_linking_is_used_not_ones_own(runtime: Runtime, people: People) -> None:
    """Once the link is made, the code's owner and the one who typed it are one
    member: the code typed again is a used code (and counted), not "your own"."""
    bob, carol = people["bob"], other(people, "carol")
    code = code_of(bob)
    assert not is_error(carol.say(f"/link {code}"))
    reply = carol.say(f"/link {code}")
    assert is_error(reply) and "wrong, used or expired" in text_of(reply), text_of(reply)
    assert len(rows(runtime, tables.link_failures)) == 1


def _suspend(runtime: Runtime, person: Person, **values: Any) -> None:
    with runtime.uow() as uow:
        uow.session.execute(
            update(tables.members).where(tables.members.c.id == person.member_id).values(**values)
        )
        uow.commit()


def test_linking_keeps_the_longest_suspension(runtime: Runtime, people: People, clock: Clock) -> None:
    bob, bob_tg = people["bob"], other(people, "bob")
    _suspend(runtime, bob, suspended_until=clock.now + timedelta(days=3))
    _suspend(runtime, bob_tg, suspended_until=clock.now + timedelta(days=7))
    assert not is_error(bob_tg.say(f"/link {code_of(bob)}"))
    member = rows(runtime, tables.members, tables.members.c.id == bob.member_id)[0]
    assert member.suspended_until.replace(tzinfo=None) == (clock.now + timedelta(days=7)).replace(tzinfo=None)
    assert "suspended" in text_of(bob.say(f"/join {publish(runtime, people['alice'])}"))

    carol, carol_tg = people["carol"], other(people, "carol")
    _suspend(runtime, carol_tg, suspended_permanently=True)
    assert not is_error(carol.say(f"/link {code_of(carol_tg)}"))
    member = rows(runtime, tables.members, tables.members.c.id == carol.member_id)[0]
    assert member.suspended_permanently is True


def test_unlink_refuses_where_unsafe_and_changes_nothing(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    from tests.unit.test_handovers import snapshot

    bob, bob_tg = people["bob"], other(people, "bob")
    reply = bob.say("/unlink")
    assert is_error(reply) and "only account" in text_of(reply)
    # Both with a history: what came over cannot be given back.
    publish(runtime, bob)
    carol_initiative = publish(runtime, people["carol"])
    assert not is_error(bob_tg.say(f"/join {carol_initiative}"))
    assert not is_error(bob_tg.say(f"/link {code_of(bob)}"))
    before = snapshot(runtime)
    reply = bob_tg.say("/unlink")
    assert is_error(reply) and "its own history" in text_of(reply)
    reply = bob.say("/unlink")
    assert is_error(reply) and "began with" in text_of(reply)
    assert snapshot(runtime) == before

    dave, dave_tg = people["dave"], other(people, "dave")
    dave.say("/start")
    assert not is_error(dave_tg.say(f"/link {code_of(dave)}"))
    _suspend(runtime, dave, suspended_until=clock.now + timedelta(days=1))
    before = snapshot(runtime)
    reply = dave_tg.say("/unlink")
    assert is_error(reply) and "suspension" in text_of(reply)
    assert snapshot(runtime) == before


def test_unlink_gives_back_an_identity_that_came_empty_handed(runtime: Runtime, people: People) -> None:
    erin, erin_tg = people["erin"], other(people, "erin")
    publish(runtime, erin)
    erin_tg.say("/start")
    erin_id = erin.member_id
    assert not is_error(erin_tg.say(f"/link {code_of(erin)}"))
    assert erin_tg.member_id == erin_id
    reply = erin_tg.say("/unlink")
    assert not is_error(reply), text_of(reply)
    assert erin_tg.member_id != erin_id
    assert erin.member_id == erin_id
    assert points_of(runtime, erin_tg.member_id) == []
    assert [e.name for e in rows(runtime, tables.outbox)][-1] == "member_unlinked"
    assert (
        rows(runtime, tables.points, tables.points.c.reason == PointReason.PROPOSED)[0].member_id == erin_id
    )


#: Statements of /link CODE (the merge) between two members with a little
#: history each, as measured (60 with 27 member columns): about two per
#: column that holds a member (core.storage.member_keys: a delete of the
#: duplicates on a unique key, then the update), one or two per support both
#: held, and the badge measures rebuilt; it grows with the schema, not with
#: the rest of the data. Far above the 8 of other commands: a merge touches
#: every table that holds a member.
def merge_statements() -> int:
    return 2 * len(member_keys()) + 6


def test_link_code_statements_are_bounded(runtime: Runtime, people: People) -> None:
    from benchmarks.statements import count_statements

    alice, bob, bob_tg = people["alice"], people["bob"], other(people, "bob")
    initiative = publish(runtime, alice)
    bob.say(f"/join {initiative}")
    bob_tg.say(f"/join {initiative}")
    code = code_of(bob)
    bob_tg.say("/help")
    with count_statements(runtime.database.engine) as count:
        reply = bob_tg.say(f"/link {code}")
    assert not is_error(reply), text_of(reply)
    assert count.statements <= merge_statements(), count
    assert count.transactions <= 2, count


def test_badges_held_by_both_are_kept_once_and_measures_rebuilt(database: Any, clock: Clock) -> None:
    from core.services import badges
    from tests.support import load_small_tree, with_badges

    runtime = Runtime(with_badges(), database, clock)  # the shipped badges
    load_small_tree(runtime)
    people = People(runtime.chat())
    alice, bob, bob_tg = people["alice"], people["bob"], other(people, "bob")
    theirs = publish(runtime, alice)
    publish(runtime, bob)
    publish(runtime, bob_tg, title="Benches along the river banks")
    assert not is_error(bob.say(f"/volunteer {theirs}"))
    assert not is_error(bob_tg.say(f"/volunteer {theirs}"))
    assert not is_error(bob_tg.say(f"/link {code_of(bob)}"))
    b, bp = tables.badges.c, tables.badge_progress.c
    held = sorted((r.badge, r.level) for r in rows(runtime, tables.badges, b.member_id == bob.member_id))
    assert held == sorted(set(held)) and ("first_initiative", 1) in held and ("volunteer", 1) in held
    mine = rows(runtime, tables.badge_progress, bp.member_id == bob.member_id)
    progress = {r.measure: r.value for r in mine}
    assert progress["proposed"] == 2 and progress["volunteered"] == 1  # one person, one volunteering
    kept = sorted(rows(runtime, tables.badge_progress))
    with runtime.uow() as uow:
        badges.recompute(uow)
        uow.commit()
    assert sorted(rows(runtime, tables.badge_progress)) == kept
