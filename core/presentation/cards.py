"""Neutral replies. Front ends render them: Telegram HTML and an inline
keyboard, Discord embeds and buttons, numbered choices in the terminal.

Text in a Card is plain text as typed by people: renderers escape it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Action", "ActionStyle", "Card", "CardKind", "Document", "Field", "Reply"]


class ActionStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"
    SUCCESS = "success"


class CardKind(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    ERROR = "error"
    PROMPT = "prompt"  # the bot waits for typed text (a step of a flow)


@dataclass(frozen=True)
class Action:
    """A button. ``payload`` is compact and versioned (``v1:j:42``) and is
    authorised again by the core when pressed; ``url`` makes a link button.
    ``choice`` marks one of a card's alternatives (an area, a topic): a front
    end may show a card's choices as one menu, each pressed as its button."""

    label: str
    payload: str = ""
    style: ActionStyle = ActionStyle.SECONDARY
    url: str | None = None
    row: int = 0
    choice: bool = False


@dataclass(frozen=True)
class Field:
    """A labelled value. ``separator`` goes between label and value where a
    front end writes them on one line; it is the reader's language's (build
    fields with ``Translator.field``), since typography differs (``" : "`` with
    a non-breaking space in French)."""

    label: str
    value: str
    inline: bool = True
    separator: str = ": "

    @property
    def label_end(self) -> str:
        """The separator's part that sticks to the label (``":"``, or ``"\u00a0:"``)."""
        return self.separator.rstrip(" ")

    @property
    def value_start(self) -> str:
        """The separator's part before the value (the trailing ASCII spaces)."""
        return self.separator[len(self.label_end) :]


@dataclass(frozen=True)
class Card:
    title: str | None = None
    lines: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    kind: CardKind = CardKind.INFO
    footer: str | None = None
    #: A stable handle ("initiative:42", "review:7") that lets a front end edit
    #: in place the message showing the same thing.
    ref: str | None = None


@dataclass(frozen=True)
class Document:
    """A file that comes with a reply (/mydata's export): Telegram sends it
    with sendDocument, Discord as an attachment, the terminal writes it to
    disk and prints where. ``filename`` is a plain name, no directory.
    ``link``: where the same file can also be downloaded (once) from the web
    pages, offered by a button of the reply's card; a front end that cannot
    send the file (too large) points to that button."""

    filename: str
    media_type: str
    content: bytes
    link: str | None = None


@dataclass
class Reply:
    """What one input produced: one or more cards, in order."""

    cards: list[Card] = field(default_factory=list)
    #: True when the answer should replace the message whose button was pressed.
    edit: bool = False
    #: True when the answer is the same for everyone who reads the chat (a page
    #: of a list, a moderator's decision): in a group it may replace the shared
    #: card that was pressed. Otherwise a press in a group answers only the
    #: presser (see core.presentation.answers).
    shared: bool = False
    #: True when the commands some chat may use changed (a moderators' group was
    #: set): front ends whose platform shows per-chat menus refresh them now.
    commands_changed: bool = False
    #: Files sent after the cards, where the cards go.
    documents: list[Document] = field(default_factory=list)

    def add(self, card: Card) -> Reply:
        self.cards.append(card)
        return self
