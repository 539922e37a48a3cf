"""Cards as Discord messages: every limit of Discord kept, whatever the core
says; every button's custom_id within 100 characters and answered by the
persistent DynamicItem; no mention ever allowed."""

from __future__ import annotations

import re

import discord
import pytest

from bots.discord.render import (
    BUTTON_LABEL,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    EMBED_TOTAL,
    MAX_CONTENT,
    NO_MENTIONS,
    content_within,
    render_cards,
    render_reply,
)
from bots.discord.views import ANSWER_ID, PAYLOAD, AnswerButton, CorePress
from core.presentation.cards import Action, Card, CardKind, Field, Reply
from core.presentation.payloads import build
from tests.unit.test_payload_sizes import WORST, built_cards


def _check_limits(message: object) -> None:
    rendered = message  # a Rendered
    embeds: list[discord.Embed] = rendered.embeds  # type: ignore[attr-defined]
    assert 1 <= len(embeds) <= 10
    assert sum(len(e) for e in embeds) <= EMBED_TOTAL
    for embed in embeds:
        assert embed.title is None or len(embed.title) <= EMBED_TITLE
        assert embed.description is None or len(embed.description) <= EMBED_DESCRIPTION
        assert len(embed.fields) <= 25
        for item in embed.fields:
            assert item.name and len(item.name) <= 256
            assert item.value and len(item.value) <= 1024
        assert embed.footer.text is None or len(embed.footer.text) <= 2048
    rows = rendered.rows  # type: ignore[attr-defined]
    assert len(rows) <= 5 and all(len(row) <= 5 for row in rows)
    view = rendered.view()  # type: ignore[attr-defined]
    if view is not None:
        payload = view.to_components()
        assert len(payload) <= 5
        for row in payload:
            for component in row["components"]:
                assert len(component["label"]) <= BUTTON_LABEL
                assert "custom_id" not in component or len(component["custom_id"]) <= 100


