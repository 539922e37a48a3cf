"""Small helpers shared by the handlers."""

from __future__ import annotations

from core.errors import InvalidInput
from core.presentation.cards import Card, CardKind, Reply

__all__ = ["ensure_page", "notice"]


def notice(text: str, kind: CardKind = CardKind.SUCCESS) -> Reply:
    return Reply([Card(lines=(text,), kind=kind)])


def ensure_page(asked: int, pages: int) -> None:
    """A page past the end of a list is said so, never shown as "Page 3 of 2"
    (``asked`` from 0)."""
    if asked >= pages:
        raise InvalidInput("error.page_past_end", page=asked + 1, count=pages)
