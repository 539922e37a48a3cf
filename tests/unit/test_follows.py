"""Following initiatives, areas and topics; digest preferences."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.members import Member
from core.presentation.cards import CardKind
from core.storage import tables
from tests.support import People, is_error, propose, text_of


def follow_rows(runtime: Runtime, member_id: int) -> list[tuple[str, str]]:
    f = tables.follows.c
    with runtime.uow() as uow:
        rows = uow.session.execute(
            select(f.target_type, f.target_key).where(f.member_id == member_id).order_by(f.id)
        )
        return [(str(a), str(b)) for a, b in rows]


def test_follow_and_unfollow_are_idempotent_with_a_clear_answer(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    first = bob.say(f"/follow {initiative_id}")
    assert first.cards[0].kind is CardKind.SUCCESS
    assert "You now follow #1 · Trees on the village square" in text_of(first)
    again = bob.say(f"/follow #{initiative_id}")
    assert not is_error(again) and again.cards[0].kind is CardKind.INFO
    assert "already follow" in text_of(again)
    assert follow_rows(runtime, bob.member_id) == [("initiative", str(initiative_id))]
    assert "Trees on the village square" in text_of(bob.say("/follows"))
    assert "no longer follow" in text_of(bob.say(f"/unfollow {initiative_id}"))
    second = bob.say(f"/unfollow {initiative_id}")
    assert not is_error(second) and "were not following" in text_of(second)
    assert follow_rows(runtime, bob.member_id) == []
    assert "follow nothing yet" in text_of(bob.say("/follows"))


def test_card_buttons_follow_and_unfollow_and_edit_the_card(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    bob.say(f"/show {initiative_id}")
    followed = bob.press("Follow")
    assert followed.edit and "Unfollow" in text_of(followed)
    assert follow_rows(runtime, bob.member_id) == [("initiative", str(initiative_id))]
    # A stale "Follow" pressed again changes nothing and still shows the card.
    again = bob.press_payload(f"v1:fo:i:{initiative_id}")
    assert again.edit and follow_rows(runtime, bob.member_id) == [("initiative", str(initiative_id))]
    unfollowed = bob.press("Unfollow")
    assert unfollowed.edit and "🔔 Follow" in text_of(unfollowed)
    assert follow_rows(runtime, bob.member_id) == []
    assert is_error(bob.press_payload("v1:fo:x:1"))
    assert is_error(bob.press_payload("v1:fo:i:999"))


def test_joining_follows_and_hidden_initiatives_cannot_be_followed(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    bob.say(f"/join {initiative_id}")
    assert "already follow" in text_of(bob.say(f"/follow {initiative_id}"))
    with runtime.uow() as uow:
        uow.session.execute(tables.initiatives.update().values(visibility="hidden"))
        uow.commit()
    refused = people["carol"].say(f"/follow {initiative_id}")
    assert is_error(refused) and "hidden" in text_of(refused)
    # ...but whoever followed it can still let go, and sees it without its title.
    assert "no longer shown" in text_of(bob.say("/follows"))
    assert "no longer follow" in text_of(bob.say(f"/unfollow {initiative_id}"))


def test_follow_an_area_and_a_topic_and_let_go_from_the_list(runtime: Runtime, people: People) -> None:
    zoe = people["zoe"]
    assert "the area Saint-Étienne" in text_of(zoe.say("/follow area saint etienne"))
    assert "the topic Mobility" in text_of(zoe.say("/follow topic mobility"))
    unknown = zoe.say("/follow topic cooking")
    assert is_error(unknown) and "Unknown topic" in text_of(unknown)
    assert is_error(zoe.say("/follow area Atlantis"))
    assert is_error(zoe.say("/follow area"))
    rows = follow_rows(runtime, zoe.member_id)
    assert [r[0] for r in rows] == ["area", "topic"] and rows[1][1] == "mobility"
    listing = zoe.say("/follows")
    assert "Saint-Étienne" in text_of(listing) and "Mobility" in text_of(listing)
    after = zoe.press("the topic Mobility")
    assert after.edit and "Mobility" not in text_of(after) and "Saint-Étienne" in text_of(after)
    assert [r[0] for r in follow_rows(runtime, zoe.member_id)] == ["area"]
    zoe.say("/lang fr")
    assert "Vous ne suivez plus le territoire Saint-Étienne" in text_of(zoe.say("/unfollow area 42218"))


def digest_of(runtime: Runtime, member_id: int) -> tuple[str, str]:
    with runtime.uow() as uow:
        member = uow.session.get_one(Member, member_id)
        return member.digest_frequency, member.digest_time


def test_digest_preferences_are_validated(runtime: Runtime, people: People) -> None:
    zoe = people["zoe"]
    shown = zoe.say("/digest")
    assert "Every day at 18:00 (Europe/Paris)" in text_of(shown)
    assert "Weekly" in text_of(shown) and "Off" in text_of(shown)
    assert "Once a week at 18:00" in text_of(zoe.say("/digest weekly"))
    bad = zoe.say("/digest time 25:00")
    assert is_error(bad) and "is not a time" in text_of(bad) and "Nothing was changed" in text_of(bad)
    for wrong in ("/digest time 7:5", "/digest time soon", "/digest time", "/digest sometimes"):
        assert is_error(zoe.say(wrong)), wrong
    assert digest_of(runtime, zoe.member_id) == ("weekly", "18:00")
    assert "at 07:30" in text_of(zoe.say("/digest time 7:30"))
    assert digest_of(runtime, zoe.member_id) == ("weekly", "07:30")
    zoe.say("/digest")
    off = zoe.press("Off")
    assert off.edit and "No digest" in text_of(off)
    assert digest_of(runtime, zoe.member_id) == ("off", "07:30")
    assert is_error(zoe.press_payload("v1:dg:f:hourly"))
    assert is_error(zoe.press_payload("v1:dg:t:2561"))
    assert digest_of(runtime, zoe.member_id) == ("off", "07:30")
    zoe.say("/lang fr")
    assert "Chaque jour à 07:30" in text_of(zoe.say("/digest quotidien"))
    assert "Chaque jour à 21:00" in text_of(zoe.say("/digest heure 21h"))
    assert digest_of(runtime, zoe.member_id) == ("daily", "21:00")


def hide(runtime: Runtime, initiative_id: int) -> None:
    with runtime.uow() as uow:
        i = tables.initiatives.c
        uow.session.execute(
            tables.initiatives.update().where(i.id == initiative_id).values(visibility="hidden")
        )
        uow.commit()


def test_unfollow_pressed_on_a_hidden_initiative_succeeds_and_says_so(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    bob.say(f"/show {initiative_id}")
    bob.press("Follow")
    hide(runtime, initiative_id)
    # The card bob holds still offers Unfollow: a refusal would have to change
    # nothing, a success must not read as a refusal.
    unfollowed = bob.press("Unfollow")
    assert not is_error(unfollowed), text_of(unfollowed)
    assert "no longer follow" in text_of(unfollowed)
    assert "Trees" not in text_of(unfollowed)  # a hidden initiative's title is not shown
    assert follow_rows(runtime, bob.member_id) == []
    # Its author, who may still read it, sees the card again.
    alice = people["alice"]
    alice.say(f"/show {initiative_id}")
    shown = alice.press("Unfollow")
    assert not is_error(shown) and "🔔 Follow" in text_of(shown)
