"""Officials: invite codes, public responses inside their mandate's area,
editing with history, and their public record — through the chat as people do."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import GoalSettings, LimitSettings, Settings
from core.domain.members import Identity
from core.domain.reputation import PointReason
from core.errors import Forbidden, InvalidState
from core.services import admin, flows, initiatives, members, officials
from core.services.initiatives import Proposal
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, is_error, load_small_tree, text_of

LYON, SAINT_ETIENNE, PARIS = "69123", "42218", "75056"


@pytest.fixture
def settings() -> Settings:
    """A commune's goal of 3 supporters, to reach it in a few joins; room
    for one author to publish the handful of initiatives a test needs."""
    return Settings(goals=GoalSettings(commune=3), limits=LimitSettings(proposals_per_day=10))


def area_id(runtime: Runtime, code: str) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == code)))


def publish(
    runtime: Runtime, people: People, author: str, code: str, title: str = "Trees on the square"
) -> int:
    proposal = Proposal(title, "Plant ten lime trees for shade.", area_id(runtime, code), "environment")
    return initiatives.propose(runtime.uow(), people[author].member_id, proposal, runtime.settings)


def reach_goal(people: People, initiative_id: int) -> None:
    """The author plus two joins: the commune goal of 3 is reached."""
    for name in ("sam", "tess"):
        assert not is_error(people[name].say(f"/join {initiative_id}"))


def status(runtime: Runtime, initiative_id: int) -> str:
    with runtime.uow() as uow:
        return initiatives.get_initiative(uow, initiative_id).status


def count(runtime: Runtime, table: object, *where: object) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)  # type: ignore[arg-type]


def outbox(runtime: Runtime, name: str) -> list[dict[str, object]]:
    o = tables.outbox.c
    with runtime.uow() as uow:
        return [dict(p) for p in uow.session.scalars(select(o.payload).where(o.name == name).order_by(o.id))]


def make_official(runtime: Runtime, people: People, who: str, code: str, title: str) -> int:
    """An official through the real path: an invite code, then /claim."""
    invite = admin.create_invite(runtime.uow(), code, title)
    reply = people[who].say(f"/claim {invite.code}")
    assert not is_error(reply), text_of(reply)
    return people[who].member_id


def answer(people: People, who: str, initiative_id: int, position: str, text: str) -> str:
    """The whole /respond flow; returns what the official read at the end."""
    person = people[who]
    reply = person.say(f"/respond {initiative_id}")
    assert not is_error(reply), text_of(reply)
    person.press(position)
    person.say(text)
    return text_of(person.press("Publish"))


# --- invite codes -------------------------------------------------------------


def test_an_invite_code_makes_one_official_and_only_once(runtime: Runtime, people: People) -> None:
    invite = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon")
    typed = invite.code.lower().replace("-", " ")  # as people copy it
    reply = people["mayor"].say(f"/claim {typed}")
    assert not is_error(reply)
    assert "Maire de Lyon (Lyon)" in text_of(reply)
    with runtime.uow() as uow:
        assert members.member_roles(uow, people["mayor"].member_id) == frozenset({"official"})

    again = people["eve"].say(f"/claim {invite.code}")
    assert is_error(again)
    assert "already used" in text_of(again)
    assert count(runtime, tables.mandates) == 1
    with runtime.uow() as uow:
        assert members.member_roles(uow, people["eve"].member_id) == frozenset()
    assert "already redeemed" in text_of(people["mayor"].say(f"/claim {invite.code}"))
    second = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon")
    assert "already hold a mandate over Lyon" in text_of(people["mayor"].say(f"/claim {second.code}"))
    assert count(runtime, tables.mandates) == 1
    assert [i.state for i in admin.list_invites(runtime.uow())] == ["open", "used"]


def test_an_expired_or_unknown_code_is_refused_and_changes_nothing(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    invite = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon", days_valid=2)
    clock.advance(days=2)
    reply = people["mayor"].say(f"/claim {invite.code}")
    assert is_error(reply) and "expired" in text_of(reply)
    assert "no invite code ZZZZZ-ZZZZZ" in text_of(people["mayor"].say("/claim zzzzz-zzzzz"))
    assert "Give the invite code" in text_of(people["mayor"].say("/claim"))
    assert count(runtime, tables.mandates) == 0
    [listed] = admin.list_invites(runtime.uow())
    assert listed.state == "expired" and listed.redeemed_by is None

    people["zoe"].language = "fr"
    assert "a expiré" in text_of(people["zoe"].say(f"/claim {invite.code}"))


@pytest.fixture
def shared_runtime(shared_database: Database, settings: Settings) -> Runtime:
    """A runtime on a database several connections really share."""
    runtime = Runtime(settings, shared_database)
    load_small_tree(runtime)
    return runtime


def test_two_people_redeeming_the_same_code_at_once_one_wins(shared_runtime: Runtime) -> None:
    runtime = shared_runtime
    invite = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon")
    ids = [
        members.enter(runtime.uow(), Identity("test", f"p{n}"), f"p{n}", "en", runtime.settings).id
        for n in range(8)
    ]
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def redeem(member_id: int) -> None:
        barrier.wait()
        try:
            officials.claim(runtime.uow(), member_id, invite.code)
            outcomes.append("won")
        except InvalidState as error:
            outcomes.append(error.key)

    threads = [threading.Thread(target=redeem, args=(member_id,)) for member_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["error.invite_used"] * (len(ids) - 1) + ["won"]
    assert count(runtime, tables.mandates) == 1
    assert count(runtime, tables.member_roles) == 1


# --- responding -----------------------------------------------------------------


def test_an_official_answers_only_inside_the_mandate_area(runtime: Runtime, people: People) -> None:
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    make_official(runtime, people, "minister", "FR", "Ministre de la Transition écologique")
    in_lyon = publish(runtime, people, "alice", LYON)
    in_saint_etienne = publish(runtime, people, "alice", SAINT_ETIENNE, "Bike lanes downtown")

    refused = people["mayor"].say(f"/respond {in_saint_etienne}")
    assert is_error(refused)
    assert "Saint-Étienne, outside the areas of your mandates" in text_of(refused)
    with runtime.uow() as uow:
        assert flows._load(uow, people["mayor"].member_id) is None  # no flow started

    assert "is published" in answer(people, "mayor", in_lyon, "I support it", "We will plant them in spring.")
    assert "is published" in answer(
        people, "minister", in_saint_etienne, "I will study it", "My services look at it."
    )
    funded = answer(people, "minister", in_lyon, "I support it", "The State will help fund it.")
    assert "is published" in funded
    assert count(runtime, tables.responses) == 3
    with pytest.raises(Forbidden):
        officials.respond(
            runtime.uow(), people["mayor"].member_id, in_saint_etienne, "supports", "x", runtime.settings
        )


def test_the_first_response_moves_the_initiative_to_answered(runtime: Runtime, people: People) -> None:
    mayor_id = make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    initiative_id = publish(runtime, people, "alice", LYON)
    reach_goal(people, initiative_id)
    assert status(runtime, initiative_id) == "goal_reached"

    answer(people, "mayor", initiative_id, "I support it", "We will plant them in spring.")
    assert status(runtime, initiative_id) == "answered"
    assert "answered" in text_of(people["bob"].say(f"/show {initiative_id}"))
    assert outbox(runtime, "initiative_status_changed")[-1] == {
        "initiative_id": initiative_id,
        "old": "goal_reached",
        "new": "answered",
    }
    [posted] = outbox(runtime, "response_posted")
    assert posted["official_id"] == mayor_id and posted["edited"] is False
    p = tables.points.c
    alice = people["alice"].member_id
    assert (
        count(runtime, tables.points, p.member_id == alice, p.reason == PointReason.OFFICIAL_RESPONSE.value)
        == 1
    )

    shown = text_of(people["bob"].say(f"/responses {initiative_id}"))
    assert "I support it" in shown and "We will plant them in spring." in shown
    assert "mayor, Maire de Lyon" in shown and "edited" not in shown


def test_responding_again_edits_and_keeps_the_history(runtime: Runtime, people: People) -> None:
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    make_official(runtime, people, "region", "R84", "Présidente de région")
    initiative_id = publish(runtime, people, "alice", LYON)
    answer(people, "mayor", initiative_id, "I will study it", "We look into it.")
    answer(people, "region", initiative_id, "I support it", "The region co-funds.")

    people["mayor"].say(f"/respond {initiative_id}")
    assert "You already answered (🔍 I will study it)" in text_of(people["mayor"].last)
    people["mayor"].press("I support it")
    people["mayor"].say("Decided: planting in March.")
    assert "is updated" in text_of(people["mayor"].press("Publish"))

    assert count(runtime, tables.responses) == 2  # one per mandate, not one per answer
    rv = tables.response_revisions.c
    with runtime.uow() as uow:
        [(position, body)] = uow.session.execute(select(rv.position, rv.body)).all()
    assert (position, body) == ("will_study", "We look into it.")
    shown = text_of(people["bob"].say(f"/responses {initiative_id}"))
    assert "Decided: planting in March." in shown and "We look into it." not in shown
    assert "edited on" in shown and "(1 earlier version)" in shown
    assert [e["edited"] for e in outbox(runtime, "response_posted")] == [False, False, True]
    # Only the first response of the initiative moves it and rewards its author.
    assert len(outbox(runtime, "initiative_status_changed")) == 1
    p = tables.points.c
    assert count(runtime, tables.points, p.reason == PointReason.OFFICIAL_RESPONSE.value) == 1

    # The same answer again changes nothing.
    with pytest.raises(Exception, match="unchanged"):
        officials.respond(
            runtime.uow(),
            people["mayor"].member_id,
            initiative_id,
            "supports",
            "Decided: planting in March.",
            runtime.settings,
        )
    assert count(runtime, tables.response_revisions) == 1


def test_a_non_official_cannot_respond_and_nothing_changes(runtime: Runtime, people: People) -> None:
    initiative_id = publish(runtime, people, "alice", LYON)
    bob = people["bob"]
    for line in (f"/respond {initiative_id}", "/respond"):
        reply = bob.say(line)
        assert is_error(reply)
        assert "Only verified officials" in text_of(reply)
    with runtime.uow() as uow:
        assert flows._load(uow, bob.member_id) is None
    # Forged buttons are refused too: no flow, no response.
    assert is_error(bob.press_payload("v1:op:0"))
    assert is_error(bob.press_payload("v1:oc"))
    assert is_error(bob.press_payload(f"v1:or:{initiative_id}"))
    with pytest.raises(Forbidden):
        officials.respond(
            runtime.uow(), bob.member_id, initiative_id, "supports", "I decide!", runtime.settings
        )
    assert count(runtime, tables.responses) == 0
    assert status(runtime, initiative_id) == "open"
    assert outbox(runtime, "response_posted") == []


def test_publishing_checks_the_mandate_again(runtime: Runtime, people: People) -> None:
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    initiative_id = publish(runtime, people, "alice", LYON)
    mayor = people["mayor"]
    mayor.say(f"/respond {initiative_id}")
    mayor.press("I decline")
    mayor.say("Not this year.")
    [mandate] = admin.list_roles(runtime.uow(), "test:mayor")[0].mandates
    admin.revoke_mandate(runtime.uow(), mandate.id)

    reply = mayor.press("Publish")
    assert is_error(reply) and "Only verified officials" in text_of(reply)
    assert count(runtime, tables.responses) == 0
    assert status(runtime, initiative_id) == "open"


def test_a_suspended_official_cannot_respond(runtime: Runtime, people: People, clock: Clock) -> None:
    mayor_id = make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    initiative_id = publish(runtime, people, "alice", LYON)
    with runtime.uow() as uow:
        members.get_member(uow, mayor_id).suspend(clock.now.replace(year=2027))
        uow.commit()
    reply = people["mayor"].say(f"/respond {initiative_id}")
    assert is_error(reply) and "suspended" in text_of(reply)
    assert count(runtime, tables.responses) == 0


def test_respond_without_id_lists_what_awaits_and_publish_twice_publishes_once(
    runtime: Runtime, people: People
) -> None:
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    waiting = publish(runtime, people, "alice", LYON, "Benches by the river")
    not_yet = publish(runtime, people, "alice", LYON, "A new library downtown")
    elsewhere = publish(runtime, people, "alice", PARIS, "Paris fountains")
    reach_goal(people, waiting)
    reach_goal(people, elsewhere)

    mayor = people["mayor"]
    listed = text_of(mayor.say("/respond"))
    assert f"#{waiting} · Benches by the river (Lyon)" in listed
    assert f"#{not_yet}" not in listed and "Paris fountains" not in listed
    mayor.press(f"Respond to #{waiting}")
    mayor.say("typing instead of choosing")
    assert "Choose your position with the buttons" in text_of(mayor.last)
    mayor.press("already done")
    too_long = mayor.say("x" * 2001)
    assert is_error(too_long) and "at most 2,000" in text_of(too_long)
    mayor.say("Benches were installed last week.")
    preview = text_of(mayor.last)
    assert "Benches were installed last week." in preview and "Maire de Lyon" in preview
    publish_button = next(a.payload for a in mayor.actions() if "Publish" in a.label)
    assert not is_error(mayor.press_payload(publish_button))
    second = mayor.press_payload(publish_button)
    assert is_error(second) and "no longer valid" in text_of(second)
    assert count(runtime, tables.responses) == 1
    assert "No initiative of your areas awaits" in text_of(mayor.say("/respond"))


# --- the public record ------------------------------------------------------------


def test_the_official_record_counts_answered_pending_and_the_median_delay(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    mayor_id = make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    minister_id = make_official(runtime, people, "minister", "FR", "Ministre")

    early = publish(runtime, people, "alice", LYON, "Answered before its goal")
    clock.advance(days=1)
    answer(people, "mayor", early, "I will study it", "We look at it.")  # 1 day after publication

    two_days = publish(runtime, people, "alice", LYON, "Trees on the square")
    five_days = publish(runtime, people, "alice", LYON, "Benches by the river")
    pending = publish(runtime, people, "alice", LYON, "A library downtown")
    still_open = publish(runtime, people, "alice", LYON, "A fountain downtown")
    clock.advance(days=10)  # publication time must not count once the goal is reached
    for initiative_id in (two_days, five_days, pending):
        reach_goal(people, initiative_id)
    clock.advance(days=2)
    answer(people, "mayor", two_days, "I support it", "Yes.")
    clock.advance(days=3)
    answer(people, "mayor", five_days, "I decline", "No budget.")
    answer(people, "mayor", five_days, "I will study it", "Maybe next year.")  # an edit: not a new answer

    record = officials.official_record(runtime.uow(), mayor_id)
    assert (record.answered, record.pending, record.median_days) == (3, 1, 2.0)
    minister = officials.official_record(runtime.uow(), minister_id)
    assert (minister.answered, minister.pending, minister.median_days) == (0, 1, None)
    assert status(runtime, still_open) == "open"

    shown = text_of(people["bob"].say(f"/official #{mayor_id}"))
    assert "mayor — public record" in shown and "Maire de Lyon (Lyon)" in shown
    assert "Initiatives answered: 3" in shown
    assert "Awaiting an answer: 1" in shown
    assert "Median time to answer: 2 days" in shown
    assert "Median time to answer: no response yet" in text_of(people["minister"].say("/official"))
    assert "bob is not an official" in text_of(people["bob"].say("/official"))

    area = text_of(people["bob"].say("/officials Lyon"))
    mayor_line = (
        f"mayor (#{mayor_id}) — Maire de Lyon (Lyon): answered 3 · pending 1 · median time to answer: 2 days"
    )
    minister_line = (
        f"minister (#{people['minister'].member_id}) — Ministre (France): "
        "answered 0 · pending 1 · median time to answer: no response yet"
    )
    assert area.index(mayor_line) < area.index(minister_line)
    people["bob"].press("mayor")
    assert "Initiatives answered: 3" in text_of(people["bob"].last)
    paris = text_of(people["bob"].say("/officials 75056"))
    assert "minister (#" in paris and "Ministre (France)" in paris and "mayor" not in paris


def test_a_revoked_mandate_keeps_past_answers_public(runtime: Runtime, people: People) -> None:
    mayor_id = make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    initiative_id = publish(runtime, people, "alice", LYON)
    answer(people, "mayor", initiative_id, "I support it", "Yes.")
    [mandate] = admin.list_roles(runtime.uow(), mayor_id)[0].mandates
    admin.revoke_mandate(runtime.uow(), mandate.id)
    with runtime.uow() as uow:
        assert members.member_roles(uow, mayor_id) == frozenset()
    assert "Yes." in text_of(people["bob"].say(f"/responses {initiative_id}"))
    record = text_of(people["bob"].say(f"/official #{mayor_id}"))
    assert "Formerly Maire de Lyon (Lyon)" in record and "Initiatives answered: 1" in record
    assert "No verified official answers for Lyon yet." in text_of(people["bob"].say("/officials Lyon"))
