"""Test helpers: a controllable clock, a small area tree, and people who chat."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from core.bootstrap import Runtime
from core.clock import ManualClock
from core.config import CONFIG_DIR, BadgeSettings, Settings
from core.domain.members import Identity
from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.services import area_import
from core.services.area_import import AreaRow

__all__ = ["SMALL_TREE", "Clock", "People", "Person", "text_of", "with_badges"]

#: A small tree with real INSEE codes.
SMALL_TREE = [
    AreaRow("FR", "France", None, "nation"),
    AreaRow("R84", "Auvergne-Rhône-Alpes", "FR", "region"),
    AreaRow("69", "Rhône", "R84", "department"),
    AreaRow("69123", "Lyon", "69", "commune"),
    AreaRow("42", "Loire", "R84", "department"),
    AreaRow("42218", "Saint-Étienne", "42", "commune"),
    AreaRow("R11", "Île-de-France", "FR", "region"),
    AreaRow("75", "Paris", "R11", "department"),
    AreaRow("75056", "Paris", "75", "commune"),
]


def with_badges(settings: Settings | None = None) -> Settings:
    """``settings`` (default: the shipped ones) with the badges of
    config/possibles.toml, which the test suite otherwise leaves out (see
    tests/conftest.py)."""
    base = settings or Settings()
    shipped = tomllib.loads(CONFIG_DIR.joinpath("possibles.toml").read_text(encoding="utf-8"))
    badges = [BadgeSettings.model_validate(b) for b in shipped["badges"]]
    return base.model_copy(update={"badges": badges})


#: The tests' clock: moved by hand.
Clock = ManualClock


def load_small_tree(runtime: Runtime) -> None:
    area_import.import_areas(runtime.uow(), SMALL_TREE)


def text_of(reply: Reply) -> str:
    """Everything a person reads in a reply, as one string."""
    parts: list[str] = []
    for card in reply.cards:
        parts.extend(filter(None, [card.title, *card.lines, card.footer]))
        parts.extend(f"{f.label}: {f.value}" for f in card.fields)
        parts.extend(a.label for a in card.actions)
    return "\n".join(parts)


def is_error(reply: Reply) -> bool:
    return any(card.kind is CardKind.ERROR for card in reply.cards)


@dataclass
class Person:
    """Someone chatting on a platform; keeps the buttons of the last reply."""

    chat: Chat
    name: str
    platform: str = "test"
    language: str | None = "en"
    last: Reply = field(default_factory=Reply)

    @property
    def speaker(self) -> Speaker:
        return Speaker(Identity(self.platform, self.name), self.name, self.language)

    def say(self, line: str) -> Reply:
        """A command ("/join 3") or free text."""
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            self.last = self.chat.command(self.speaker, name, args)
        else:
            self.last = self.chat.text(self.speaker, line)
        return self.last

    def actions(self) -> list[Action]:
        return [a for card in self.last.cards for a in card.actions if a.payload]

    def press(self, label_part: str) -> Reply:
        """Press the first button of the last reply whose label contains ``label_part``."""
        for action in self.actions():
            if label_part in action.label:
                self.last = self.chat.press(self.speaker, action.payload)
                return self.last
        raise AssertionError(f"no button {label_part!r} in {[a.label for a in self.actions()]}")

    def press_payload(self, payload: str) -> Reply:
        self.last = self.chat.press(self.speaker, payload)
        return self.last

    @property
    def member_id(self) -> int:
        from core.services import members

        return members.enter(
            self.chat.uow_factory(), self.speaker.identity, self.name, self.language, self.chat.settings
        ).id


class People:
    """``people["alice"]`` — created on first use."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self._people: dict[str, Person] = {}

    def __getitem__(self, name: str) -> Person:
        if name not in self._people:
            self._people[name] = Person(self.chat, name)
        return self._people[name]

    def cards(self, name: str) -> list[Card]:
        return self[name].last.cards


def propose(people: People, who: str, title: str = "Trees on the village square", area: str = "Lyon") -> int:
    """Go through the guided /propose as ``who``; returns the new initiative's id."""
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