def test_a_huge_card_is_split_within_every_limit_and_loses_no_line() -> None:
    lines = tuple(f"line {i} " + "word " * 150 for i in range(40))  # ~30,000 characters
    card = Card(
        title="T" * 1000,
        lines=lines,
        fields=tuple(Field("L" * 300, "V" * 2000) for _ in range(40)),
        footer="F" * 3000,
        actions=tuple(Action(f"b{i}" * 50, build("j", i), row=i // 3) for i in range(30)),
    )
    messages = render_cards([card])
    assert len(messages) > 1
    for message in messages:
        _check_limits(message)
    text = "\n".join(e.description or "" for m in messages for e in m.embeds)
    for i in range(40):
        assert f"line {i} " in text
    # the buttons go under the last message only
    assert all(not m.rows for m in messages[:-1]) and messages[-1].rows


def test_one_overlong_line_is_cut_cleanly() -> None:
    card = Card(lines=("x" * 10_000,))
    messages = render_cards([card])
    for message in messages:
        _check_limits(message)
    assert "".join(e.description or "" for m in messages for e in m.embeds) == "x" * 10_000


def test_member_text_is_escaped_and_everyone_is_not_pinged() -> None:
    card = Card(title="@everyone come **now**", lines=("@here <@&123> _hi_",))
    (message,) = render_cards([card])
    assert message.embeds[0].title is not None and "\\*\\*now\\*\\*" in message.embeds[0].title
    kwargs = message.kwargs()
    assert kwargs["allowed_mentions"] is NO_MENTIONS
    assert NO_MENTIONS.to_dict() == {"parse": []}


def test_content_is_kept_within_2000_characters() -> None:
    assert len(content_within("a" * 5000)) == MAX_CONTENT


def test_a_card_with_nothing_still_renders_something() -> None:
    (message,) = render_cards([Card()])
    assert message.embeds[0].description


def test_cards_without_buttons_join_the_next_card_with_some() -> None:
    notice = Card(lines=("Done.",), kind=CardKind.SUCCESS)
    card = Card(title="A", actions=(Action("Join", build("j", 1)),))
    page = Card(title="B", actions=(Action("Next", build("s", 2)),))
    messages = render_reply(Reply([notice, card, page]))
    assert [len(m.embeds) for m in messages] == [2, 1]


def test_a_prompt_gets_the_answer_button_and_others_do_not() -> None:
    answer = Action("Answer", ANSWER_ID)
    prompt = Card(lines=("Your title?",), kind=CardKind.PROMPT)
    (message,) = render_reply(Reply([prompt]), answer)
    assert [a.payload for row in message.rows for a in row] == [ANSWER_ID]
    view = message.view()
    assert view is not None and isinstance(view.children[0], AnswerButton)
    (plain,) = render_reply(Reply([Card(lines=("hi",))]), answer)
    assert plain.rows == []


def _custom_ids(cards: list[Card]) -> list[str]:
    ids: list[str] = []
    for message in render_reply(Reply(cards)):
        view = message.view()
        for row in view.to_components() if view is not None else ():
            ids.extend(c["custom_id"] for c in row["components"] if "custom_id" in c)
    return ids


@pytest.mark.parametrize("verb", sorted(WORST))
def test_every_verb_at_its_worst_is_a_custom_id_the_persistent_button_answers(verb: str) -> None:
    for args in WORST[verb]:
        payload = build(verb, *args)
        ids = _custom_ids([Card(actions=(Action("x", payload),))])
        assert ids == [payload]
        assert len(payload) <= 100
        assert re.fullmatch(PAYLOAD, payload)
        assert CorePress(discord.ui.Button(custom_id=payload)).custom_id == payload


def test_every_button_of_the_worst_case_cards_fits_and_is_answered() -> None:
    cards = built_cards()
    assert cards
    for card in cards:
        wanted = [a.payload for a in card.actions if a.payload and not a.url]
        ids = _custom_ids([card])
        assert sorted(ids) == sorted(wanted)  # no button left out
        for custom_id in ids:
            assert len(custom_id) <= 100 and re.fullmatch(PAYLOAD, custom_id)
        for message in render_reply(Reply([card])):
            _check_limits(message)


def test_link_buttons_stay_links() -> None:
    card = Card(actions=(Action("Site", url="https://example.org/i/1"),))
    (message,) = render_cards([card])
    view = message.view()
    assert view is not None
    (row,) = view.to_components()
    assert row["components"][0]["url"] == "https://example.org/i/1"
    assert "custom_id" not in row["components"][0]


def _choices(count: int) -> Card:
    choices = [Action(f"Area {n} " + "x" * 120, build("pa", n), row=n, choice=True) for n in range(count)]
    cancel = Action("Cancel", build("x"), row=9)
    return Card(lines=("Where?",), kind=CardKind.PROMPT, actions=(*choices, cancel))


def test_a_cards_choices_are_one_menu_whose_values_are_the_payloads_and_other_actions_stay_buttons() -> None:
    from bots.discord.views import CHOOSE, CoreChoice

    (message,) = render_reply([_choices(9)], Action("Answer", ANSWER_ID, row=9))
    view = message.view()
    assert view is not None
    menus = [item for item in view.children if isinstance(item, CoreChoice)]
    assert len(menus) == 1 and re.fullmatch(CHOOSE, menus[0].custom_id)
    select = menus[0].item
    assert isinstance(select, discord.ui.Select) and (select.min_values, select.max_values) == (1, 1)
    assert [o.value for o in select.options] == [build("pa", n) for n in range(9)]
    assert all(len(o.label) <= 100 and len(o.value) <= 100 for o in select.options)
    buttons = [getattr(item, "custom_id", None) for item in view.children if not isinstance(item, CoreChoice)]
    assert buttons == [build("x"), ANSWER_ID]
    # the menu takes the first row, the buttons (Cancel, then Answer) the ones below
    payload = view.to_components()
    assert [[c["type"] for c in row["components"]] for row in payload] == [[3], [2], [2]]


@pytest.mark.parametrize("count", [1, 26])
def test_choices_that_do_not_fit_a_menu_stay_buttons(count: int) -> None:
    (message,) = render_reply([_choices(count)])
    assert message.menus == []
    pressed = {a.payload for row in message.rows for a in row}
    assert {build("pa", 0), build("x")} <= pressed


def test_a_choice_that_is_none_of_the_menus_options_is_stale_and_one_of_them_is_pressed() -> None:
    import asyncio
    from types import SimpleNamespace

    from bots.discord.views import CoreChoice

    (message,) = render_reply([_choices(3)])
    view = message.view()
    assert view is not None
    menu = next(item for item in view.children if isinstance(item, CoreChoice))
    seen: list[tuple[str, str | None]] = []

    class Handler:
        async def on_press(self, interaction: object, payload: str) -> None:
            seen.append(("press", payload))

        async def on_unknown_component(self, interaction: object) -> None:
            seen.append(("stale", None))

    interaction = SimpleNamespace(client=SimpleNamespace(possibles=Handler()))
    for value in (build("pa", 2), build("pa", 7)):
        menu.item._refresh_state(interaction, {"values": [value]})  # type: ignore[arg-type, typeddict-item]
        asyncio.run(menu.callback(interaction))  # type: ignore[arg-type]
    assert seen == [("press", build("pa", 2)), ("stale", None)]
