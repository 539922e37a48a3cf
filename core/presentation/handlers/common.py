"""Small helpers shared by the handlers."""

from __future__ import annotations

from core.errors import InvalidInput
from core.presentation.cards import Card, CardKind, Reply
from core.presentation.i18n import Translator

__all__ = ["ensure_page", "member_label", "notice"]


def notice(text: str, kind: CardKind = CardKind.SUCCESS) -> Reply:
    return Reply([Card(lines=(text,), kind=kind)])


def ensure_page(asked: int, pages: int) -> None:
    """A page past the end of a list is said so, never shown as "Page 3 of 2"
    (``asked`` from 0)."""
    if asked >= pages:
        raise InvalidInput("error.page_past_end", page=asked + 1, count=pages)


def member_label(t: Translator, name: str, member_id: int) -> str:
    """A member's name with their number ("Lou (#12)"), where a command may
    need to tell two people of one name apart (/official, /report member)."""
    return t("member.numbered", name=t.member_name(name), id=member_id)
