"""The initiatives' channel (/forumchat): each new initiative's card is
posted there with its stage as a tag, and edited as the initiative changes;
a hidden initiative's post stops showing it."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.members import Identity
from core.presentation.context import Speaker
from core.presentation.i18n import translate
from core.services import admin, deliveries, platform_chats
from core.storage import tables
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import People, is_error, propose, text_of


def _channel(runtime: Runtime, people: People, address: str = "-500") -> None:
    boss = people["boss"]
    boss.member_id  # noqa: B018  (the member exists once they spoke)
    admin.grant_role(runtime.uow(), "test:boss", "admin")
    platform_chats.set_chat(runtime.uow(), boss.member_id, "test", "initiatives", address)


def _live(runtime: Runtime) -> list[deliveries.DeliveryView]:
    d = tables.deliveries.c
    with runtime.uow() as uow:
        ids = list(uow.session.scalars(select(d.id).where(d.kind == "live").order_by(d.id)))
    return [deliveries.get_delivery(runtime.uow(), i) for i in ids]


def test_forumchat_is_for_admins_in_a_group() -> None:
    from core.presentation.commands import default_catalog

    spec = default_catalog().command("forumchat")
    assert spec is not None and spec.audience.value == "admin"


def test_a_new_initiative_is_posted_with_its_stage_then_edited_as_it_changes(
    runtime: Runtime, people: People
) -> None:
    _channel(runtime, people)
    loop = NotificationLoop(runtime, FakeSender("test"))
    initiative_id = propose(people, "alice")
    loop.run()
    (post,) = [m for m in loop.sender.delivered if m.address == "-500"]
    assert post.edit_ref is None and post.is_group
    assert f"#{initiative_id}" in (post.cards[0].title or "")
    assert post.tags == (translate(runtime.settings.default_language, "status.open"),)
    assert not is_error(people["bob"].say(f"/join {initiative_id}"))
    loop.run()
    edits = [m for m in loop.sender.delivered if m.address == "-500" and m.edit_ref]
    assert len(edits) == 1
    (sent,) = [d for d in _live(runtime) if d.topic == deliveries.live_topic(initiative_id)]
    assert edits[0].edit_ref == sent.message_ref
    language = runtime.settings.default_language
    goal = runtime.settings.goals.commune
    two = translate(language, "initiative.progress", supporters=2, goal=goal, count=2)
    assert two in text_of_cards(edits[0].cards) and two not in text_of_cards(post.cards)


def text_of_cards(cards: tuple[object, ...]) -> str:
    from core.presentation.cards import Reply

    return text_of(Reply(list(cards)))  # type: ignore[arg-type]


def test_without_an_initiatives_channel_nothing_is_posted(runtime: Runtime, people: People) -> None:
    loop = NotificationLoop(runtime, FakeSender("test"))
    propose(people, "alice")
    loop.run()
    assert _live(runtime) == []


def test_a_hidden_initiatives_post_stops_showing_it(runtime: Runtime, people: People) -> None:
    _channel(runtime, people)
    loop = NotificationLoop(runtime, FakeSender("test"))
    initiative_id = propose(people, "alice")
    loop.run()
    for name in ("rita", "remy", "rose"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Spam")
        people[name].press("No note")
    loop.run()
    last = [m for m in loop.sender.delivered if m.address == "-500"][-1]
    assert last.edit_ref is not None
    assert f"#{initiative_id}" not in (last.cards[0].title or "")
    assert last.tags == (translate(runtime.settings.default_language, "status.closed"),)


def test_an_areas_channel_gets_the_initiatives_inside_it_only(runtime: Runtime, people: People) -> None:
    boss = people["boss"]
    boss.member_id  # noqa: B018
    admin.grant_role(runtime.uow(), "test:boss", "admin")
    reply = boss.say("/forumchat Rhône")  # typed in a private chat: refused, nothing set
    assert is_error(reply)
    group = Speaker(Identity("test", "boss"), "boss", "en", in_group=True, chat_address="-600")
    answer = text_of(runtime.chat().invoke(group, "forumchat", {"area": "Rhône"}))
    assert "Each new initiative of Rhône" in answer
    loop = NotificationLoop(runtime, FakeSender("test"))
    in_lyon = propose(people, "alice", area="Lyon")
    propose(people, "bob", title="Bikes along the river Seine", area="Paris")
    loop.run()
    posts = [m for m in loop.sender.delivered if m.address == "-600"]
    assert [m.cards[0].title for m in posts] == [f"#{in_lyon} · Trees on the village square"]
