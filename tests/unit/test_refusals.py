"""Refusals come at once and say the true reason: a form is never filled in
for nothing, and nobody is told something that is not the case."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.services import admin, members
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import Clock, People, is_error, propose, text_of


def test_the_daily_proposal_limit_is_told_when_propose_or_counter_starts(people: People) -> None:
    other = propose(people, "bob")
    for n in range(3):
        propose(people, "alice", title=f"Idea number {n} for the town")
    alice = people["alice"]
    for command in ("/propose", "/propose A fourth idea for the town", f"/counter {other}"):
        refused = alice.say(command)
        assert is_error(refused) and "limit of 3 proposals" in text_of(refused), command
        # No form was opened: what she types next is not taken as a title.
        assert "did not understand" in text_of(alice.say("Some words"))


def test_a_suspension_is_told_when_propose_or_counter_starts(people: People, runtime: Runtime) -> None:
    other = propose(people, "bob")
    carol = people["carol"]
    with runtime.uow() as uow:
        members.get_member(uow, carol.member_id).suspend(None)
        uow.commit()
    for command in ("/propose", f"/counter {other}"):
        refused = carol.say(command)
        assert is_error(refused) and "suspended" in text_of(refused), command
    zoe = people["zoe"]
    zoe.language = "fr"
    with runtime.uow() as uow:
        members.get_member(uow, zoe.member_id).suspend(None)
        uow.commit()
    assert "suspendu" in text_of(zoe.say("/propose"))


def test_withdraw_on_a_withdrawn_initiative_says_so_at_once(people: People) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    alice.say(f"/withdraw {initiative_id}")
    alice.press("Withdraw the initiative")
    again = alice.say(f"/withdraw {initiative_id}")
    assert is_error(again) and "already “withdrawn”" in text_of(again)
    assert not alice.actions()  # no confirmation to press for nothing


def test_counter_is_refused_on_an_initiative_that_no_longer_takes_one(people: People) -> None:
    initiative_id = propose(people, "alice")
    people["alice"].say(f"/withdraw {initiative_id}")
    people["alice"].press("Withdraw the initiative")
    bob = people["bob"]
    assert "Counter" not in text_of(bob.say(f"/show {initiative_id}"))  # what the card implies
    refused = bob.say(f"/counter {initiative_id}")
    assert is_error(refused) and "no longer takes counter-proposals (status: withdrawn)" in text_of(refused)
    forged = bob.press_payload(f"v1:c:{initiative_id}")
    assert is_error(forged)
    zoe = people["zoe"]
    zoe.language = "fr"
    assert "n'accepte plus de contre-propositions" in text_of(zoe.say(f"/counter {initiative_id}"))


def test_nobody_counters_their_own_initiative(people: People) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    assert "Counter" not in text_of(alice.say(f"/show {initiative_id}"))
    assert "Counter" in text_of(people["bob"].say(f"/show {initiative_id}"))
    refused = alice.say(f"/counter {initiative_id}")
    assert is_error(refused) and "your own initiative" in text_of(refused)
    assert is_error(alice.press_payload(f"v1:c:{initiative_id}"))


def test_an_author_pressing_join_hears_they_are_its_author(people: People) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    for reply in (alice.press_payload(f"v1:j:{initiative_id}"), alice.say(f"/volunteer {initiative_id}")):
        assert is_error(reply)
        assert "You are the author of #" in text_of(reply) and "already support" not in text_of(reply)
    own = propose(people, "zoe", title="Des arbres sur la place du village")
    zoe = people["zoe"]
    zoe.say("/lang fr")
    assert "Vous êtes l'auteur de l'initiative" in text_of(zoe.say(f"/join {own}"))


def test_a_dismissal_without_a_reason_shows_none(runtime: Runtime, people: People, clock: Clock) -> None:
    loop = NotificationLoop(runtime, FakeSender("test"))
    mod = people["mod"]
    mod.member_id  # noqa: B018  (the member exists once they spoke)
    admin.grant_role(runtime.uow(), "test:mod", "moderator")
    initiative_id = propose(people, "alice")
    for name in ("rita", "remy", "rose"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Off-topic")
        people[name].press("No note")
    loop.run()
    before = {name: len(loop.sender.texts(name)) for name in ("alice", "mod")}
    mod.say("/queue")
    decided = text_of(mod.press("Dismiss"))
    assert "report dismissed, by mod" in decided and "Reason" not in decided
    loop.run()
    assert len(loop.sender.texts("mod")) > before["mod"]  # the queue's card, edited
    for name in ("alice", "mod"):
        for text in loop.sender.texts(name)[before[name] :]:
            assert "Reason" not in text and "off-topic" not in text.lower(), text
    log = text_of(people["eve"].say("/modlog"))
    assert log.rstrip().endswith(f"initiative #{initiative_id}: report dismissed") or (
        f"initiative #{initiative_id}: report dismissed\n" in log
    ), log
    assert "off-topic" not in log.lower()
    # A reason the moderator typed is shown as typed.
    clock.advance(minutes=1)
    for name in ("tom", "tim", "tia"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Off-topic")
        people[name].press("No note")
    assert "Reason: it is on topic" in text_of(mod.say("/decide 2 dismiss it is on topic"))
    assert "report dismissed — it is on topic" in text_of(people["eve"].say("/modlog"))
