"""Platform updates handled once, so an update delivered again (polling
restarted before its offset was confirmed, a webhook retried) is skipped.

A front end gives the update's key to core.presentation.chat.Chat, which
records it (``mark``) first in the command's unit of work: one statement that
says whether it was recorded before, and the record commits if and only if
what the person did does, so a crash anywhere handles the update again on
restart, and a handled one never twice. Another worker handling the same
update waits for this one's record to commit or roll back (the unique key;
on SQLite the write lock). A refusal changes nothing but is recorded too (its
answer was given). ``seen``/``record`` are the same rule as transactions of
their own.

The records are deleted ``KEEP`` after the handling by the daily purge
(core.services.privacy.purge), the one job that owns their retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select

from core.storage import tables
from core.storage.uow import UnitOfWork
from core.storage.upserts import insert_unless_there

__all__ = ["KEEP", "AlreadyHandled", "UpdateKey", "handled", "mark", "record", "seen"]

#: How long a handled update's id is kept. It only guards against the
#: platform sending the update again, which Telegram does for at most 24 hours
#: (it keeps undelivered updates no longer): a few days is plenty, and keeping
#: less is keeping less about people.
KEEP = timedelta(days=3)


@dataclass(frozen=True)
class UpdateKey:
    """One update of one platform: ``UpdateKey("telegram", 123456)``."""

    platform: str
    update_id: int


class AlreadyHandled(Exception):
    """Raised instead of an answer when the update was handled before (the
    front end answers nothing); nothing was changed."""

    def __init__(self, key: UpdateKey) -> None:
        self.key = key
        super().__init__(f"{key.platform} update {key.update_id} was handled before")


@cache
def _find_statement() -> Any:
    c = tables.processed_updates.c
    return select(c.update_id).where(
        c.platform == bindparam("platform"), c.update_id == bindparam("update_id")
    )


def handled(uow: UnitOfWork, key: UpdateKey) -> bool:
    """Inside an open unit of work: True when ``key`` was handled before."""
    found = uow.session.execute(
        _find_statement(), {"platform": key.platform, "update_id": key.update_id}
    ).first()
    return found is not None


def mark(uow: UnitOfWork, key: UpdateKey) -> bool:
    """Inside an open unit of work: record ``key`` as handled, in its
    transaction. False when it already was (another worker handled the same
    update meanwhile and committed first): the caller then rolls back."""
    return insert_unless_there(
        uow,
        tables.processed_updates,
        {"platform": key.platform, "update_id": key.update_id, "processed_at": uow.now()},
        ("platform", "update_id"),
    )


def seen(uow: UnitOfWork, platform: str, update_id: int) -> bool:
    """True when this update was already handled (a read transaction: on
    SQLite it takes no write lock, asked as it is before every update)."""
    with uow.transaction(writes=False):
        return handled(uow, UpdateKey(platform, update_id))


def record(uow: UnitOfWork, platform: str, update_id: int) -> None:
    """Remember that this update was handled (twice is harmless)."""
    with uow:
        mark(uow, UpdateKey(platform, update_id))
        uow.commit()
