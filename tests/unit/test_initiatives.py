"""Proposing, showing and supporting initiatives, through the chat as people do."""

from __future__ import annotations

from core.presentation.cards import CardKind
from tests.support import People, is_error, text_of


def propose(people: People, who: str, title: str = "Trees on the village square", area: str = "Lyon") -> int:
    person = people[who]
    person.say("/propose")
    person.say(title)
    person.say("The square has no shade in summer; plant ten lime trees.")
    person.say(area)
    person.press(area)
    person.press("Environment")
    reply = person.press("Publish")
    assert not is_error(reply), text_of(reply)
    title_line = reply.cards[1].title or ""
    return int(title_line.split("·")[0].strip().lstrip("#"))


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
    assert "Indiquez un numéro" in text_of(fr.say("/join abc"))
    assert "pas d'initiative n°99" in text_of(fr.say("/join 99"))
    fr.say("/propose")
    reply = fr.say("x" * 121)
    assert "trop long" in text_of(reply) and "121" in text_of(reply)
