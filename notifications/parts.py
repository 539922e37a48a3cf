"""A message sent in parts, and its edit: the one way every Sender does it.

A sent message's ref (the ledger's ``message_ref``) is the ids of its parts,
in order, joined by commas: what an edit later reads back to edit them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["message_ref", "part_ids", "send_in_parts"]

P = TypeVar("P")


def message_ref(ids: Sequence[int]) -> str:
    """The ref of a message sent as the parts ``ids``."""
    return ",".join(map(str, ids))


def part_ids(ref: str | None) -> list[int]:
    """The ids of the parts a ref names (none for no ref)."""
    return [int(part) for part in (ref or "").split(",") if part.strip().lstrip("-").isdigit()]


async def send_in_parts(
    parts: Sequence[P],
    old: Sequence[int],
    edit: Callable[[int, P], Awaitable[None]],
    send: Callable[[P], Awaitable[int]],
    delete: Callable[[int], Awaitable[None]],
    ids: list[int],
) -> None:
    """Each part edited over the message's old part of the same rank, the
    rest sent, then the old parts left over deleted (an edit that got
    shorter); ``ids`` gets each part's id as it goes (what went out before a
    failure). ``delete`` deals with its own failures: the edit went through."""
    for index, part in enumerate(parts):
        if index < len(old):
            await edit(old[index], part)
            ids.append(old[index])
        else:
            ids.append(await send(part))
    for extra in old[len(parts) :]:
        await delete(extra)
