"""Cards as Telegram messages: HTML text (every piece of member text escaped)
and an inline keyboard.

A message holds at most 4,096 characters once its HTML is parsed (counted in
UTF-16 code units, as Telegram counts them): longer ones are split on line
boundaries — a single overlong line is cut too — and the buttons go under the
last part. Each line is complete HTML on its own (tags open and close on the
same line), so any split point keeps the markup valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.presentation.answers import messages_of
from core.presentation.cards import Action, Card, CardKind, Reply

__all__ = [
    "MAX_BUTTONS_PER_ROW",
    "MAX_TEXT",
    "Message",
    "card_lines",
    "keyboard",
    "render_cards",
    "render_reply",
    "utf16_len",
]

#: Telegram's limit on a message's text, in UTF-16 code units after parsing.
MAX_TEXT = 4096
MAX_BUTTONS_PER_ROW = 8
#: Shown when a card has nothing to say but its buttons (Telegram refuses empty texts).
EMPTY = "·"

_MARK = {CardKind.ERROR: "⚠️ ", CardKind.SUCCESS: "✅ ", CardKind.PROMPT: "", CardKind.INFO: ""}

#: One piece of a line: an HTML tag name (or "" for plain text) and its plain text.
Segment = tuple[str, str]
Line = tuple[Segment, ...]


@dataclass(frozen=True)
class Message:
    """One Telegram message: ``text`` is HTML (parse_mode="HTML")."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _plain(text: str) -> list[Line]:
    return [(("", part),) for part in text.split("\n")]


def card_lines(card: Card) -> list[Line]:
    """The card as lines of segments: the title in bold, its lines, its fields
    (label in bold), its footer in italics."""
    lines: list[Line] = []
    if card.title:
        lines.extend(tuple(("b", text) for _, text in line) for line in _plain(card.title))
    mark = _MARK[card.kind]
    for i, text in enumerate(card.lines):
        lines.extend(_plain(mark + text if i == 0 and mark else text))
    if card.fields:
        if lines:
            lines.append(())
        for field in card.fields:
            lines.append((("b", field.label + field.label_end), ("", field.value_start + field.value)))
    if card.footer:
        lines.extend(tuple(("i", text) for _, text in line) for line in _plain(card.footer))
    if not lines:
        lines.append((("", mark + EMPTY if mark else EMPTY),))
    return lines


def _line_html(line: Line) -> str:
    out = []
    for tag, text in line:
        if not text:
            continue
        body = escape(text, quote=False)
        out.append(f"<{tag}>{body}</{tag}>" if tag else body)
    return "".join(out)


def _line_len(line: Line) -> int:
    return sum(utf16_len(text) for _, text in line)


def _cut(line: Line, limit: int) -> list[Line]:
    """An overlong line as several lines of at most ``limit`` units each
    (never inside a character: a code point is one or two units)."""
    pieces: list[Line] = []
    current: list[Segment] = []
    size = 0
    for tag, text in line:
        chunk: list[str] = []
        for ch in text:
            width = 2 if ord(ch) > 0xFFFF else 1
            if size + width > limit:
                if chunk:
                    current.append((tag, "".join(chunk)))
                pieces.append(tuple(current))
                current, chunk, size = [], [], 0
            chunk.append(ch)
            size += width
        if chunk:
            current.append((tag, "".join(chunk)))
    if current:
        pieces.append(tuple(current))
    return pieces


def _split(lines: Sequence[Line], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined into texts of at most ``limit`` visible units each."""
    # A character is at most two UTF-16 units: most replies are known to fit without counting.
    if 2 * (sum(len(text) for line in lines for _, text in line) + len(lines)) <= limit:
        text = "\n".join(_line_html(line) for line in lines)
        return [text] if text.strip() else [EMPTY]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _cut(line, limit) if _line_len(line) > limit else [line]:
            width = _line_len(piece)
            extra = width + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size, extra = [], 0, width
            current.append(_line_html(piece))
            size += extra
    if current:
        parts.append("\n".join(current))
    # Telegram trims white space: a part made only of blank lines would be empty.
    return [part for part in parts if part.strip()] or [EMPTY]


def _button(action: Action) -> InlineKeyboardButton:
    return _made_button(action.label, action.url, action.payload)


class _Button(InlineKeyboardButton):
    """A button whose Bot API form is written once, when it is made.
    python-telegram-bot turns every button of every message into a dict by
    walking all its attributes (a third of sending a /browse page); ours
    set only a label and a link or a payload, are immutable and reused (see
    ``_made_button``), so that dict is kept and a copy given each time."""

    __slots__ = ("_as_dict",)
    _as_dict: dict[str, Any]

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        return dict(self._as_dict)


@lru_cache(maxsize=4096)
def _made_button(label: str, url: str | None, payload: str | None) -> InlineKeyboardButton:
    """Buttons come back again and again (Join #7, Next page...); python-telegram-bot's
    are immutable, so one object serves every reply that shows it."""
    button = _Button(label, url=url) if url else _Button(label, callback_data=payload)
    # What python-telegram-bot's own to_dict gives for these fields (the
    # others are None and left out): most buttons are new when made (a page
    # of initiatives not shown before), so walking them even once cost.
    as_dict: dict[str, Any] = (
        {"text": label, "url": url} if url else {"text": label, "callback_data": payload}
    )
    with button._unfrozen():
        button._as_dict = as_dict
    return button


def keyboard(cards: Iterable[Card]) -> InlineKeyboardMarkup | None:
    """The buttons of ``cards`` in rows: by card, then by Action.row, in order;
    rows longer than Telegram allows are wrapped."""
    rows: dict[tuple[int, int], list[InlineKeyboardButton]] = {}
    for index, card in enumerate(cards):
        for action in card.actions:
            if action.url or action.payload:
                rows.setdefault((index, action.row), []).append(_button(action))
    if not rows:
        return None
    layout: list[list[InlineKeyboardButton]] = []
    for key in sorted(rows):
        row = rows[key]
        layout.extend(row[i : i + MAX_BUTTONS_PER_ROW] for i in range(0, len(row), MAX_BUTTONS_PER_ROW))
    return InlineKeyboardMarkup(layout)


def render_cards(cards: Sequence[Card], limit: int = MAX_TEXT) -> list[Message]:
    """``cards`` as one message (a blank line between cards), split when too
    long; every button goes under the last part."""
    lines: list[Line] = []
    for card in cards:
        if lines:
            lines.append(())
        lines.extend(card_lines(card))
    texts = _split(lines, limit)
    markup = keyboard(cards)
    return [Message(text, markup if i == len(texts) - 1 else None) for i, text in enumerate(texts)]


def render_reply(reply: Reply, limit: int = MAX_TEXT) -> list[Message]:
    """The messages of a reply, in order (an edit replaces the first)."""
    return [message for group in messages_of(reply.cards) for message in render_cards(group, limit)]
