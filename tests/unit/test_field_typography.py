"""A card's "label: value" lines follow the reader's language's typography:
French puts a non-breaking space before the colon, English none."""

from __future__ import annotations

import pytest

from bots.console.render import render_card
from bots.telegram.render import render_cards
from core.presentation.cards import Action, Card
from tests.fakes.telegram import parse_html
from tests.support import People, propose

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def french_cards(people: People) -> list[Card]:
    """An initiative card and a profile card as a French reader gets them."""
    number = propose(people, "alice")
    camille = people["camille"]
    camille.language = "fr"
    cards = [*camille.say(f"/show {number}").cards, *camille.say("/me").cards]
    assert sum(len(card.fields) for card in cards) >= 6, "the replies should have fields"
    return cards


def field_lines(text: str, cards: list[Card]) -> list[str]:
    """The lines of ``text`` that show one of the cards' fields."""
    labels = {field.label for card in cards for field in card.fields}
    return [line.strip() for line in text.splitlines() if any(line.strip().startswith(lab) for lab in labels)]


def check_french(lines: list[str]) -> None:
    assert lines
    for line in lines:
        colon = line.index(":")
        assert line[colon - 1] == "\u00a0", repr(line)  # neither glued to the label nor a plain space


def test_french_fields_in_the_terminal_have_a_non_breaking_space_before_the_colon(people: People) -> None:
    cards = french_cards(people)
    numbered: list[Action] = []
    text = "\n".join(render_card(card, numbered) for card in cards)
    assert "Statut\u00a0: " in text
    check_french(field_lines(text, cards))


def test_french_fields_on_telegram_have_a_non_breaking_space_before_the_colon(people: People) -> None:
    cards = french_cards(people)
    text = "\n".join(parse_html(message.text)[0] for message in render_cards(cards))
    assert "Statut\u00a0: " in text
    check_french(field_lines(text, cards))


def test_english_fields_keep_the_colon_against_the_label(people: People) -> None:
    number = propose(people, "alice")
    cards = people["alice"].say(f"/show {number}").cards
    numbered: list[Action] = []
    console = "\n".join(render_card(card, numbered) for card in cards)
    telegram = "\n".join(parse_html(message.text)[0] for message in render_cards(cards))
    for text in (console, telegram):
        assert "Status: " in text
        assert "\u00a0" not in "".join(field_lines(text, cards))
