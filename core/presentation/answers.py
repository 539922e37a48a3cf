"""Where a Reply goes: the decisions every chat front end shares.

A front end renders cards and sends them; what it sends where is decided
here, once for Telegram, Discord and whatever comes next:

- a reply that is only a refusal answers a press with an alert;
- a reply that waits for the person's typing (a step of a flow) belongs in
  their private chat when it was asked for in a group;
- in a group, a press answers the presser — an alert, or their private chat —
  and never turns the shared card into that person's view: only a reply the
  core marks ``shared`` (a page of a list, a moderator's decision) replaces
  the pressed card or is posted there;
- alerts are shortened to the platform's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.presentation.cards import Card, CardKind, Document, Reply
from core.presentation.context import Speaker

__all__ = [
    "Answer",
    "Limits",
    "answer_message",
    "answer_press",
    "error_line",
    "messages_of",
    "shorten",
    "waits_for_typing",
]


@dataclass(frozen=True)
class Limits:
    """What a platform allows, as far as the core's decisions go."""

    #: The longest text of an alert answering a press (Telegram: 200 characters).
    alert: int = 200
    #: The longest description of a command in the platform's menu.
    command_description: int = 256


@dataclass(frozen=True)
class Answer:
    """One reply, sorted by where it goes."""

    #: Cards for the chat the input came from.
    chat: tuple[Card, ...] = ()
    #: The first card of ``chat`` replaces the message whose button was pressed
    #: (when the platform still can; otherwise it is sent).
    edit: bool = False
    #: Cards for the speaker's private chat.
    private: tuple[Card, ...] = ()
    #: A short text shown to the presser only (Telegram's callback answer,
    #: Discord's ephemeral message).
    alert: str | None = None
    #: The alert is a refusal: shown until dismissed, not as a passing note.
    refusal: bool = False
    #: Files to send after the cards: in the private chat when cards go
    #: there, otherwise in the chat.
    documents: tuple[Document, ...] = ()


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_line(reply: Reply) -> str | None:
    """The text of a reply that is only an error card (a refusal), else None."""
    if len(reply.cards) == 1 and reply.cards[0].kind is CardKind.ERROR and not reply.cards[0].actions:
        return " ".join(reply.cards[0].lines)
    return None


def waits_for_typing(reply: Reply) -> bool:
    """A reply that waits for this person's typing (a step of a flow): in a
    group it belongs in the private chat, where the bot reads what they type."""
    return not reply.edit and any(card.kind is CardKind.PROMPT for card in reply.cards)


def _notice(card: Card) -> str | None:
    """The text of a card that only tells something (no buttons, no title, no
    handle on a thing): it fits an alert."""
    if card.actions or card.title or card.fields or card.ref:
        return None
    if card.kind not in (CardKind.SUCCESS, CardKind.INFO):
        return None
    return " ".join(card.lines) or None


def answer_message(reply: Reply) -> Answer:
    """A typed command or text: answered in the chat it was typed in (the core
    has already handed private commands typed in a group over to the private chat)."""
    return Answer(chat=tuple(reply.cards), documents=tuple(reply.documents))


def answer_press(reply: Reply, speaker: Speaker, limits: Limits, *, in_chat: bool = True) -> Answer:
    """A button pressed by ``speaker``; ``in_chat`` False when the button was on
    a message shared inline, in a chat the bot does not write in."""
    cards = tuple(reply.cards)
    elsewhere = speaker.in_group or not in_chat
    refusal = error_line(reply)
    if refusal is not None:
        # "Moderators only", "this button is no longer valid": an alert, and the
        # whole text too where it does not fit one — never in front of a group.
        whole = cards if len(refusal) > limits.alert else ()
        if elsewhere:
            return Answer(private=whole, alert=shorten(refusal, limits.alert), refusal=True)
        return Answer(chat=whole, alert=shorten(refusal, limits.alert), refusal=True)
    documents = tuple(reply.documents)
    if not in_chat:
        return Answer(private=cards, documents=documents)
    if not speaker.in_group:
        return Answer(chat=cards, edit=reply.edit, documents=documents)
    if waits_for_typing(reply) or documents:  # one's own files never go to a group
        return Answer(private=cards, documents=documents)
    if reply.shared:
        return Answer(chat=cards, edit=reply.edit)
    # The presser's own answer: a line fits an alert (the cards after it show
    # what the shared card already shows), anything else goes to them in private.
    notice = _notice(cards[0]) if cards else None
    if notice is not None and len(notice) <= limits.alert:
        return Answer(alert=notice)
    return Answer(private=cards)


def messages_of(cards: Sequence[Card]) -> list[list[Card]]:
    """The cards of a reply grouped into the messages a chat shows.

    Cards without buttons join the next card that has some (a notice and the
    initiative it is about read as one message); a card with buttons ends a
    message, so each can be edited alone (a review card, a list page)."""
    groups: list[list[Card]] = []
    current: list[Card] = []
    for card in cards:
        current.append(card)
        if card.actions:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups
