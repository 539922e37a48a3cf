"""Cards as Discord messages: one embed per card, buttons under the message.

Discord's limits are kept here, once, whatever the core says: an embed's
title 256 characters, its description 4,096, 25 fields of 1,024, a footer
of 2,048, 6,000 characters over all the embeds of a message, 10 embeds, a
content of 2,000; buttons 5 to a row, 5 rows, labels of 80, custom_ids of
100; a menu (a card's choices) takes a row, with 25 options of 100. A
description too long is split on line boundaries into further embeds (a
single overlong line is cut, at a space when one is near), fields beyond
an embed's share go on in the next, and a message that would pass
6,000 characters or 10 embeds goes on in another message; the buttons go
under the last one.

Member text is escaped (Markdown) and mentions are never allowed: every
send, edit and follow-up passes ``NO_MENTIONS`` (see bots.discord.app).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bots.discord.views import ANSWER_ID, CHOOSE_ID, AnswerButton, CoreChoice, CorePress
from core.presentation.answers import messages_of, shorten
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply

__all__ = [
    "EMBED_DESCRIPTION",
    "EMBED_TITLE",
    "EMBED_TOTAL",
    "MAX_BUTTONS",
    "MAX_CONTENT",
    "NO_MENTIONS",
    "Rendered",
    "build_view",
    "card_embeds",
    "content_within",
    "embed_size",
    "menus_of",
    "render_cards",
    "render_reply",
    "rows_of",
]

#: Nobody is ever pinged by what possibles sends: not @everyone, not a role, not a member.
NO_MENTIONS = discord.AllowedMentions.none()

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
MAX_EMBEDS = 10
MAX_CONTENT = 2000
BUTTON_LABEL = 80
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_BUTTONS = BUTTONS_PER_ROW * MAX_ROWS
#: Options of a menu, and the characters of an option's label.
MENU_OPTIONS = 25
OPTION_LABEL = 100
CUSTOM_ID = 100
URL_MAX = 512
#: Shown where Discord refuses an empty text (a field's value).
EMPTY = "·"

_COLOUR = {
    CardKind.INFO: discord.Colour.blurple(),
    CardKind.SUCCESS: discord.Colour.green(),
    CardKind.ERROR: discord.Colour.red(),
    CardKind.PROMPT: discord.Colour.gold(),
}
_MARK = {CardKind.ERROR: "⚠️ ", CardKind.SUCCESS: "✅ ", CardKind.PROMPT: "", CardKind.INFO: ""}
_STYLE = {
    ActionStyle.PRIMARY: discord.ButtonStyle.primary,
    ActionStyle.SECONDARY: discord.ButtonStyle.secondary,
    ActionStyle.DANGER: discord.ButtonStyle.danger,
    ActionStyle.SUCCESS: discord.ButtonStyle.success,
}


@dataclass
class Rendered:
    """One Discord message: embeds and the rows of buttons under them."""

    embeds: list[discord.Embed] = field(default_factory=list)
    #: Rows of actions, at most 5 rows of 5 (fewer under menus).
    rows: list[list[Action]] = field(default_factory=list)
    content: str | None = None
    #: Menus of choices (core.presentation.cards.Action ``choice``), each a
    #: row of its own above the buttons.
    menus: list[list[Action]] = field(default_factory=list)

    def view(self) -> discord.ui.View | None:
        """The menus and buttons as a discord.py View (None without any):
        CoreChoice and CorePress items, answered after a restart too."""
        return build_view(self.rows, self.menus)

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of a send or an edit of this message."""
        view = self.view()
        return {
            "content": self.content,
            "embeds": self.embeds,
            "view": view if view is not None else discord.utils.MISSING,
            "allowed_mentions": NO_MENTIONS,
        }


#: Markdown that acts anywhere in a line, and what acts only at its start
#: (headings, quotes, lists, "-#" small text).
_INLINE = re.compile(r"([\\*_~`|])")
_LINE_START = re.compile(r"^(\s*)(#|>|-#|- |\* |\d+\. )", re.MULTILINE)


_URL = re.compile(r"(https?://[^\s<>]+)")


def _escape(text: str) -> str:
    """Member text shown as typed: Markdown escaped (links stay links)."""
    pieces = _URL.split(text)
    inline = "".join(p if i % 2 else _INLINE.sub(r"\\\1", p) for i, p in enumerate(pieces))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), inline)


def _escape_title(text: str) -> str:
    """A title: only inline Markdown acts there."""
    return _INLINE.sub(r"\\\1", text)


def embed_size(embed: discord.Embed) -> int:
    """The characters Discord counts towards an embed's 6,000."""
    return len(embed)


def _cut_lines(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends
    (a line longer than ``limit`` is cut where it must be)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def card_embeds(card: Card) -> list[discord.Embed]:
    """One card as one embed, or several when it passes an embed's limits: its
    text in pieces of 4,096 (the title on the first), then its fields, 25 at
    most to an embed and each embed within 6,000, the footer on the last."""
    colour = _COLOUR[card.kind]
    mark = _MARK[card.kind]
    text = "\n".join(_escape(line) for line in card.lines)
    if mark and text:
        text = mark + text
    pieces = _cut_lines(text, EMBED_DESCRIPTION) if text else []
    embeds = [discord.Embed(description=piece, colour=colour) for piece in pieces] or [
        discord.Embed(colour=colour)
    ]
    if card.title:
        embeds[0].title = shorten(_escape_title(card.title), EMBED_TITLE)
    for item in card.fields:
        name = shorten(_escape(item.label), FIELD_NAME) or EMPTY
        value = shorten(_escape(item.value), FIELD_VALUE) or EMPTY
        last = embeds[-1]
        if len(last.fields) >= EMBED_FIELDS or embed_size(last) + len(name) + len(value) > EMBED_TOTAL:
            last = discord.Embed(colour=colour)
            embeds.append(last)
        last.add_field(name=name, value=value, inline=item.inline)
    if card.footer:
        footer = shorten(card.footer, EMBED_FOOTER)
        if embed_size(embeds[-1]) + len(footer) > EMBED_TOTAL:
            embeds.append(discord.Embed(colour=colour))
        embeds[-1].set_footer(text=footer)
    if not card.title and not pieces and not card.fields and not card.footer:
        embeds[-1].description = mark + EMPTY if mark else EMPTY
    return embeds


def _usable(action: Action) -> bool:
    if action.url:
        return len(action.url) <= URL_MAX and action.url.startswith(("https://", "http://"))
    return bool(action.payload) and len(action.payload) <= CUSTOM_ID


def menus_of(cards: Iterable[Card]) -> list[list[Action]]:
    """Each card's choices that fit one menu (2 to 25 options, each payload a
    distinct option value), at most 4 menus (a row stays for buttons); other
    choices stay buttons."""
    menus: list[list[Action]] = []
    for card in cards:
        choices = [a for a in card.actions if a.choice and not a.url and _usable(a)]
        if 2 <= len(choices) <= MENU_OPTIONS and len({a.payload for a in choices}) == len(choices):
            menus.append(choices)
    return menus[: MAX_ROWS - 1]


def rows_of(
    cards: Iterable[Card],
    extra: Sequence[Action] = (),
    *,
    leave_out: Collection[Action] = (),
    max_rows: int = MAX_ROWS,
) -> list[list[Action]]:
    """The actions of ``cards`` in rows: by card, then by Action.row, in order;
    rows wrapped at 5 buttons; when that makes more than ``max_rows`` rows,
    the buttons are packed 5 to a row; past that many rows, the last ones are
    left out (the core's cards have far fewer). ``leave_out``: actions shown
    otherwise (in a menu)."""
    grouped: dict[tuple[int, int], list[Action]] = {}
    for index, card in enumerate(cards):
        for action in card.actions:
            if _usable(action) and action not in leave_out:
                grouped.setdefault((index, action.row), []).append(action)
    for action in extra:
        grouped.setdefault((1 << 30, action.row), []).append(action)
    rows: list[list[Action]] = []
    for key in sorted(grouped):
        row = grouped[key]
        rows.extend(row[i : i + BUTTONS_PER_ROW] for i in range(0, len(row), BUTTONS_PER_ROW))
    if len(rows) > max_rows:
        flat = [action for row in rows for action in row][: max_rows * BUTTONS_PER_ROW]
        rows = [flat[i : i + BUTTONS_PER_ROW] for i in range(0, len(flat), BUTTONS_PER_ROW)]
    return rows


def _button(action: Action, row: int) -> discord.ui.Item[Any]:
    label = shorten(action.label, BUTTON_LABEL) or EMPTY
    if action.url:
        return discord.ui.Button(label=label, url=action.url, row=row)
    button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
        label=label, custom_id=action.payload, style=_STYLE[action.style]
    )
    if action.payload == ANSWER_ID:
        return AnswerButton(button, row=row)
    return CorePress(button, row=row)


