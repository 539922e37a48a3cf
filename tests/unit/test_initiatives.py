"""Proposing, showing and supporting initiatives, through the chat as people do."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.presentation.cards import CardKind
from core.services import admin, areas, initiatives
from core.services.initiatives import Proposal
from tests.support import Clock, People, is_error, propose, text_of


def test_guided_proposal_publishes_at_once(people: People) -> None:
    initiative_id = propose(people, "alice")
    reply = people["bob"].say(f"/show {initiative_id}")
    text = text_of(reply)
    assert "Trees on the village square" in text
    assert "1 supporter of 50 needed" in text  # the author volunteers; a commune needs 50
    assert "Lyon" in text


def test_join_counts_once_and_answers_clearly_the_second_time(people: People) -> None:
    initiative_id = propose(people, "alice")
    first = people["bob"].say(f"/join {initiative_id}")
    assert "2 supporters of 50" in text_of(first)
    again = people["bob"].say(f"/join {initiative_id}")
    assert is_error(again)
    assert "already support" in text_of(again)
    assert "2 supporters of 50" in text_of(people["carol"].say(f"/show {initiative_id}"))


def test_confirm_pressed_twice_publishes_once(people: People) -> None:
    alice = people["alice"]
    alice.say("/propose Benches by the river")
    alice.say("Old people need places to rest.")
    alice.say("Lyon")
    alice.press("Lyon")
    alice.press("Mobility")
    confirm = next(a.payload for a in alice.actions() if "Publish" in a.label)
    assert not is_error(alice.press_payload(confirm))
    second = alice.press_payload(confirm)
    assert second.cards[0].kind is CardKind.ERROR
    assert "no longer valid" in text_of(second)
    assert is_error(people["bob"].say("/show 2"))


def test_bad_input_is_answered_in_the_members_language_and_changes_nothing(people: People) -> None:
    fr = people["zoe"]
    fr.language = "fr"
    assert "Indiquez le numéro d'une initiative, par exemple /join 12" in text_of(fr.say("/join abc"))
    assert "pas d'initiative n°99" in text_of(fr.say("/join 99"))
    fr.say("/propose")
    reply = fr.say("x" * 121)
    assert "fait 121 caractères\u00a0; il en faut de 15 à 120" in text_of(reply)


def test_open_initiatives_expire_after_their_term_and_stop_accepting_support(
    people: People, runtime: Runtime, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    clock.advance(days=179)
    assert initiatives.expire_due(runtime.uow()) == 0
    clock.advance(days=1, seconds=1)
    assert initiatives.expire_due(runtime.uow()) == 1
    assert initiatives.expire_due(runtime.uow()) == 0  # once
    assert "expired" in text_of(people["bob"].say(f"/show {initiative_id}"))
    refused = people["bob"].say(f"/join {initiative_id}")
    assert is_error(refused) and "no longer accepts" in text_of(refused)


def test_author_withdraws_with_confirmation_and_others_cannot(people: People) -> None:
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    forged = people["bob"].press_payload(f"v1:wi:{initiative_id}")
    assert is_error(forged) and "Only the author" in text_of(forged)
    people["alice"].say(f"/withdraw {initiative_id}")
    done = people["alice"].press("Withdraw the initiative")
    assert "withdrawn" in text_of(done)
    assert "Status: withdrawn" in text_of(people["bob"].say(f"/show {initiative_id}"))


def test_counter_proposal_links_both_ways(people: People) -> None:
    original = propose(people, "alice")
    bob = people["bob"]
    bob.say(f"/counter {original}")
    bob.say("A shaded playground instead")
    bob.say("Children need shade more than the square does.")
    bob.say("Lyon")
    bob.press("Lyon")
    bob.press("Environment")
    published = bob.press("Publish")
    assert f"Counter-proposal to #{original}" in text_of(published)
    assert "Counter-proposal: #2" in text_of(people["carol"].say(f"/show {original}"))


def test_a_very_similar_title_in_the_same_area_asks_for_confirmation(people: People) -> None:
    propose(people, "alice", title="Trees on the village square")
    bob = people["bob"]
    bob.say("/propose Trees on the village square!")
    bob.say("Same idea: the square needs trees.")
    bob.say("Lyon")
    bob.press("Lyon")
    reply = bob.press("Environment")
    assert "Very similar initiatives" in text_of(reply)
    assert "Publish anyway" in text_of(reply)


def test_daily_proposal_limit_is_checked_again_at_the_end(people: People, runtime: Runtime) -> None:
    for n in range(2):
        propose(people, "alice", title=f"Idea number {n} for the town")
    alice = people["alice"]
    alice.say("/propose Idea number four")
    # Her third of the day is published elsewhere while this form is open.
    with runtime.uow() as uow:
        lyon = areas.search_areas(uow, "Lyon", limit=1)[0].id
    proposal = Proposal(
        "Idea number three for the town", "Published from another place, the same day.", lyon, "mobility"
    )
    initiatives.propose(runtime.uow(), alice.member_id, proposal, runtime.settings)
    alice.say("More ideas for the town, again.")
    alice.say("Lyon")
    alice.press("Lyon")
    alice.press("Environment")
    refused = alice.press("Publish")
    assert is_error(refused) and "limit of 3 proposals" in text_of(refused)


def test_the_card_offers_officials_of_the_area_to_respond_then_shows_responses(
    people: People, runtime: Runtime
) -> None:
    initiative_id = propose(people, "alice")  # in Lyon
    mayor, elsewhere = people["mayor"], people["other_mayor"]
    admin.verify_official(runtime.uow(), mayor.member_id, "69123", "Maire de Lyon")
    admin.verify_official(runtime.uow(), elsewhere.member_id, "42218", "Maire de Saint-Étienne")
    assert "Respond" in text_of(mayor.say(f"/show {initiative_id}"))
    assert "Respond" not in text_of(elsewhere.say(f"/show {initiative_id}"))
    assert "Respond" not in text_of(people["bob"].say(f"/show {initiative_id}"))
    mayor.press("Respond")
    mayor.press("I support it")
    mayor.say("Yes, this autumn.")
    mayor.press("Publish")
    bob = people["bob"]
    bob.say(f"/show {initiative_id}")
    assert "Yes, this autumn." in text_of(bob.press("Responses (1)"))
