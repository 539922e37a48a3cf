"""What the core does for the chat platforms' front ends: private flows hand
over from a group with a deep link that /start continues, /modchat, inline
sharing, updates remembered once, and the token's alias in the environment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.members import Identity
from core.presentation.cards import CardKind
from core.presentation.context import Speaker
from core.services import admin, flows, members, platform_chats, privacy, updates
from tests.support import Clock, People, is_error, propose, text_of

LINK = "https://t.me/possibles_test_bot?start="
GROUP = "-1001234567890"


def speaker(name: str, *, group: bool = False, link: str | None = LINK) -> Speaker:
    return Speaker(
        Identity("test", name),
        name,
        "en",
        in_group=group,
        chat_address=GROUP if group else name,
        private_link=link,
    )


def member_id(runtime: Runtime, name: str) -> int:
    return members.enter(runtime.uow(), Identity("test", name), name, "en", runtime.settings).id


def test_a_private_command_in_a_group_answers_with_a_link_that_continues_it(
    people: People, runtime: Runtime
) -> None:
    chat = runtime.chat()
    reply = chat.command(speaker("alice", group=True), "propose", "Trees on the square")
    (card,) = reply.cards
    assert "continues in our private chat" in text_of(reply)
    (button,) = card.actions
    assert button.url is not None and button.url.startswith(LINK + "t") and not button.payload
    assert flows.current(runtime.uow(), member_id(runtime, "alice")) is None  # nothing begun in public

    asked = chat.command(speaker("alice"), "start", button.url[len(LINK) :])
    (confirm,) = asked.cards[0].actions
    started = chat.press(speaker("alice"), confirm.payload)
    assert "Describe it" in text_of(started)  # the title came along: the next step
    conversation = flows.current(runtime.uow(), member_id(runtime, "alice"))
    assert conversation is not None and conversation.data["title"] == "Trees on the square"


def test_without_a_link_the_group_is_told_where_to_go(runtime: Runtime) -> None:
    reply = runtime.chat().command(speaker("bob", group=True, link=None), "report", "i 1")
    assert text_of(reply) == "Send /report to me in a private chat." and not reply.cards[0].actions


def test_public_commands_answer_in_the_group(people: People, runtime: Runtime) -> None:
    initiative_id = propose(people, "alice")
    reply = runtime.chat().command(speaker("bob", group=True), "show", str(initiative_id))
    assert "Trees on the village square" in text_of(reply)


def test_a_pressed_button_handed_over_goes_on_in_private_once_confirmed(
    people: People, runtime: Runtime
) -> None:
    initiative_id = propose(people, "alice")
    parameter = runtime.chat().hand_over(speaker("bob", group=True), f"v1:r:i:{initiative_id}", "⚑ Report")
    assert parameter is not None
    asked = runtime.chat().command(speaker("bob"), "start", parameter)
    (confirm,) = asked.cards[0].actions
    reply = runtime.chat().press(speaker("bob"), confirm.payload)
    assert reply.cards[0].kind is CardKind.PROMPT and "Why" in text_of(reply)
    # A parameter that is none of ours shows the welcome; a public command is not run by a link.
    for token in ("hello", f"join-{initiative_id}", f"p-j-{initiative_id}"):
        assert "Welcome" in text_of(runtime.chat().command(speaker("carol"), "start", token))
    assert "1 supporter" in text_of(runtime.chat().command(speaker("dan"), "show", str(initiative_id)))


def test_modchat_is_for_admins_in_a_group(runtime: Runtime) -> None:
    chat = runtime.chat()
    refused = chat.command(speaker("mallory", group=True), "modchat")
    assert is_error(refused) and "administrators only" in text_of(refused)
    chat.command(speaker("root"), "start")
    admin.grant_role(runtime.uow(), "test:root", "admin")
    in_private = chat.command(speaker("root"), "modchat")
    assert is_error(in_private) and "in the group itself" in text_of(in_private)
    assert platform_chats.chat_for(runtime.uow(), "test", platform_chats.MODERATORS) is None

    done = chat.command(speaker("root", group=True), "modchat")
    assert not is_error(done) and "moderators' group" in text_of(done)
    assert platform_chats.chat_for(runtime.uow(), "test", platform_chats.MODERATORS) == GROUP


def test_inline_results_list_matching_initiatives_with_a_deep_link(people: People, runtime: Runtime) -> None:
    trees = propose(people, "alice", title="Trees <&> on the plaza")
    benches = propose(people, "bob", title="Benches by the river")
    chat = runtime.chat()
    newest = chat.inline(speaker("carol"), "")
    assert [item.key for item in newest.items] == [f"i{benches}", f"i{trees}"]
    (found,) = chat.inline(speaker("carol"), "PLAZA").items
    assert found.title == f"#{trees} · Trees <&> on the plaza" and "Lyon" in found.description
    assert found.card.title == found.title  # plain text: the front end escapes it
    (button,) = found.card.actions
    assert button.url == f"{LINK}i{trees}" and "Join" in button.label
    assert chat.inline(speaker("carol"), "nothing like this").items == ()
    assert chat.inline(speaker("carol"), "x" * 500).items == ()  # too long to search: no results, no error
    without_link = chat.inline(speaker("carol", link=None), "plaza").items[0]
    assert without_link.card.actions[0].url == f"http://127.0.0.1:8080/i/{trees}"


def test_inline_results_page_with_an_offset(people: People, runtime: Runtime) -> None:
    for n in range(12):
        people[f"p{n}"].say(f"/propose Garden number {n}")
        people[f"p{n}"].say("Vegetables for the school canteen.")
        people[f"p{n}"].say("Lyon")
        people[f"p{n}"].press("Lyon")
        people[f"p{n}"].press("Environment")
        people[f"p{n}"].press("Publish")
    chat = runtime.chat()
    first = chat.inline(speaker("carol"), "garden")
    assert len(first.items) == 10 and first.next_offset == "1"
    second = chat.inline(speaker("carol"), "garden", first.next_offset)
    assert len(second.items) >= 2 and not {i.key for i in first.items} & {i.key for i in second.items}


def test_updates_are_remembered_once_and_forgotten_later(runtime: Runtime, clock: Clock) -> None:
    assert not updates.seen(runtime.uow(), "telegram", 10**12)
    updates.record(runtime.uow(), "telegram", 10**12)
    updates.record(runtime.uow(), "telegram", 10**12)  # twice is harmless
    assert updates.seen(runtime.uow(), "telegram", 10**12)
    assert not updates.seen(runtime.uow(), "discord", 10**12)
    clock.advance(seconds=(updates.KEEP + timedelta(minutes=1)).total_seconds())
    updates.record(runtime.uow(), "telegram", 11)
    assert privacy.purge(runtime.uow, runtime.settings.privacy)["processed_updates"] == 1  # the daily job
    assert not updates.seen(runtime.uow(), "telegram", 10**12) and updates.seen(runtime.uow(), "telegram", 11)


def test_the_token_alias_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POSSIBLES_TELEGRAM_TOKEN", "POSSIBLES_TELEGRAM__TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().telegram.token is None
    monkeypatch.setenv("POSSIBLES_TELEGRAM_TOKEN", "1:alias")
    assert Settings().telegram.token is not None and Settings().telegram.token.get_secret_value() == "1:alias"
    monkeypatch.setenv("POSSIBLES_TELEGRAM__TOKEN", "1:nested")
    token = Settings().telegram.token
    assert token is not None and token.get_secret_value() == "1:nested"
    assert "alias" not in repr(Settings()) and "telegram_token_alias" not in Settings().model_dump()
