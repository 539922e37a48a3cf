"""Browsing: new, trending, near me, by topic, by words — through the chat."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.areas import Area
from core.domain.initiatives import Initiative
from core.presentation.cards import Reply
from core.presentation.payloads import MAX_PAYLOAD_BYTES
from core.services import initiatives
from core.services.initiatives import Proposal
from tests.support import Clock, People, is_error, text_of


def area_id(runtime: Runtime, code: str) -> int:
    with runtime.uow() as uow:
        found = uow.session.scalars(select(Area).where(Area.code == code)).one()  # type: ignore[arg-type]
        assert found.id is not None
        return found.id


def publish(
    runtime: Runtime,
    people: People,
    who: str,
    title: str,
    *,
    area: str = "69123",
    topic: str = "environment",
    description: str = "A short description of the idea.",
) -> int:
    """Publish an initiative as ``who`` (the chat's guided flow is tested elsewhere)."""
    proposal = Proposal(title=title, description=description, area_id=area_id(runtime, area), topic=topic)
    return initiatives.propose(runtime.uow(), people[who].member_id, proposal, runtime.settings)


def set_visibility(runtime: Runtime, initiative_id: int, visibility: str) -> None:
    """What the moderation helper does when reports pile up or a moderator decides."""
    with runtime.uow() as uow:
        uow.session.get_one(Initiative, initiative_id).visibility = visibility
        uow.commit()


def listed(reply: Reply) -> list[int]:
    """Initiative ids of the list's buttons (verb "s"), in order."""
    ids = []
    for card in reply.cards:
        for action in card.actions:
            match = re.fullmatch(r"v1:s:(\d+)", action.payload)
            if match:
                ids.append(int(match[1]))
    return ids


def test_new_pages_through_twelve_initiatives_newest_first(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    created = []
    for n in range(12):
        created.append(publish(runtime, people, f"author{n}", f"Idea number {n} for the town"))
        clock.advance(minutes=1)
    bob = people["bob"]
    first = bob.say("/browse")
    assert not first.edit
    pages = [listed(first)]
    assert "◀" not in text_of(first)
    while "▶" in text_of(bob.last):
        reply = bob.press("▶")
        assert reply.edit  # pages replace each other in place
        pages.append(listed(reply))
    assert [len(p) for p in pages] == [5, 5, 2]
    seen = [i for page in pages for i in page]
    assert seen == list(reversed(created))  # complete, newest first, no duplicate
    back = bob.press("◀")
    assert listed(back) == pages[1] and back.edit
    for card in first.cards:
        assert all(len(a.payload.encode()) <= MAX_PAYLOAD_BYTES for a in card.actions)


def test_hidden_removed_and_finished_initiatives_are_not_listed(runtime: Runtime, people: People) -> None:
    shown = publish(runtime, people, "alice", "Benches along the river")
    hidden = publish(runtime, people, "bob", "Benches near the station")
    removed = publish(runtime, people, "carol", "Benches in the park")
    withdrawn = publish(runtime, people, "dave", "Benches at school")
    set_visibility(runtime, hidden, "hidden")
    set_visibility(runtime, removed, "removed")
    people["dave"].say(f"/withdraw {withdrawn}")
    people["dave"].press("Withdraw the initiative")
    erin = people["erin"]
    assert listed(erin.say("/browse new")) == [shown]
    assert listed(erin.say("/browse trending")) == [shown]
    assert listed(erin.say("/browse topic environment")) == [shown]
    # A search finds finished initiatives (their status shows), never moderated ones.
    found = erin.say("/search benches")
    assert listed(found) == [withdrawn, shown]
    assert "withdrawn" in text_of(found)
    assert "station" not in text_of(found) and "park" not in text_of(found)


def test_trending_counts_supports_of_the_last_seven_days(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    older = publish(runtime, people, "alice", "Older idea with early supporters")
    for who in ("bob", "carol", "dave"):
        people[who].say(f"/join {older}")
    clock.advance(days=2)
    newer = publish(runtime, people, "erin", "Newer idea for the town")
    people["frank"].say(f"/join {newer}")
    viewer = people["zoe"]
    assert listed(viewer.say("/browse trending")) == [older, newer]  # 4 supports against 2
    clock.advance(days=5, hours=1)  # the older idea's supports are now 7 days and 1 hour old
    assert listed(viewer.say("/browse trending")) == [newer]
    for who in ("gina", "hank", "ivan"):
        people[who].say(f"/join {older}")
    assert listed(viewer.say("/browse trending")) == [older, newer]  # 3 this week against 2
    assert "7 supporters of 50" in text_of(viewer.last)  # the list shows all supporters


def test_near_me_is_the_home_area_its_parents_and_children_not_the_siblings_children(
    runtime: Runtime, people: People
) -> None:
    by_area = {
        code: publish(runtime, people, f"author_{code}", f"Idea for the area {code}", area=code)
        for code in ("FR", "R84", "69", "69123", "42", "42218", "R11", "75056")
    }
    zoe = people["zoe"]
    refused = zoe.say("/browse near")
    assert is_error(refused) and "/area" in text_of(refused)
    with runtime.uow() as uow:
        from core.services.members import get_member

        get_member(uow, zoe.member_id).home_area_id = area_id(runtime, "69")
        uow.commit()
    near = set(listed(zoe.say("/browse near")))
    assert near == {by_area["FR"], by_area["R84"], by_area["69"], by_area["69123"]}
    assert by_area["42218"] not in near and by_area["42"] not in near


def test_words_search_ignores_accents_and_case_and_needs_every_word(runtime: Runtime, people: People) -> None:
    school = publish(runtime, people, "alice", "École Jules Ferry : une cour végétalisée", topic="education")
    church = publish(runtime, people, "bob", "Piste cyclable rue de l'Église", topic="mobility")
    zoe = people["zoe"]
    assert listed(zoe.say("/search ecole vegetalisee")) == [school]
    assert listed(zoe.say("/search EGLISE")) == [church]
    assert listed(zoe.say("/browse végét")) == [school]  # words are matched from their start
    none = zoe.say("/search école cyclable")
    assert listed(none) == [] and "No initiative matches" in text_of(none)
    assert listed(zoe.say("/search ferr")) == [school]
    assert listed(zoe.say("/search erry")) == []  # not inside a word


def test_search_pages_keep_the_words_and_long_searches_are_refused(runtime: Runtime, people: People) -> None:
    ids = [publish(runtime, people, f"a{n}", f"Jardin partagé numéro {n}") for n in range(7)]
    zoe = people["zoe"]
    first = zoe.say("/search Jardin PARTAGE")
    nxt = zoe.press("▶")
    assert sorted(listed(first) + listed(nxt)) == sorted(ids)
    assert "jardin partage" in text_of(nxt)
    too_long = zoe.say("/search " + "mot " * 12)
    assert is_error(too_long) and "40 characters" in text_of(too_long)
    cyrillic = zoe.say("/search общественный сад")  # 16 letters, 31 bytes: fits in a payload
    assert not is_error(cyrillic) and listed(cyrillic) == []
    longer = zoe.say("/search общественный огородик")  # 21 letters but 41 bytes
    assert is_error(longer) and "40 characters" in text_of(longer)
    forged = zoe.press_payload("v1:pg:words:%:0")
    assert is_error(forged)


def test_topic_lists_and_picker(runtime: Runtime, people: People) -> None:
    bikes = publish(runtime, people, "alice", "More bike lanes", topic="mobility")
    publish(runtime, people, "bob", "More trees in town", topic="environment")
    zoe = people["zoe"]
    picker = zoe.say("/browse topic")
    assert "Which topic?" in text_of(picker)
    reply = zoe.press("Mobility")
    assert listed(reply) == [bikes] and reply.edit
    unknown = zoe.say("/browse topic cooking")
    assert is_error(unknown) and "Unknown topic" in text_of(unknown)
    assert listed(zoe.press_payload("v1:pg:topic:mobility:0")) == [bikes]
    switched = zoe.press("New")
    assert len(listed(switched)) == 2 and switched.edit


def test_french_speakers_read_french(runtime: Runtime, people: People) -> None:
    publish(runtime, people, "alice", "Des arbres sur la place")
    zoe = people["zoe"]
    zoe.language = "fr"
    text = text_of(zoe.say("/browse"))
    assert "Nouvelles initiatives" in text and "1 soutien sur 50" in text


def test_browse_shows_its_total_and_a_page_past_the_end_says_so(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    for n in range(12):
        publish(runtime, people, f"author{n}", f"Idea number {n} for the town")
        clock.advance(minutes=1)
    bob = people["bob"]
    assert "Page 1 of 3 · 12 initiatives" in text_of(bob.say("/browse"))
    assert "Page 3 of 3 · 12 initiatives" in text_of(bob.press_payload("v1:pg:new:0:2"))
    past = bob.press_payload("v1:pg:new:0:5")
    assert is_error(past) and "There is no page 6: the list has 3 pages." in text_of(past)
    assert "Page 1 of 1 · 12 initiatives" not in text_of(bob.say("/search idea number 3"))
    assert "Page 1 of 1 · 1 initiative" in text_of(bob.say("/search idea number 3"))
    zoe = people["zoe"]
    zoe.language = "fr"
    assert "Page 1 sur 3 · 12 initiatives" in text_of(zoe.say("/browse"))
    assert "la liste compte 3 pages" in text_of(zoe.press_payload("v1:pg:new:0:3"))
    # An empty list says it is empty, on its one page, without a count of none.
    empty = bob.press_payload("v1:pg:topic:health:0")
    assert not is_error(empty) and "Page" not in text_of(empty)
    assert is_error(bob.press_payload("v1:pg:topic:health:1"))


def test_each_list_counts_what_it_pages_through(runtime: Runtime, people: People, clock: Clock) -> None:
    """The totals of new, near and topic are counted from the initiatives
    alone (core.services.browse._counted), the pages from the full listing:
    both leave out the same hidden, removed and finished initiatives."""
    from core.services import browse, members

    ids = []
    for n in range(9):
        area = "69123" if n % 3 else "75056"
        topic = "environment" if n % 2 else "mobility"
        title = f"Idea number {n} for the town"
        ids.append(publish(runtime, people, f"author{n}", title, area=area, topic=topic))
        clock.advance(minutes=1)
    set_visibility(runtime, ids[0], "hidden")
    set_visibility(runtime, ids[1], "removed")
    initiatives.withdraw_initiative(runtime.uow(), people["author2"].member_id, ids[2])
    bob = people["bob"].member_id
    members.set_home_area(runtime.uow(), bob, area_id(runtime, "69123"))

    def every_page(fetch: Callable[[int], browse.BrowsePage]) -> tuple[int, list[int]]:
        first = fetch(0)
        seen = [item.id for n in range(first.pages) for item in fetch(n).items]
        return first.total, seen

    lists = {
        "new": lambda page: browse.browse_new(runtime.uow(), page, size=2),
        "near": lambda page: browse.browse_near(runtime.uow(), bob, page, size=2),
        "topic": lambda page: browse.browse_topic(
            runtime.uow(), "environment", runtime.settings, page, size=2
        ),
    }
    totals = {}
    for name, fetch in lists.items():
        total, seen = every_page(fetch)
        assert total == len(seen) == len(set(seen)), name
        assert not set(seen) & set(ids[:3]), name
        totals[name] = total
    assert totals == {"new": 6, "near": 4, "topic": 3}