def _menu(choices: Sequence[Action], row: int) -> discord.ui.Item[Any]:
    select: discord.ui.Select[discord.ui.View] = discord.ui.Select(
        custom_id=f"{CHOOSE_ID}{row}",
        options=[
            discord.SelectOption(label=shorten(a.label, OPTION_LABEL) or EMPTY, value=a.payload)
            for a in choices
        ],
        min_values=1,
        max_values=1,
    )
    return CoreChoice(select, row=row)


def build_view(
    rows: Sequence[Sequence[Action]], menus: Sequence[Sequence[Action]] = ()
) -> discord.ui.View | None:
    """Menus, then rows of buttons, as a View that never times out (its
    items are answered by the DynamicItems registered at start, not by this
    object)."""
    if not rows and not menus:
        return None
    view = discord.ui.View(timeout=None)
    for index, choices in enumerate(menus):
        view.add_item(_menu(choices, index))
    for index, row in enumerate(rows, start=len(menus)):
        for action in row:
            view.add_item(_button(action, index))
    return view


def render_cards(cards: Sequence[Card], extra: Sequence[Action] = ()) -> list[Rendered]:
    """``cards`` as one message, or several when the embeds pass 10 or 6,000
    characters; the buttons (and ``extra`` ones) go under the last."""
    messages: list[Rendered] = [Rendered()]
    size = 0
    for card in cards:
        for embed in card_embeds(card):
            width = embed_size(embed)
            current = messages[-1]
            if current.embeds and (len(current.embeds) >= MAX_EMBEDS or size + width > EMBED_TOTAL):
                messages.append(Rendered())
                size = 0
            messages[-1].embeds.append(embed)
            size += width
    menus = menus_of(cards)
    messages[-1].menus = menus
    messages[-1].rows = rows_of(
        cards, extra, leave_out={a for menu in menus for a in menu}, max_rows=MAX_ROWS - len(menus)
    )
    return messages


def render_reply(reply: Reply | Sequence[Card], answer: Action | None = None) -> list[Rendered]:
    """The messages of a reply, in order (an edit replaces the first).
    ``answer``: a button added under each card that waits for typing (Discord
    reads typing through a modal)."""
    cards = reply.cards if isinstance(reply, Reply) else list(reply)
    out: list[Rendered] = []
    for group in messages_of(cards):
        extra = (answer,) if answer is not None and any(c.kind is CardKind.PROMPT for c in group) else ()
        out.extend(render_cards(group, extra))
    return out or [Rendered(embeds=[discord.Embed(description=EMPTY)])]


def content_within(text: str) -> str:
    """A plain message's content within Discord's 2,000 characters."""
    return shorten(text, MAX_CONTENT)
