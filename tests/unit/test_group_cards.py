"""Cards in groups are neutral, and a press in a group answers the presser.

A card shown where several people read it carries only what anyone may press;
pressing one of its buttons answers the presser (an alert or their private
chat) and never turns the shared card into that person's view. Only pages of
lists and moderators' decisions replace the shared card, the latter in the
chat's language."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.domain.members import Identity
from core.presentation.answers import Answer, Limits, answer_press, messages_of
from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.context import Speaker
from core.presentation.payloads import build
from core.services import follows
from tests.support import Clock, People, text_of
from tests.unit.test_moderation import grant, publish, reported_thrice

LIMITS = Limits(alert=200)


def speaker(name: str, *, group: bool, language: str = "en") -> Speaker:
    return Speaker(
        Identity("test", name), name, language, in_group=group, chat_address="-100" if group else name
    )


def labels(reply: Reply) -> set[str]:
    return {a.label for card in reply.cards for a in card.actions}


def test_an_initiative_card_in_a_group_carries_only_what_anyone_may_press(
    runtime: Runtime, people: People
) -> None:
    initiative_id = publish(runtime, people["alice"])
    people["bob"].say(f"/join {initiative_id}")
    people["bob"].say(f"/follow {initiative_id}")
    chat = runtime.chat()
    in_private = chat.command(speaker("bob", group=False), "show", str(initiative_id))
    assert {"Withdraw my support", "🔕 Unfollow"} <= labels(in_private), labels(in_private)
    in_group = chat.command(speaker("bob", group=True), "show", str(initiative_id))
    assert "Withdraw my support" not in labels(in_group) and "🔕 Unfollow" not in labels(in_group)
    assert {"✍ Join", "🙋 Volunteer", "🔔 Follow"} <= labels(in_group)
    # The author's own card in a group is the same neutral card as anyone's.
    by_author = chat.command(speaker("alice", group=True), "show", str(initiative_id))
    assert labels(by_author) == labels(in_group)
    # /me and /follows typed in a group show no switches of their own.
    assert not labels(chat.command(speaker("bob", group=True), "me"))
    assert not labels(chat.command(speaker("bob", group=True), "follows"))
    assert labels(chat.command(speaker("bob", group=False), "follows"))
    # A leaderboard in a group is everyone's: no "my area" of the speaker's.
    people["bob"].say("/area 69123")
    people["bob"].press("Lyon")
    national = build("tp", "all", 0)
    assert "My area" in labels(chat.press(speaker("bob", group=False), national))
    assert "My area" not in labels(chat.press(speaker("bob", group=True), national))


def test_a_press_in_a_group_answers_the_presser_and_leaves_the_card(runtime: Runtime, people: People) -> None:
    initiative_id = publish(runtime, people["alice"])
    chat = runtime.chat()
    carol = speaker("carol", group=True)
    followed = answer_press(chat.press(carol, build("fo", "i", initiative_id)), carol, LIMITS)
    assert followed.chat == () and followed.private == () and not followed.refusal
    assert followed.alert is not None and "You now follow" in followed.alert, followed
    assert follows.list_follows(runtime.uow(), people["carol"].member_id)  # done, for Carol alone

    joined = answer_press(chat.press(carol, build("j", initiative_id)), carol, LIMITS)
    assert joined.chat == () and joined.alert is not None and "You support" in joined.alert

    shown = answer_press(chat.press(carol, build("tl", initiative_id, 0)), carol, LIMITS)
    assert shown.chat == () and shown.private and shown.alert is None  # a timeline: to Carol in private

    refused = answer_press(chat.press(carol, build("j", initiative_id)), carol, LIMITS)
    assert refused.refusal and refused.alert is not None and "already" in refused.alert and refused.chat == ()

    # The same presses in a private chat answer there, replacing the card when the core says so.
    alone = speaker("carol", group=False)
    unfollowed = answer_press(chat.press(alone, build("uf", "i", initiative_id)), alone, LIMITS)
    assert unfollowed.edit and unfollowed.chat and unfollowed.alert is None


def test_pages_and_decisions_turn_for_the_whole_group_in_its_language(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].language = "en"
    item = next(c.ref for c in people["mod"].say("/queue").cards if c.ref and c.ref.startswith("review:"))
    chat = runtime.chat()
    mod = speaker("mod", group=True, language="en")
    decided = answer_press(chat.press(mod, build("md", item.split(":")[1], "hide")), mod, LIMITS)
    assert decided.edit and len(decided.chat) == 1 and decided.alert is None
    assert runtime.settings.default_language == "fr" and "Décision" in text_of(Reply(list(decided.chat)))

    page = answer_press(chat.press(mod, build("pg", "new", "0", "0")), mod, LIMITS)
    assert page.edit and page.chat


def test_answers_for_every_kind_of_reply() -> None:
    group, alone = speaker("x", group=True), speaker("x", group=False)
    long_refusal = Reply([Card(lines=("no " * 100,), kind=CardKind.ERROR)])
    told = answer_press(long_refusal, group, LIMITS)
    assert told.refusal and told.alert is not None and len(told.alert) == 200 and told.alert.endswith("…")
    assert told.private == tuple(long_refusal.cards) and told.chat == ()
    assert answer_press(long_refusal, alone, LIMITS).chat == tuple(long_refusal.cards)
    prompt = Reply([Card(lines=("Why?",), kind=CardKind.PROMPT)])
    assert answer_press(prompt, group, LIMITS) == Answer(private=tuple(prompt.cards))
    assert answer_press(prompt, alone, LIMITS) == Answer(chat=tuple(prompt.cards))
    page = Reply([Card(title="Page 2", lines=("…",))], edit=True, shared=True)
    assert answer_press(page, group, LIMITS) == Answer(chat=tuple(page.cards), edit=True)
    inline = Reply([Card(title="#4", lines=("…",))], edit=True)
    assert answer_press(inline, alone, LIMITS, in_chat=False) == Answer(private=tuple(inline.cards))



def test_a_hidden_initiative_is_read_as_anyone_in_a_group_even_by_its_author(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    """Its author may read it in private; shown in a group, everyone would."""
    initiative_id = reported_thrice(runtime, people, clock)
    chat = runtime.chat()
    alone = chat.command(speaker("alice", group=False), "show", str(initiative_id))
    assert alone.cards[0].kind is not CardKind.ERROR
    for command, args in (("show", f"{initiative_id}"), ("timeline", f"{initiative_id}")):
        shown = chat.command(speaker("alice", group=True), command, args)
        assert shown.cards[0].kind is CardKind.ERROR and "hidden" in text_of(shown), command


def test_a_reply_is_shown_as_messages_each_ending_with_its_buttons() -> None:
    """Every chat front end groups a reply's cards the same way (one rule):
    cards without buttons join the next card that has some, so a card with
    buttons can be edited alone."""
    notice, card, page, tail = (
        Card(title="notice"),
        Card(title="card", actions=(Action("Join", "v1:j:1"),)),
        Card(title="page", actions=(Action("▶", "v1:b:2"),)),
        Card(title="tail"),
    )
    assert messages_of([notice, card, page, tail]) == [[notice, card], [page], [tail]]
    assert messages_of([]) == []
