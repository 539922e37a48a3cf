"""Small helpers shared by the handlers."""

from __future__ import annotations

from core.errors import InvalidInput
from core.presentation.cards import Card, CardKind, Reply

__all__ = ["id_argument", "notice", "split_id"]


def id_argument(args: str, *, field: str = "id") -> int:
    """The number a command takes ("42", "#42", "n°42"); InvalidInput otherwise."""
    token = args.strip().split(maxsplit=1)[0] if args.strip() else ""
    token = token.lstrip("#").removeprefix("n°").removeprefix("N°")
    if not token.isdigit() or len(token) > 18:
        raise InvalidInput("error.id_expected", field=field)
    return int(token)


def split_id(args: str) -> tuple[int, str]:
    """ "42 some text" -> (42, "some text")."""
    head, _, rest = args.strip().partition(" ")
    return id_argument(head), rest.strip()


def notice(text: str, kind: CardKind = CardKind.SUCCESS) -> Reply:
    return Reply([Card(lines=(text,), kind=kind)])
