"""A message sent in parts, and its edit: the one way every Sender does it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["send_in_parts"]

P = TypeVar("P")


async def send_in_parts(
    parts: Sequence[P],
    old: Sequence[int],
    edit: Callable[[int, P], Awaitable[None]],
    send: Callable[[P], Awaitable[int]],
    ids: list[int],
) -> list[int]:
    """Each part edited over the message's old part of the same rank, the
    rest sent; ``ids`` gets each part's id as it goes (what went out before
    a failure). Returns the old parts left over, for the caller to delete."""
    for index, part in enumerate(parts):
        if index < len(old):
            await edit(old[index], part)
            ids.append(old[index])
        else:
            ids.append(await send(part))
    return list(old[len(parts) :])
